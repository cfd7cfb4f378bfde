"""Whether a follow-up needs the conversation to be understood, decided without the model.

Rewriting a follow-up with the model costs 10-15 s on two cores before any source is shown (issue 18),
and most follow-ups ("How many layers does the decoder have?") stand on their own. A follow-up needs
the conversation when it points back (pronouns, demonstratives: it, that, 그것, 이) or leaves its
subject out (ellipsis: "what about the decoder?", "그럼 디코더는요?", "Why?"). Those are cheap to see in
the words; a miss costs one retrieval with the raw question, a false alarm only the old rewrite.
tests/data/followups.json holds the labelled conversations that measure this decision.
"""

from __future__ import annotations

import re

from core.chat.citations import FRAME_WORDS, topic_words
from core.chat.language import KOREAN, detect_language

# A question of at most this many words leans on the conversation ("Why?", "How long?", "왜요?",
# "디코더는요?"). Swept on the 48 conversations of tests/data/followups.json (the set this was tuned on):
# 2 English and 2 Korean words decide 0.958 right; 3 English words flag "Who founded Samsung?" (0.917),
# 3 Korean words flag "등대는 언제 지어졌나요?" (0.938), no length rule at all 0.854.
SHORT_WORDS = {"en": 2, "ko": 2}

WORD = re.compile(r"[\w'’]+")

# Words that point back whatever surrounds them.
EN_REFERENCES = frozenset(
    "it its it's itself they them their theirs themselves these those he him his she her hers "
    "former latter same above".split()
)
# "that"/"this" point back after a verb, a preposition or a question word ("was that built", "about
# this"), or before a noun at the start; after a noun "that" starts a clause ("the paper that ...").
EN_DEMONSTRATIVES = frozenset({"that", "this"})
EN_BEFORE_DEMONSTRATIVE = frozenset(
    "is was are were be been does did do has have had about of in on for with from to by at into when where "
    "why how what who which and explain describe mean means summarize compare".split()
)
# A follow-up starting like this continues the last question ("and the decoder?", "what about 2019?").
EN_OPENINGS = ("and ", "also ", "but ", "so ", "then ", "what about ", "how about ", "what else",
               "why not", "same ", "more ", "else ", "or ")

# "this paper", "이 보도자료": a demonstrative before a kind of document points at a file of the library, not
# at the conversation; the question names what to search for (a Korean question about a press release,
# asked after two about a paper, was rewritten into one about the paper).
EN_DOCUMENT_KINDS = frozenset("paper document report file article book pdf press policy manual handbook "
                              "contract table spreadsheet presentation letter memo".split())
# Matched as a word's start (the particle follows: 보도자료는), so no one-syllable kind: 책 would take 책임자.
KO_DOCUMENT_KINDS = ("보도자료", "문서", "논문", "보고서", "자료", "파일", "기사", "규정", "계약서", "공문", "안내문",
                     "발표문")

# Korean words that point back: demonstratives with their particles, and 해당 ("the said").
KO_REFERENCE_PREFIXES = (
    "그것", "그거", "그건", "그게", "그걸", "그는", "그가", "그를", "그의", "그에", "그녀", "그들", "그곳", "그때",
    "그런", "그렇", "이것", "이거", "이건", "이게", "이걸", "이곳", "이런", "이렇", "저것", "저거", "저건", "저게",
    "저곳", "거기", "해당", "위의", "앞의", "방금",
)
# A bare determiner: 그 모델, 이 논문, 저 사람.
KO_DETERMINERS = frozenset({"그", "이", "저"})
# A follow-up starting like this continues the last question: 그리고, 그럼, 그러면, 또, 그래서, 그런데.
KO_OPENINGS = ("그리고", "그럼", "그러면", "그렇다면", "또", "그래서", "그런데", "근데", "아까")
# An ellipsis ending: "디코더는요?" ("and the decoder?").
KO_ELLIPSIS_ENDINGS = ("는요", "은요", "도요")


def needs_history(question: str) -> bool:
    """True when the follow-up should be rewritten with the conversation before retrieval."""
    text = " ".join(question.strip().split())
    words = WORD.findall(text.lower())
    if not words:
        return True  # "?" or "…": only the conversation says what is asked
    if detect_language(text) == KOREAN:
        return _korean_needs_history(words)
    return _english_needs_history(text.lower(), words)


def _english_needs_history(text: str, words: list[str]) -> bool:
    if len(words) <= SHORT_WORDS["en"] or text.startswith(EN_OPENINGS):
        return True
    if any(w.replace("’", "'") in EN_REFERENCES for w in words):
        return True
    for i, word in enumerate(words):
        if word in EN_DEMONSTRATIVES and (i == 0 or i == len(words) - 1 or words[i - 1] in EN_BEFORE_DEMONSTRATIVE):
            if i + 1 < len(words) and words[i + 1] in EN_DOCUMENT_KINDS:
                continue  # "this paper": a document of the library
            return True
    return False


def _korean_needs_history(words: list[str]) -> bool:
    if len(words) <= SHORT_WORDS["ko"] or words[0].startswith(KO_OPENINGS):
        return True
    if words[-1].endswith(KO_ELLIPSIS_ENDINGS):
        return True
    return any((w in KO_DETERMINERS and not (i + 1 < len(words) and words[i + 1].startswith(KO_DOCUMENT_KINDS)))
               or w.startswith(KO_REFERENCE_PREFIXES) for i, w in enumerate(words))


def rewrite_resolves(question: str, rewritten: str, last: str, history: str) -> bool:
    """Whether the model's rewrite of a follow-up did what it is for: it brings back a word of the
    conversation that the follow-up lacks, and keeps what the follow-up adds to the last question.

    Of the 22 labelled follow-ups it was asked to rewrite (bench.followup_rewrite), the default model gave 6
    back unchanged ("그들의 쿼터백은 누구였나요?", "What about meals?"), which retrieval then searched without
    their subject; and once the walk of issue 18 searched "그건 어떤 GPU였나요?" as the question
    before it, the new part dropped. Words are compared as a passage's are found (``topic_words``)."""
    asked = topic_words(question) - FRAME_WORDS
    said = topic_words(rewritten) - FRAME_WORDS
    added = asked - topic_words(last)
    if added and not added & said and detect_language(rewritten) == detect_language(question):
        return False  # (a rewrite in the last question's language keeps them in other words)
    return bool((said - asked) & topic_words(history))
