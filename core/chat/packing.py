"""Context packing: the passages given to the model keep only their sentences closest to the question,
either a fixed number per passage (``packed``) or as many as fit a reading budget (``packed_to_budget``).

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
from core.chat.language import is_hangul
from core.chat.passages import Passage

GAP = "… "
# The default model's tokens a character (Qwen2.5's tokenizer, least squares over 120 KorQuAD and 120
# SQuAD dev paragraphs, 8 % median error): a Hangul syllable is about one token, other text about 4.6
# characters a token. Korean passages of the same length cost the model three times the reading.
TOKENS_PER_HANGUL = 0.95
TOKENS_PER_OTHER = 0.22


def reading_cost(text: str) -> float:
    """About how many tokens the model reads for ``text``, without loading its tokenizer."""
    hangul = sum(map(is_hangul, text))
    return hangul * TOKENS_PER_HANGUL + (len(text) - hangul) * TOKENS_PER_OTHER


def over_budget(texts: list[str], budget: float) -> bool:
    """Whether ``texts`` cost more than a reading budget (0: no budget): asked before anything is embedded."""
    return budget > 0 and sum(map(reading_cost, texts)) > budget


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
    return _render(passage, chosen)


def packed_to_budget(passages: list[Passage], question_vector: np.ndarray, question: str,
                     budget: float) -> list[str]:
    """The passages whole when they fit ``budget`` (``reading_cost``), else cut to the pieces that fit
    it: each passage's closest piece first (the first passage's always), then the pieces stating a
    number the question states, then the rest by cosine to the question; each in its order, "…" where
    pieces were left out. Languages that cost more tokens a character are cut more, not read slower."""
    whole = ["".join(p.pieces) for p in passages]
    if not over_budget(whole, budget):
        return whole
    asked = numbers(question)
    scores = [p.vectors @ question_vector for p in passages]
    best = [(n, p.filled[int(np.argmax(scores[n]))]) for n, p in enumerate(passages) if p.filled]
    rest = sorted(((bool(asked & numbers(p.pieces[i])), float(scores[n][j]), n, i)
                   for n, p in enumerate(passages) for j, i in enumerate(p.filled)), reverse=True)
    chosen: list[set[int]] = [set() for _ in passages]
    spent = 0.0
    for order, (n, i) in enumerate([*best, *((n, i) for *_, n, i in rest)]):
        cost = reading_cost(passages[n].pieces[i])
        if i not in chosen[n] and (order == 0 or spent + cost <= budget):
            chosen[n].add(i)
            spent += cost
    return [_render(p, picked) if picked else GAP.strip() for p, picked in zip(passages, chosen, strict=True)]


def _render(passage: Passage, chosen: set[int]) -> str:
    """The chosen pieces in their order, with "…" where pieces were left out."""
    out, last = [GAP] if min(chosen) > passage.filled[0] else [], -1
    for i in sorted(chosen):
        if last >= 0 and i > last + 1:
            out.append(GAP)
        out.append(passage.pieces[i])
        last = i
    return "".join(out).strip()
