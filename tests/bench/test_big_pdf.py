"""The big-PDF bench (bench/big_pdf.py) at a tiny size, with a fake embedder: the PDF has its pages and its
question's line, the keyword-first upload answers it before any vector exists, and every run is measured."""

from __future__ import annotations

from io import BytesIO

from langchain_core.embeddings import DeterministicFakeEmbedding
from pypdf import PdfReader

from bench.big_pdf import LINES_PER_PAGE, RUNS, make_pdf, measure, page_texts, report

TEXT = "\n".join(f"Line {n}: the keeper of lamp {n} rowed past {'harbour ' * (n % 3)}island number {n}. "
                 + " ".join(f"word{chr(97 + n % 26)}{chr(97 + n // 26 % 26)}x" for _ in range(3))
                 for n in range(LINES_PER_PAGE * 8))


def test_the_pdf_has_one_page_a_page_of_lines_and_its_question_on_the_planned_page():
    pdf = make_pdf(6, TEXT)
    assert len(PdfReader(BytesIO(pdf.data)).pages) == 6
    assert pdf.needle_page == 5  # page 250 of 300, at six pages
    assert pdf.needle in page_texts(TEXT, 6)[4]


def test_every_number_is_measured_at_a_tiny_size():
    pdf = make_pdf(3, TEXT)
    result = measure(3, repeat=2, embeddings=DeterministicFakeEmbedding(size=32), pdf=pdf)
    assert [d["rank"] for d in result["deferred"]] == [1, 1]  # found by its words before any vector
    assert result["embedded_texts"] > result["embedded_chunks"] == result["chunks"] > 0  # sentences too
    assert all(len(result["runs_s"][what]) == 2 and min(result["runs_s"][what]) > 0 for what in RUNS)
    text = report(result)
    assert "first keyword answer" in text and "ratio raw_s / embed_pending_s" in text and "old: ingest_file" in text


def test_keyword_only_embeds_nothing():
    result = measure(2, keyword_only=True, embeddings=DeterministicFakeEmbedding(size=32), pdf=make_pdf(2, TEXT))
    assert "runs_s" not in result and result["deferred"][0]["rank"] == 1
    assert "goal < 10 s" in report(result)


def test_only_the_runs_asked_for_are_timed_and_the_report_leaves_out_the_others():
    result = measure(2, embeddings=DeterministicFakeEmbedding(size=32), pdf=make_pdf(2, TEXT),
                     kinds=("embed_pending", "raw"))
    assert set(result["runs_s"]) == {"embed_pending", "raw"}
    text = report(result)
    assert "ratio raw_s / embed_pending_s" in text and "old: ingest_file" not in text
    assert "app embedder, one embed_documents call" not in text
