"""The claim check: after the stream ends, each sentence of the answer is tied to the passage sentence
that supports it, or marked "not in your documents".

A 1.5B model rarely writes its [n] citations and sometimes answers from what it knows rather than
from the passages. The embedder that retrieval already loaded compares every answer sentence with
every passage sentence; a pair counts as support when it is close enough (or the answer sentence's
words are all in the passage sentence, as for a bare "Santa Clara") and every number the answer
sentence states, other than the question's own, is in that passage: a wrong count or year is the
invention that matters most, and an embedding barely sees it. A name (a capitalised Latin-script word)
the sentence states beyond the question's must be written in the passages too. The thresholds and the
numbers that chose them are in docs/decisions/009-claim-check.md.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.chat.citations import (
    asked_about,
    asks_for_something,
    content_words,
    counts,
    counts_stated,
    latin_words,
    names,
    numbers,
    pieces,
    stems,
    strip_citations,
    topic_words,
    unmarked,
)
from core.chat.language import KOREAN, detect_language
from core.chat.passages import Encode, Passage, split_passages

# docs/decisions/009-claim-check.md
SUPPORT_SIMILARITY = 0.86
# A Korean sentence against an English passage sentence (or the reverse): the embedder puts
# translations lower on its scale (0.81-0.88 for true claims about the e2e lighthouse text).
CROSS_SUPPORT_SIMILARITY = 0.81
TUNED_FLOOR = 0.78  # the "not in the library" cosine of multilingual-e5-small, the model these were tuned on
WORDS_ALL_THERE = 1.0  # share of the answer sentence's content words found in the passage sentence
# An answer is shown only when a supported sentence's passage text is about what was asked: the pieces
# around its supporting piece hold this share of the question's words (docs/decisions/018-answers-on-topic.md).
QUESTION_COVERAGE = 0.5
# Quotation marks cut a word from its ending ('"차범근"입니다'): taken out before the words are compared.
_QUOTES = re.compile(r"[\"'“”‘’「」『』〈〉《》]")
# A question's name of at most this many letters ("CA", "TV", "US", the "V" and "A" of "V&A"; not "S8") is
# an abbreviation that a document often spells out ("Hollywood, California"): only the longer ones must be
# written where the answer comes from (``Claim.named``; BENCHMARKS §38).
ABBREVIATION = 2
AROUND = 1  # pieces on each side of the supporting piece that count as its context


def claim_similarities(floor: float) -> tuple[float, float]:
    """The two cosines above for an embedder whose "not in the library" cosine is ``floor``: each model
    has its own scale, and keeps the same place between its floor and 1 (measured on e5 only)."""
    return (1 - (1 - floor) * (1 - SUPPORT_SIMILARITY) / (1 - TUNED_FLOOR),
            1 - (1 - floor) * (1 - CROSS_SUPPORT_SIMILARITY) / (1 - TUNED_FLOOR))


@dataclass(frozen=True)
class Claim:
    """One sentence of the answer, as written (citations kept), and what supports it."""

    text: str
    checked: bool  # False: nothing to check (no word or number that says something, e.g. "Yes.")
    passage: int | None = None  # 1-based number of the supporting passage; None: not supported
    piece: int | None = None  # index of the supporting piece of that passage (``citations.pieces``)
    similarity: float = 0.0  # of the best pair, supported or not
    # share of the question's words in the supporting piece and its neighbours; None: not supported, a
    # question without such words, or one in another language than the passage (no words to share)
    covers: float | None = None
    # False: asked for a name, a number, a place or a time, the sentence states no number of its own and
    # no word beyond the question's that stands beside a piece that could support it: the question copied
    # with one of its own words in the answer's place ("…당시 애칭은 "차범근"입니다"), which the embedder
    # still finds close to the passage the question was copied from
    adds: bool = True
    # False: the question names something ("the Panthers", "the CJEU") that the supporting passage's
    # document, as far as it was retrieved, never writes: the sentence answers about something else
    named: bool = True

    @property
    def supported(self) -> bool:
        return self.passage is not None


@dataclass(frozen=True)
class ClaimCheck:
    claims: tuple[Claim, ...]
    seconds: float = 0.0
    coverage: float = 0.0  # the share of the question's words a supported sentence's context must hold

    @property
    def supported(self) -> bool:
        """Whether anything of the answer is in the passages. An answer with nothing to check (or
        empty) is left alone; one whose every checked sentence lacks support is an invention."""
        checked = [c for c in self.claims if c.checked]
        return not checked or any(c.supported for c in checked)

    @property
    def on_topic(self) -> bool:
        """Whether a supported sentence comes from text about what was asked. The small model, asked
        about something the passages do not hold, copies a true sentence from a neighbouring paragraph
        ("The people of Samarkand were ordered to evacuate" for who held Bukhara's citadel): supported,
        and no answer; or it puts the asked-about name on a sentence about something else ("The CJEU's
        duty is the number of foot-pounds…", ``Claim.named``). Nothing supported, or nothing to measure,
        leaves it to ``supported``."""
        supported = [c for c in self.claims if c.supported]
        return not supported or any((c.covers is None or c.covers >= self.coverage) and c.named for c in supported)

    @property
    def adds(self) -> bool:
        """Whether a supported sentence names something beyond the question that its passage text holds
        (``Claim.adds``): asked what or who, the small model often copies the question and puts one of its
        words, or a word the passages lack, where the answer goes. Nothing supported leaves it to
        ``supported``."""
        supported = [c for c in self.claims if c.supported]
        return not supported or any(c.adds for c in supported)

    @property
    def answers(self) -> bool:
        """What the asker is shown: the model's text when it is supported, on topic and names something
        the question did not, else "not found"."""
        return self.supported and self.on_topic and self.adds

    def cited(self) -> list[int]:
        """The passages that support some sentence, in the order the answer uses them."""
        return list(dict.fromkeys(c.passage for c in self.claims if c.passage is not None))

    def used(self, passage: int) -> set[int]:
        """The pieces of passage ``passage`` (1-based) that support some sentence."""
        return {c.piece for c in self.claims if c.passage == passage and c.piece is not None}

    def to_json(self) -> list[dict]:
        return [{"sentence": c.text, "passage": c.passage, "similarity": round(c.similarity, 3)}
                for c in self.claims if c.checked]


def check_claims(answer: str, passages: list[str] | list[Passage], encode: Encode,
                 similarity: float = SUPPORT_SIMILARITY, cross_similarity: float = CROSS_SUPPORT_SIMILARITY,
                 question: str = "", coverage: float = QUESTION_COVERAGE,
                 documents: Sequence[str] = ()) -> ClaimCheck:
    """Tie each sentence of ``answer`` to its best-supporting passage piece. ``encode`` gives
    normalised vectors (the loaded embedder); passages given as text are embedded here, passages
    already embedded (``split_passages``, done for context packing) are not. ``documents``: each
    passage's document by name (``Hit.source``: a file name, or an eval article's title); the question's
    names are looked for in that name and in all the passages of the supporting one's document (none
    given: in the passage alone)."""
    started = time.perf_counter()
    sentences = [text for text in pieces(answer) if text.strip()]
    bare = [strip_citations(unmarked(s)).strip() for s in sentences]
    words = [content_words(s) for s in bare]
    asked = numbers(question)  # "Super Bowl 50" repeated from the question is not a claim
    stated = [numbers(s) - asked for s in bare]
    claimed = [{(n, w) for n, w in counts(s) if n not in asked} for s in bare]
    checked = [bool(w or n) for w, n in zip(words, stated, strict=True)]
    asked_words = _words(question) if asks_for_something(question) else None
    added = [_words(s) - asked_words if asked_words is not None else set() for s in bare]
    to_check = [i for i, c in enumerate(checked) if c]
    # the words the passages write after numbers: where a counter ends (``citations.count_agrees``)
    texts = [p if isinstance(p, str) else "".join(p.pieces) for p in passages]
    lexicon = {word for text in texts for _, word in counts(text)}
    if to_check and passages and isinstance(passages[0], str):
        passages = _embedded(texts, [(stated[i], claimed[i]) for i in to_check], lexicon,
                             encode)
    embedded = [p for p in passages if isinstance(p, Passage)]
    flat = [(n, i, passage.pieces[i]) for n, passage in enumerate(embedded, 1) if len(passage.vectors)
            for i in passage.filled]
    if not to_check or not flat:
        return ClaimCheck(tuple(Claim(s, c) for s, c in zip(sentences, checked, strict=True)),
                          time.perf_counter() - started, coverage)
    answer_vectors = encode([bare[i] for i in to_check])
    scores = answer_vectors @ np.vstack([p.vectors for p in embedded if len(p.vectors)]).T
    piece_words = [content_words(text) for _, _, text in flat]
    # A number is supported only by text that states it next to the supporting piece, with the same
    # counter: "시즌 7호" is not supported by "시즌 3호 홈런" with "7회말" elsewhere in the same passage,
    # nor "4타점" by "4타수 2안타 3타점" (the passages' words after numbers tell where a counter ends).
    arounds = [_around(embedded[n - 1].pieces, i) for n, i, _ in flat]
    near_numbers = [numbers(around) for around in arounds]
    # ... and a piece that states numbers of its own supports a sentence only if it states one of the
    # sentence's: "152 rows have species Adelie. 124 rows have species Gentoo." does not hold "152 Gentoo"
    own_numbers = [numbers(text) for _, _, text in flat]
    near_counts = [counts(around) for around in arounds]
    piece_korean = [detect_language(text) == KOREAN for _, _, text in flat]
    topic = (stems(asked_about(question)), detect_language(question) == KOREAN)  # once, for every claim
    asked_names = names(question)
    passage_names = [latin_words(text) for text in texts]  # read once, for both name checks
    named = _named({n for n in asked_names if len(n) > ABBREVIATION or not n.isalpha()}, topic[1], texts,
                   passage_names, documents)
    # whether a sentence states a name (beyond the question's) that no passage nor its document's name writes
    written = set().union(*passage_names, *map(latin_words, set(documents)))
    unwritten = [not names(s) - asked_names <= written for s in bare]
    claims = [Claim(s, c) for s, c in zip(sentences, checked, strict=True)]
    around_words: dict[int, set[str]] = {}  # a candidate's context words, worked out once when needed
    for row, i in enumerate(to_check):
        korean = detect_language(bare[i]) == KOREAN
        close: list[int] = []  # the columns that could support the sentence
        for column in range(len(flat)):
            if not (stated[i] <= near_numbers[column] and _own_number(stated[i], own_numbers[column])
                    and _counted(claimed[i], near_counts[column], piece_korean[column], lexicon)):
                continue  # a number the piece and its neighbours do not state is never supported by them
            if piece_korean[column] == korean and unwritten[i]:
                continue  # nor is a name no passage writes: "大元 (Da Yu)" for a text with "Dadu" and "Daidu"
            shared = len(words[i] & piece_words[column]) / len(words[i]) if words[i] else 1.0
            needed = similarity if korean == piece_korean[column] else cross_similarity
            if scores[row, column] >= needed or shared >= WORDS_ALL_THERE:
                close.append(column)
        best = max(close, key=lambda c: scores[row, c], default=None)
        # something the sentence adds to the question stands beside some piece that could support it; a
        # piece in another language shares no words with the sentence, and is not asked to
        adds = asked_words is None or bool(stated[i]) or any(
            piece_korean[c] != korean or added[i] & around_words.setdefault(c, _words(arounds[c])) for c in close)
        if best is None:
            claims[i] = Claim(sentences[i], True, similarity=float(scores[row].max()))
            continue
        passage, piece, _ = flat[best]
        claims[i] = Claim(sentences[i], True, passage, piece, float(scores[row, best]),
                          _covers(topic, embedded[passage - 1].pieces, piece), adds, named[passage - 1])
    return ClaimCheck(tuple(claims), time.perf_counter() - started, coverage)


def _words(text: str) -> set[str]:
    """A text's words as a question's are found (``topic_words``, stemmed), quotation marks taken out."""
    return stems(topic_words(_QUOTES.sub("", text)))


def _covers(topic: tuple[set[str], bool], passage: list[str], piece: int) -> float | None:
    """The share of the question's words (``topic``: their stems, and whether it is Korean) in
    ``passage[piece]`` and its ``AROUND`` neighbours, or None when there is nothing to compare: no such
    words, or a question in another language than the passage."""
    asked, korean = topic
    around = _around(passage, piece)
    if not asked or korean != (detect_language(around) == KOREAN):
        return None
    return len(asked & stems(topic_words(around))) / len(asked)


def _named(asked: set[str], korean: bool, texts: list[str], written: list[set[str]],
           documents: Sequence[str]) -> list[bool]:
    """For each passage, whether its document's name and retrieved passages write every name of the
    question (``asked``): a document names its subject in its title ("갤럭시 S8") and now and then,
    not in every sentence. A passage in another language than the question need not: "삼성" is Samsung.
    ``written``: each passage's Latin-script words (``latin_words``)."""
    if not asked:
        return [True] * len(texts)
    if len(documents) != len(texts):  # not told: each passage alone
        return [korean != (detect_language(t) == KOREAN) or asked <= w for t, w in zip(texts, written, strict=True)]
    together = {d: latin_words(d).union(*(w for w, e in zip(written, documents, strict=True) if e == d))
                for d in set(documents)}
    return [korean != (detect_language(text) == KOREAN) or asked <= together[d]
            for text, d in zip(texts, documents, strict=True)]


def _around(passage: list[str], piece: int) -> str:
    """``passage[piece]`` with its ``AROUND`` neighbours on each side: the supporting piece's context."""
    return "".join(passage[max(0, piece - AROUND):piece + AROUND + 1])


def _embedded(texts: list[str], stated: list[tuple[set[str], set[tuple[str, str]]]], lexicon: set[str],
              encode: Encode) -> list[Passage]:
    """The passages cut into pieces, embedded (in one call) only where some sentence could be tied to
    them: a passage that lacks a number (or a Korean count) every checked sentence states supports none
    of them, so its pieces are not embedded (left without vectors). Embedding is almost all of the
    check's time, about 40 ms a piece on two cores, and a numeric answer usually names a number only one
    passage holds. ``stated``: each checked sentence's numbers and counts; ``lexicon``: the passages'
    words after numbers."""
    held = [(numbers(text), counts(text), detect_language(text) == KOREAN) for text in texts]
    wanted = [n for n, (plain_held, counts_held, korean) in enumerate(held) if any(
        plain <= plain_held and _counted(counted, counts_held, korean, lexicon) for plain, counted in stated)]
    vectors = iter(split_passages([texts[n] for n in wanted], encode))
    empty = np.zeros((0, 1), dtype="float32")
    return [next(vectors) if n in wanted else Passage(pieces(text), empty) for n, text in enumerate(texts)]


def _own_number(stated: set[str], own: set[str]) -> bool:
    """Whether a piece may lend a sentence the numbers its neighbours state: when it states none of its
    own (the fact in one sentence, its number in the next), or when it states one of the sentence's."""
    return not stated or not own or bool(stated & own)


def _counted(claimed: set[tuple[str, str]], written: set[tuple[str, str]], korean: bool, lexicon: set[str]) -> bool:
    """Whether a text of ``written`` counts (Korean, or not: ``korean``) states the claim's Korean counts
    with their counters. Only Korean text writes counters: English states the number bare ("eight P100
    GPUs" for "8개의 P100 GPU"), and its plain numbers are checked as for any claim."""
    return not korean or counts_stated(claimed, written, lexicon)


NOT_IN_DOCUMENTS = {"en": "not in your documents", "ko": "문서에 없는 내용"}


def not_in_documents(language: str) -> str:
    """The mark of a sentence no passage supports, in ``language`` (an ISO code; English otherwise)."""
    return NOT_IN_DOCUMENTS.get(language, NOT_IN_DOCUMENTS["en"])


def annotate(answer: str, check: ClaimCheck, language: str = "en") -> str:
    """The answer with the check shown in it: a supported sentence the model left uncited gets its
    [n], an unsupported one is marked "⚠ (not in your documents)". Plain text, so the page renders
    it as inertly as the model's own."""
    claims = iter(check.claims)
    out = []
    for piece in pieces(answer):
        claim = next(claims) if piece.strip() else None
        body = piece.rstrip()
        tail = piece[len(body):]
        if claim is not None and claim.supported and strip_citations(body) == body:
            # before the full stop, as the model writes them: "1874 [1]." (a line starting "1874. "
            # would also render as a numbered list)
            stop = body[-1] if body[-1] in ".!?。" else ""
            body = f"{body[:len(body) - len(stop)]} [{claim.passage}]{stop}"
        elif claim is not None and claim.checked and not claim.supported:
            body += f" ⚠ ({not_in_documents(language)})"
        out.append(body + tail)
    return "".join(out)
