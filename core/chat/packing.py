"""Context packing: each passage given to the model keeps only its sentences closest to the question.

The default model reads the prompt at about 100 tokens a second on two cores, so the passages are most
of the time to the first token. Each passage is cut into the pieces the claim check and the highlights
use (``citations.pieces``); the ``keep`` closest to the question (cosine), and any piece stating a
number the question states, stay in their order, with "…" where pieces were left out. The piece
vectors are kept for the claim check, which then embeds only the answer. The share of gold answers
still in the packed context, and the prompt it saves, are in docs/BENCHMARKS.md §15.
"""

from __future__ import annotations

import numpy as np

from core.chat.citations import numbers
from core.chat.passages import Passage

GAP = "… "


def packed(passage: Passage, question_vector: np.ndarray, question: str, keep: int) -> str:
    """The passage with only its ``keep`` pieces closest to the question (and those stating one of the
    question's numbers); the whole passage when ``keep`` is 0 or it has no more pieces than that."""
    filled = passage.filled
    if keep <= 0 or len(filled) <= keep:
        return "".join(passage.pieces)
    scores = passage.vectors @ question_vector
    asked = numbers(question)
    chosen = {filled[i] for i in np.argsort(-scores)[:keep].tolist()}
    chosen |= {i for i in filled if asked & numbers(passage.pieces[i])}
    out, last = [GAP] if min(chosen) > filled[0] else [], -1
    for i in sorted(chosen):
        if last >= 0 and i > last + 1:
            out.append(GAP)
        out.append(passage.pieces[i])
        last = i
    return "".join(out).strip()
