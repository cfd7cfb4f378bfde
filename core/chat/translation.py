"""A Korean question about English passages is searched in English too, translated by the answering model.

A multilingual embedder places a Korean question and the English passage that answers it further apart
than the same question in English: on the mixed eval, the 26 Korean questions about English documents
found their passage among the three the model reads 20 times searched as asked, 23 times translated, and
24 times with both searches taken in turn (BENCHMARKS §33). Korean loanwords of English terms (피드포워드,
드롭아웃) meet their passage only in English. The default model translates Korean technical questions into
English well (everyday words less so: 오리, duck, it does not know) and English into Korean poorly, and
English questions about Korean passages already find them (18 of 18 in the first three), so only Korean
questions are translated, and only when the best passage found is English: a Korean library, a Korean
question about a Korean document among English ones, or an English question costs no model call (a median
1.1–1.4 s where it is made). Translating whenever any English passage was among the three asked the model
for 31 of 100 KorQuAD questions in a library that also held 300 English paragraphs, and showed its
translation, which for a Korean name can be nonsense, for no passage gained (BENCHMARKS §37).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import chain, zip_longest
from typing import TYPE_CHECKING

from core.chat.language import ENGLISH, KOREAN, detect_language

if TYPE_CHECKING:
    from core.retrieval.retriever import Retrieved
    from core.store.records import Hit

MAX_TRANSLATION_CHARS = 400


def needs_translation(question: str, retrieved: Retrieved) -> bool:
    """A Korean question whose best passage is English. The Korean questions about English documents had an
    English passage first 25 times in 26, and the 26th found only Korean ones (BENCHMARKS §33, §37). A
    question refused as asked stays refused: an English question is nearer any English passage than a
    Korean one is, related or not (100 KorQuAD questions over the SQuAD library, which cannot answer them:
    81 % refused as asked, 5–6 % translated), and the default model mistranslates everyday words ("오리는
    무엇을 먹나요?" came back "What do you eat?", nearest a passage about eating after a swim), so no cosine
    on the translation tells. The translation only changes which passages are read."""
    return (retrieved.grounded and detect_language(question) == KOREAN and bool(retrieved.hits)
            and detect_language(retrieved.hits[0].text) == ENGLISH)


def usable_translation(text: str) -> str | None:
    """The model's reply as a question to search: its first line, unquoted, cut to length; None when it is
    empty or not English (the model sometimes answers the question, or repeats it)."""
    lines = [line.strip().strip('"“”') for line in text.strip().splitlines() if line.strip()]
    first = lines[0][:MAX_TRANSLATION_CHARS] if lines else ""
    return first if first and detect_language(first) == ENGLISH else None


def taken_in_turn(asked: Retrieved, translated: Retrieved) -> Retrieved:
    """The translation's passages and the question's own, taken in turn (the translation's first: it ranks
    the passage higher more often), without repeats, as many as either search gave. Taking turns keeps the
    question's own best passage, which its translation lost for 1 of the 26 (a question naming "이 트랜스포머
    논문"). Whether to answer stays the question's own verdict (``needs_translation``)."""
    hits: dict[int, Hit] = {}
    for hit in chain.from_iterable(zip_longest(translated.hits, asked.hits)):
        if hit is not None:
            hits.setdefault(hit.chunk_id, hit)
    k = max(len(asked.hits), len(translated.hits))
    return replace(asked, hits=list(hits.values())[:k])
