"""The passage window: each passage given to the model borrows the sentences around it that the
question touches.

A chunk boundary can cut a fact off the passage that retrieval finds: in the attention paper "In this
work we employ h = 8 parallel attention layers, or heads." sits at the end of a chunk of formulas that
the heads question does not rank, and the next chunk, which wins, starts two sentences later. So each
passage borrows, from the chunk before and the chunk after it (same document, page and section), up to
``window_sentences`` sentences a side that share two words or a number with the question (a line "…"
where sentences are left out). Not the whole neighbours and not every neighbouring sentence: both
reached the same facts on the fact set for three to six times the prompt (docs/BENCHMARKS.md §17,
docs/decisions/015-passage-window.md). A sentence of another page is not borrowed: the passage would
be cited, and marked, on the wrong page. Neighbours that are themselves among the passages lend
nothing: their text is there already. The widened text replaces the passage's text, so the model, the
sources panel, its highlights, "Show on the page" and the claim check all read the same words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from core.chat.citations import numbers, question_words, topic_words
from core.retrieval.retriever import Retrieved
from core.store.base import Store
from core.store.records import Chunk, Hit

# A sentence ends at . ! ? or 。 before white space, or at a blank line; a line break alone does not
# end one (PDF text breaks lines mid-sentence).
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n\s*\n")
_ENDS_SENTENCE = re.compile(r"(?:[.!?。][\"'”’)\]]*|\n\s*\n)\s*$")
# Chunks overlap by up to chunk_overlap characters (whole lines or words, chunk_overlap 100); a shorter
# match is taken as coincidence ("." against ".").
MIN_OVERLAP = 10
# At most this much is borrowed on each side: formulas and table rows have no sentence ends, and one
# "sentence" would otherwise be the whole neighbour. Measured in §17 (the h = 8 sentence and the one
# after it are 135 characters).
MAX_SIDE_CHARS = 300
GAP = "\n…\n"  # where sentences were left out, on a line of its own
MIN_SHARED_WORDS = 2  # as the highlights count a sentence the answer used (core.chat.citations)


def widened(retrieved: Retrieved, store: Store, sentences: int, question: str) -> Retrieved:
    """``retrieved`` with its passages widened (``widen``, only sentences the question touches) when it
    is answered from; a refusal's closest passages are shown as they are stored."""
    if not retrieved.grounded:
        return retrieved
    return replace(retrieved, hits=widen(retrieved.hits, store, sentences, question))


def widen(hits: list[Hit], store: Store, sentences: int, question: str | None = None) -> list[Hit]:
    """The hits, each with up to ``sentences`` sentences a side of its neighbouring chunks (only those
    ``question`` touches, when given); unchanged when ``sentences`` is 0."""
    if sentences <= 0 or not hits:
        return hits
    taken = {h.chunk_id for h in hits}
    documents: dict[str, list[tuple[int, Chunk]]] = {}
    out = []
    for hit in hits:
        if hit.sha256 not in documents:
            documents[hit.sha256] = store.document_chunks(hit.sha256)
        before, after = neighbours(documents[hit.sha256], hit.chunk_id, taken)
        out.append(replace(hit, text=window(before, hit.text, after, sentences, question=question)))
    return out


def neighbours(chunks: list[tuple[int, Chunk]], chunk_id: int, taken: set[int],
               pages_apart: int = 0) -> tuple[str | None, str | None]:
    """The texts of the chunks just before and after ``chunk_id`` in reading order, when they are under
    the same heading, at most ``pages_apart`` pages away (the bench measures 1), and not ``taken``."""
    at = next((i for i, (cid, _) in enumerate(chunks) if cid == chunk_id), None)
    if at is None:
        return None, None
    own = chunks[at][1]

    def lend(i: int) -> str | None:
        if not 0 <= i < len(chunks):
            return None
        cid, chunk = chunks[i]
        near = chunk.page == own.page or (chunk.page is not None and own.page is not None
                                          and abs(chunk.page - own.page) <= pages_apart)
        return chunk.text if near and chunk.heading == own.heading and cid not in taken else None

    return lend(at - 1), lend(at + 1)


def window(before: str | None, text: str, after: str | None, sentences: int,
           limit: int | None = MAX_SIDE_CHARS, question: str | None = None, finish: bool = False) -> str:
    """``text`` with up to ``sentences`` sentences a side of the chunks ``before`` and ``after`` it, at
    most ``limit`` characters a side (None: no limit). With a ``question``, only the sentences it touches
    (``touches``), a line "…" standing for those left out; without one, the nearest. With ``finish``,
    also the rest of a sentence the passage cuts (measured, not used by the app: it reached no more
    facts). Text the chunks share (their overlap) is not repeated."""
    keep = (lambda _sentence: True) if question is None else _touched_by(question)
    head = tail = ""
    if before:
        parts = sentence_spans(before[:len(before) - overlap(before, text)])[::-1]  # nearest first
        cut = finish and bool(parts) and continues(parts[0], text)
        head = _cut_front(_assemble(parts, _chosen(parts, cut, sentences, keep), reverse=True), limit)
    if after:
        rest = after[overlap(text, after):]
        parts = sentence_spans(rest)
        cut = finish and bool(parts) and continues(text, rest)
        tail = _cut_back(_assemble(parts, _chosen(parts, cut, sentences, keep), reverse=False), limit)
    return _join(_join(head, text), tail).strip()


def continues(first: str, second: str) -> bool:
    """Whether ``second`` goes on with a sentence ``first`` left unfinished: no sentence end between them,
    and ``second`` starts with a lower-case letter ("is similar to…", "layers, produce…"). A table row,
    a list item or a heading starts otherwise, and scripts without case (Korean) are never finished."""
    start = second.lstrip()[:1]
    return not _ENDS_SENTENCE.search(first) and start.isalpha() and start.islower()


def touches(sentence: str, words: set[str], asked: set[str]) -> bool:
    """Whether a sentence shares two of the question's ``words`` or one of the numbers it ``asked``."""
    return len(words & topic_words(sentence)) >= MIN_SHARED_WORDS or bool(asked & numbers(sentence))


def _touched_by(question: str) -> Callable[[str], bool]:
    words, asked = question_words(question), numbers(question)
    return lambda sentence: touches(sentence, words, asked)


def _chosen(parts: list[str], cut: bool, sentences: int, keep: Callable[[str], bool]) -> list[int]:
    """Indexes into ``parts`` (nearest the passage first): the unfinished sentence the passage cuts, and up
    to ``sentences`` whole sentences that ``keep`` takes."""
    chosen = [0] if cut else []
    for i in range(1 if cut else 0, len(parts)):
        if len(chosen) - cut >= sentences:
            break
        if keep(parts[i]):
            chosen.append(i)
    return chosen


def _assemble(parts: list[str], chosen: list[int], reverse: bool) -> str:
    """The chosen parts in reading order; a line "…" where parts were left out between them or before
    the passage. On a line of its own it leaves every borrowed line as it stands on the page, so "Show
    on the page" still finds and marks it."""
    if not chosen:
        return ""
    runs: list[list[int]] = []
    for i in sorted(chosen):
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    texts = ["".join(parts[i] for i in (reversed(run) if reverse else run)).strip() for run in runs]
    if reverse:  # nearest first: back to reading order
        texts.reverse()
    text = GAP.join(texts)
    if runs[0][0] != 0:  # not next to the passage
        text = text + GAP if reverse else GAP + text
    return text


def overlap(first: str, second: str) -> int:
    """Length of the longest end of ``first`` that ``second`` starts with (the splitter's overlap)."""
    for size in range(min(len(first), len(second)), MIN_OVERLAP - 1, -1):
        if first.endswith(second[:size]):
            return size
    return 0


def sentence_spans(text: str) -> list[str]:
    """``text`` cut after each sentence end; joining the parts gives the text back."""
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        parts.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return parts


def _cut_front(text: str, limit: int | None) -> str:
    """At most ``limit`` characters of the end of ``text``, from a line or word start."""
    if limit is None or len(text) <= limit:
        return text
    cut = text[-limit:]
    start = cut.find("\n") + 1 or cut.find(" ") + 1
    return cut[start:]


def _cut_back(text: str, limit: int | None) -> str:
    """At most ``limit`` characters of the start of ``text``, up to a line or word end."""
    if limit is None or len(text) <= limit:
        return text
    cut = text[:limit]
    end = cut.rfind("\n")
    if end <= 0:
        end = cut.rfind(" ")
    return cut[:end] if end > 0 else cut


def _join(first: str, second: str) -> str:
    if not first.strip():
        return second
    if not second.strip():
        return first
    if first[-1:].isspace() or second[:1].isspace():
        return (first + second).strip()
    return f"{first}\n{second}"
