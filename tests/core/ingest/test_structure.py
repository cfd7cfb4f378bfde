"""Structure kept through loading and splitting: headings on every chunk, tables whole or cut
between rows with their header, PDF tables read in columns."""

from pathlib import Path

from core.ingest.loaders import load, load_pdf
from core.ingest.records import Page
from core.ingest.splitting import split_pages

MARKDOWN = b"""# Handbook

Intro text for everyone.

## Installation

Run the setup script once.

### Offline

Nothing is downloaded.

## Usage

| Command | Meaning |
|---|---|
| ingest | add files |
| ask | answer a question |
"""


def test_markdown_chunks_carry_their_heading_path_and_tables_keep_rows():
    chunks = split_pages(load("md", MARKDOWN).pages, chunk_size=300, chunk_overlap=30)
    by_text = {c.text: c.heading for c in chunks}
    assert by_text["Run the setup script once."] == "Handbook > Installation"
    assert by_text["Nothing is downloaded."] == "Handbook > Installation > Offline"
    table = next(c for c in chunks if "ingest | add files" in c.text)
    assert table.heading == "Handbook > Usage"
    assert table.text.splitlines()[0] == "Command | Meaning"
    assert table.embedding_text().startswith("Handbook > Usage\n")


def test_a_long_table_is_cut_between_rows_and_every_piece_starts_with_the_header():
    header = "Title of the table\nState | Permit | Handgun"
    rows = [f"State{i} | {i},000 | {i * 7},123" for i in range(60)]
    page = Page("\n".join([header, *rows]), 1, table=True)
    chunks = split_pages([page], chunk_size=200, chunk_overlap=20)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.startswith(header + "\n")
    body_rows = [line for c in chunks for line in c.text.splitlines()[2:]]
    assert body_rows == rows  # every row once, none cut in half


def test_a_short_table_stays_one_chunk():
    page = Page("A | B\n1 | 2\n3 | 4", None, table=True)
    assert [c.text for c in split_pages([page], chunk_size=10, chunk_overlap=0)] == [page.text]


def _table_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    pdf.cell(0, 6, "Background checks", new_x="LMARGIN", new_y="NEXT")
    for row in [["State", "Permit", "Handgun", "Long gun", "Total"]] + [
        [f"State {i}", f"{i * 13},{i:03d}", f"{i * 7},{i:03d}", f"{i * 5},{i:03d}", f"{i * 29},{i:03d}"]
        for i in range(1, 30)
    ]:
        for cell in row:
            pdf.cell(36, 6, cell)
        pdf.ln()
    pdf.output(str(path))
    return path


def test_a_numeric_pdf_table_is_read_in_columns(tmp_path):
    loaded = load_pdf(_table_pdf(tmp_path / "table.pdf").read_bytes())
    [page] = loaded.pages
    assert page.table
    assert "State 12 | 156,012 | 84,012 | 60,012 | 348,012" in page.text.splitlines()


def test_prose_pdf_pages_are_not_tables(lighthouse_pdf):
    assert not any(p.table for p in load_pdf(lighthouse_pdf.read_bytes()).pages)


def test_the_nics_table_keeps_texas_with_its_columns(corpus):
    data = (corpus / "pdf" / "table_nics-background-checks-2015-11.pdf").read_bytes()
    chunks = split_pages(load_pdf(data).pages, chunk_size=700, chunk_overlap=100)
    [texas] = [c for c in chunks if "\nTexas |" in c.text]
    assert "State / Territory | Permit | Handgun" in texas.text
    assert "Texas | 21,550 | 56,941 |" in texas.text


def test_control_characters_leave_the_text_so_every_store_keeps_it_and_readers_see_a_mark():
    """pypdf gives a TeX minus sign without a Unicode mapping as NUL (the corpus's German notes, 81 pages);
    PostgreSQL refuses NUL in text, and a reader cannot see it."""
    page = Page("γ′(t) = (\x00 sin t)\x0cnext\x07 line\tkept", 92, heading="5.1\x00 Krümmung")
    chunks = split_pages([page], chunk_size=300, chunk_overlap=30)
    assert [c.text for c in chunks] == ["γ′(t) = (\ufffd sin t)\nnext\ufffd line\tkept"]
    assert chunks[0].heading == "5.1\ufffd Krümmung"


WEB_PAGE = b"""<html><body>
<nav><ul><li><a href="/">Main page</a></li><li><a href="/random">Random article</a></li></ul></nav>
<h1>Duck</h1>
<p>Ducks eat grasses, aquatic plants, fish and insects.</p>
<ul><li>Dabbling ducks feed on the surface of the water.</li><li><a href="/swan">Swans</a> are larger.</li></ul>
<ul><li><a href="https://de.example.org/Ente">Deutsch</a></li><li><a href="https://ko.example.org/">\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4</a></li></ul>
</body></html>"""


def test_a_web_page_loses_its_link_only_list_items_but_keeps_items_with_words_of_their_own():
    text = "\n".join(p.text for p in load("html", WEB_PAGE).pages)
    assert "Ducks eat grasses" in text and "Dabbling ducks feed" in text and "Swans are larger." in text
    for link in ("Main page", "Random article", "Deutsch", "한국어"):
        assert link not in text


def test_a_page_of_links_alone_keeps_them():
    bookmarks = (b'<html><body><ul><li><a href="/a">Tax forms</a></li>'
                 b'<li><a href="/b">Pay slips</a></li></ul></body></html>')
    assert "Tax forms" in "\n".join(p.text for p in load("html", bookmarks).pages)
