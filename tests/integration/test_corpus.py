"""Every real document in ../shared/corpus: good ones land with pages, bad ones get their message.

Embeddings are faked here (fast); the loaders, splitter, FAISS and SQLite are real.
"""

import pytest

from core.ingest.ocr import ocr_languages

pytestmark = pytest.mark.integration

PDF_OUTCOMES = {
    "paper_attention-is-all-you-need_1706.03762.pdf": "15 pages",
    "long-german_GeoTopo-komprimiert.pdf": "117 pages",
    "table_nics-background-checks-2015-11.pdf": "1 page",
    "korean_korean-text-with-tables.pdf": "1 page",
    "encrypted-ownerpw-only_copy-protected.pdf": "2 pages",
    "malformed-corrupt-zlib_zen_of_python_corrupted.pdf": "1 page",
    "encrypted-userpw-1234_2206.01062_pg3.pdf": "password-protected",
    "scanned-no-text_c02-22.pdf": "read with OCR" if ocr_languages() else "no text layer",
    "malformed-not-a-pdf_invalid.pdf": "damaged or truncated",
    "truncated_federal-register-2020-17221_first357000bytes.pdf": "damaged or truncated",
}
OTHER = ["docling-word_sample.docx", "wikipedia-duck.html", "h2ogpt-docs-FAQ.md", "penguins.csv"]


def test_every_corpus_pdf_lands_or_says_why(app, corpus):
    paths = [corpus / "pdf" / name for name in PDF_OUTCOMES]
    results = {r.name: r for r in app.ingest_paths(paths)}
    for name, expected in PDF_OUTCOMES.items():
        assert expected in results[name].message, (name, results[name].message)
    landed = {d.name for d in app.store.documents()}
    assert landed == {n for n, r in results.items() if r.ok}
    assert app.store.vector_count() == app.store.chunk_count()


def test_encrypted_corpus_pdf_opens_with_its_password(app, corpus):
    [result] = app.ingest_paths([corpus / "pdf" / "encrypted-userpw-1234_2206.01062_pg3.pdf"], password="1234")
    assert result.ok and result.pages == 1


def test_office_html_markdown_and_csv_load_offline(app, corpus, no_network):
    results = app.ingest_paths([corpus / "other" / name for name in OTHER])
    assert all(r.ok for r in results), [r.line() for r in results]
    assert no_network == []



def test_the_nics_table_question_retrieves_the_texas_row_with_its_columns(settings, real_embeddings, corpus):
    from core.service import DocChat

    app = DocChat(settings, embeddings=real_embeddings)
    assert app.ingest_paths([corpus / "pdf" / "table_nics-background-checks-2015-11.pdf"])[0].ok
    hits = app.search("How many handgun checks were there in Texas?", k=3)
    texas = [h for h in hits if "\nTexas | 21,550 | 56,941" in h.text]
    assert texas and "State / Territory | Permit | Handgun" in texas[0].text


def test_a_count_over_the_penguins_csv_finds_the_tables_counts(settings, real_embeddings, corpus):
    """344 rows of penguins: no passage of rows holds "how many Adelie", the table's counts do."""
    from core.service import DocChat

    app = DocChat(settings, embeddings=real_embeddings)
    assert app.ingest_paths([corpus / "other" / "penguins.csv"])[0].ok
    [first, *_] = app.search("How many penguins of the Adelie species are in the data?", k=3)
    assert first.heading == "Counts of penguins.csv"
    assert first.text.startswith("152 rows have species Adelie. 124 rows have species Gentoo.")
