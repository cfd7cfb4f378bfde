"""The fact-window bench's set and checks (bench/fact_window.py), without the corpus or a model."""

from __future__ import annotations

from bench.fact_window import APP, VARIANTS, holds, load_facts, windowed
from core.store.records import Chunk, Hit


def test_the_set_has_25_facts_in_both_languages_with_the_two_cases_of_benchmarks_15():
    facts = load_facts()
    assert len(facts) >= 25 and {f.language for f in facts} == {"en", "ko"}
    assert {f.document_language for f in facts} == {"en", "ko"}
    assert all(f.fact.strip() and f.file for f in facts)
    questions = {f.question: f for f in facts}
    heads = questions["How many attention heads does the Transformer use?"]
    assert (heads.page, heads.fact) == (5, "h = 8 parallel attention layers, or heads")
    assert questions["What learning rate schedule did the Transformer use?"].page == 7
    assert len(questions) == len(facts)  # no question twice


def test_a_fact_holds_across_line_breaks_and_tabs():
    context = "[1] (paper.pdf, page 7)\nFor the base model, we use a rate of\nPdrop = 0.1."
    assert holds(context, "we use a rate of Pdrop = 0.1")
    assert holds("빅포인트의\t유효기간은\t5년으로", "빅포인트의 유효기간은 5년으로")
    assert not holds("h = 6 layers", "h = 8")


class OneDocument:
    def __init__(self, chunks: list[tuple[int, Chunk]]) -> None:
        self.chunks = chunks

    def document_chunks(self, sha256: str) -> list[tuple[int, Chunk]]:
        return self.chunks


def test_across_pages_lends_what_the_app_leaves_on_its_page():
    store = OneDocument([(1, Chunk("For the base model, we use a rate of Pdrop = 0.1.", 7, 0)),
                         (2, Chunk("Table 2: BLEU of the base model.", 8, 1))])
    hits = [Hit("paper.pdf", 8, "Table 2: BLEU of the base model.", 0.5, "paper", 2)]
    question = "What dropout rate does the base model use?"
    assert VARIANTS[APP](question, hits, hits, store)[0].text == hits[0].text  # type: ignore[arg-type]
    across = windowed(hits, store, 2, question, across_pages=True, finish=False)  # type: ignore[arg-type]
    assert "Pdrop = 0.1" in across[0].text and across[0].page == 8
