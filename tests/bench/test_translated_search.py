"""The translated-search bench's bookkeeping (bench/translated_search.py), without a model or a library."""

from __future__ import annotations

from types import SimpleNamespace

from bench.translated_search import both, ranks_at
from core.retrieval.retriever import Retrieved
from core.store.records import Hit


def _hit(chunk_id: int, text: str) -> Hit:
    return Hit("paper.pdf", 1, text, 0.5, "ab" * 32, chunk_id, similarity=0.8)


class App:
    settings = SimpleNamespace(k=3)  # the product's passages per question

    def __init__(self, hits: dict[str, list[Hit]], grounded: bool = True) -> None:
        self.hits, self.grounded = hits, grounded

    def retrieve(self, question: str, k: int | None = None) -> Retrieved:
        return Retrieved(self.hits[question][:k or 3], self.grounded)


def test_both_translates_only_what_the_product_would_and_takes_the_passages_in_turn():
    app = App({"드롭아웃 비율은?": [_hit(1, "BLEU scores."), _hit(2, "Adam.")],
               "What is the dropout rate?": [_hit(3, "We apply dropout of 0.1.")]})
    asked, taken, translation, seconds = both(app, lambda q: "What is the dropout rate?", "드롭아웃 비율은?", 10)  # type: ignore[arg-type]
    assert [h.chunk_id for h in asked.hits] == [1, 2] and [h.chunk_id for h in taken.hits] == [3, 1]
    assert translation == "What is the dropout rate?" and seconds >= 0
    refused = App(app.hits, grounded=False)
    asked, taken, translation, seconds = both(refused, lambda q: "never asked", "드롭아웃 비율은?", 10)  # type: ignore[arg-type]
    assert taken is asked and translation is None and seconds == 0.0


def test_ranks_at_gives_hit_at_1_3_5_and_mrr():
    assert ranks_at([1, 3, 5, None]) == [0.25, 0.5, 0.75, (1 + 1 / 3 + 1 / 5) / 4]
