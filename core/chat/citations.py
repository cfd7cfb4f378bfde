"""From an answer's [n] citations back to its passages, and which sentences of a passage the
answer used, so the UI can mark them."""

from __future__ import annotations

import re

import snowballstemmer
from text_to_num import alpha2digit

_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# The lookbehind lets the leading ``\s*`` start only where a whitespace run starts: without it the
# engine rescans the rest of the run from every one of its characters, which is quadratic (a
# question of 1 MB of spaces held the model lock for about 25 minutes).
_CITATION_AND_SPACE = re.compile(r"(?<!\s)\s*" + _CITATION.pattern)
_SENTENCE_END = re.compile(r"(?<=[.!?。])[ \t]+|\n+")  # sentences, and lines (table rows, list items)
_LIST_MARKER = re.compile(r"[ \t]*\d{1,3}[.)][ \t]+")  # "1. " opens a numbered item: it is not a sentence
_WORD = re.compile(r"\w{2,}")
# English number words from this value up are read as digits (text2num: "eight" -> 8, "twenty-one" -> 21).
SPELLED_FROM = 2
SPELLED_SPAN = 2000  # characters read at once (``_spans``)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MIN_SHARED_WORDS = 2


def strip_citations(text: str) -> str:
    """The text without its [n] / [1, 2] markers (and the space before them)."""
    return _CITATION_AND_SPACE.sub("", text)


def without_bare_citations(text: str) -> str:
    """The text less its lines of nothing but citations: the default model sometimes ends an answer with a
    line "[1]" (a Korean answer in the browser walk of BENCHMARKS §34), which says nothing to check or show."""
    lines = text.split("\n")
    kept = [line for line in lines if not line.strip() or strip_citations(line).strip(" \t.")]
    return ("\n".join(kept).strip() or text) if len(kept) < len(lines) else text  # all citations: as it was


def cited(answer: str, sources: int) -> list[int]:
    """The passage numbers the answer cites, in first-cited order, ignoring numbers out of range."""
    numbers: list[int] = []
    for group in _CITATION.findall(answer):
        for part in group.split(","):
            n = int(part)
            if 1 <= n <= sources and n not in numbers:
                numbers.append(n)
    return numbers


def pieces(text: str) -> list[str]:
    """The text cut into sentences and lines; joining the pieces gives the text back unchanged."""
    out: list[str] = []
    start = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.end() if match else len(text)
        if match and _LIST_MARKER.fullmatch(text, start, end):
            continue  # the marker stays with its item's text, so the list is still a list once annotated
        if text[start:end]:
            out.append(text[start:end])
        start = end
    return out


def unmarked(sentence: str) -> str:
    """A piece without the "1. " that opens a numbered item: the item's number is no claim of its own."""
    return sentence[m.end():] if (m := _LIST_MARKER.match(sentence)) else sentence


def highlight(passage: str, answer: str, used: set[int] | None = None) -> list[tuple[str, bool]]:
    """The passage's pieces, each marked True when the answer used it: the pieces the claim check tied
    to the answer (``used``, indexes into ``pieces``) when it ran, else those sharing a number or at
    least two words with the answer."""
    if used is not None:
        return [(piece, i in used) for i, piece in enumerate(pieces(passage))]
    answer = strip_citations(answer)
    answer_words = content_words(answer)
    answer_numbers = set(_NUMBER.findall(answer))
    marked: list[tuple[str, bool]] = []
    for sentence in pieces(passage):
        words = content_words(sentence)
        numbers = set(_NUMBER.findall(sentence))
        marked.append((sentence, len(words & answer_words) >= MIN_SHARED_WORDS or bool(answer_numbers & numbers)))
    return marked


def numbers(text: str) -> set[str]:
    """The numbers a text states, thousands separators dropped ("304,016" and "304016" agree), English
    number words read as digits: the paper's "eight P100 GPUs" supports "8개의 P100 GPU". "one" and "first"
    are left as words (``SPELLED_FROM``): mostly a pronoun or an order, not a count."""
    return {n.replace(",", "") for n in _NUMBER.findall(as_digits(text))}


def as_digits(text: str) -> str:
    """``text`` with its English number words from two up written as digits ("eight GPUs" -> "8 GPUs")."""
    return "".join(alpha2digit(part, "en", threshold=SPELLED_FROM) for part in _spans(text, SPELLED_SPAN))


def _spans(text: str, most: int) -> list[str]:
    """``text`` in pieces of at most ``most`` characters, cut at a space where there is one: text2num's
    time grows faster than its input (1 MB of number words: 3 minutes; 2,000 characters: half a ms)."""
    pieces, start = [], 0
    while len(text) - start > most:
        cut = text.rfind(" ", start + 1, start + most)
        cut = cut if cut > start else start + most
        pieces.append(text[start:cut])
        start = cut
    return [*pieces, text[start:]]


# A number with Hangul written onto it: a counter, often with a particle or an ending after it ("3호",
# "7회말", "3타점을", "1949년에"). The counter says what is counted: "시즌 7호" is not the "7" of "7회말".
_COUNTED = re.compile(r"(\d+(?:[.,]\d+)*)([\uac00-\ud7a3]+)")


def counts(text: str) -> set[tuple[str, str]]:
    """The numbers a text states with Hangul written onto them, as (number, word): ("3", "타점을")."""
    return {(number.replace(",", ""), word) for number, word in _COUNTED.findall(text)}


def count_agrees(claimed: str, written: str, lexicon: set[str]) -> bool:
    """Whether the word a claim writes after a number ("타점을") counts what the documents' word after
    the same number ("타수") counts. Where the counter ends and its particle starts is not written, and no
    list of particles is kept: the documents are the lexicon. The claim's counter is its longest start that
    some word written after a number in the documents (``lexicon``) also starts with ("타점" when they say
    "3타점"), one syllable at least. It agrees when the documents' word starts with that counter, or when
    the documents' word is itself a start of the claimed one (the claim added an ending: "3명의", "3명")."""
    length = 1
    while length < len(claimed) and any(word.startswith(claimed[:length + 1]) for word in lexicon):
        length += 1
    return written.startswith(claimed[:length]) or claimed.startswith(written)


def counts_stated(claimed: set[tuple[str, str]], written: set[tuple[str, str]], lexicon: set[str]) -> bool:
    """Whether every counted number of a claim is in ``written`` (a text's ``counts``) with its counter."""
    return all(any(number == n and count_agrees(word, w, lexicon) for n, w in written) for number, word in claimed)


def content_words(text: str) -> set[str]:
    """Words that say something: Latin-script words of 4+ letters ("the", "was" match anything),
    and words of 2+ characters in other scripts (Korean words are short)."""
    return {w.lower() for w in _WORD.findall(text) if len(w) >= 4 or not w.isascii()}


# Words that frame a question rather than say what it is about: English words of 4+ letters, and the first
# two syllables of Korean question words (무엇, 어디, 언제, 누구/누가, 무슨, 어떤/어떻게, 어느, 얼마).
FRAME_WORDS = frozenset("does have many much what which when where there were with from that this they "
                        "them their about into been each long used "
                        "무엇 어디 언제 누구 누가 무슨 어떤 어떻 어느 얼마".split())
# A Korean word is compared by its first two syllables, as the keyword leg finds it (core.retrieval.keyword:
# "서울*" finds 서울에서 and 서울은): particles and endings never decide a match, and no list of them is kept.
KOREAN_PREFIX = 2


def topic_words(text: str) -> set[str]:
    """Content words, a plural "s" taken off ("heads" and "head" agree); other words by their first two
    syllables (트랜스포머는 and 트랜스포머를 agree): how a question's words are found in a passage."""
    out = set()
    for word in content_words(text):
        if word.isascii():
            out.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)
        else:
            out.add(word[:KOREAN_PREFIX])
    return out


# A question that asks for a name, a number, a place or a time (not yes or no, not a choice between the
# options it names): English wh-words, Korean question words, and a Korean question that ends on a topic
# noun ("…맺은 조약은?"). Its answer must name something the question does not.
_ASKS_FOR = re.compile(r"\b(?:what|which|when|where|who|whom|whose|how|why)\b|무엇|무슨|뭐|어디|언제|누구|누가|어떤|"
                       r"어떻|어느|얼마|몇|왜|[은는]\s*\?\s*$", re.IGNORECASE)
_CHOICE = re.compile(r"\bor\b|아니면|또는|혹은", re.IGNORECASE)


def asks_for_something(question: str) -> bool:
    """Whether ``question`` asks for something it does not name itself (``_ASKS_FOR``)."""
    return bool(_ASKS_FOR.search(question)) and not _CHOICE.search(question)


def question_words(question: str) -> set[str]:
    """What a question is about, as ``topic_words`` finds it in a passage."""
    return topic_words(question) - FRAME_WORDS


# The word a question word picks out ("which agency", "어느 기관", "무슨 상"): the kind of thing asked for,
# which the answer names ("문체부", "Paris"), and which the text that answers seldom writes.
# "What" is followed by a verb as often ("what caused the fire"): its word counts only before an auxiliary or
# "of" ("what year did", "what kind of").
_ASKED_KIND = re.compile(r"\b(?:which|whose)\s+(\w+)|\bwhat\s+(\w+)(?=\s+(?:did|do|does|was|were|is|are|has|have|had|"
                         r"will|would|can|could|of)\b)|(?:어느|어떤|무슨)\s+(\w+)", re.IGNORECASE)


def asked_kind(question: str) -> set[str]:
    """The words that name the kind of thing ``question`` asks for (``_ASKED_KIND``), as ``topic_words``."""
    return topic_words(" ".join(w for found in _ASKED_KIND.findall(question) for w in found))


# Words that ask for a kind of answer rather than say what it is about: a summary, an explanation, a list,
# and its length ("Summarize the press release in three sentences", "주요 내용을 세 줄로 요약해 주세요"),
# as ``topic_words`` gives them (Korean by their first two syllables).
REQUEST_WORDS = frozenset(
    "summarize summarise summary explain describe overview main point brief briefly sentence line list "
    "please give tell content document three five "
    "요약 정리 설명 주요 핵심 내용 개요 간단 간략 자세 문장 줄로 알려 주세 해주 부탁 문서".split())


def asked_about(question: str) -> set[str]:
    """What the text that answers ``question`` should hold: its ``question_words`` less the kind of thing
    asked for (``asked_kind``) and the words of the request itself (``REQUEST_WORDS``)."""
    return question_words(question) - asked_kind(question) - REQUEST_WORDS


# A name in a question: a Latin-script word written with a capital letter, not the question's first word
# ("What", "In"); a possessive "'s" is not part of it ("Luther's" is Luther).
_LATIN = "A-Za-z0-9\u00c0-\u024f"  # Latin letters, accented ones ("Yuán") included, and digits
_NAME = re.compile(rf"(?<![\w'’])[A-Z][{_LATIN}]*")
_LATIN_WORD = re.compile(rf"[{_LATIN}]+")
_FIRST_WORD = re.compile(r"\W*\w+")


def names(question: str) -> set[str]:
    """The names a question is about ("Panthers", "CJEU", "Germany"), lowercased and singular: what a passage that
    answers it is about too. Capitals are the whole test; Korean has none, and a Korean question's
    names are Latin-script ones ("LG", "KBO") or none."""
    first = _FIRST_WORD.match(question)
    start = first.end() if first else 0
    return {_singular(m.group()) for m in _NAME.finditer(question) if m.start() >= start}


def latin_words(text: str) -> set[str]:
    """The Latin-script words of ``text``, lowercased and singular, as ``names`` gives a name."""
    return {_singular(w) for w in _LATIN_WORD.findall(text)}


def _singular(word: str) -> str:
    """A name lowercased, a plural "s" taken off: "GPUs" is asked of a paper that writes "8 P100 GPU"."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def stems(words: set[str]) -> set[str]:
    """English words by their Snowball stem ("train", "trained" and "training" agree, as the keyword leg's
    porter tokenizer finds them); Korean words are already cut to their first syllables (``topic_words``).
    A stemmer object keeps state while it works, so each call makes its own (2 microseconds)."""
    english = snowballstemmer.stemmer("english")
    return {english.stemWord(w) if w.isascii() else w for w in words}
