"""unstructured's elements → sections: text under its heading path ("FAQ > vLLM driver"), each
table its own section with one line per row, and a new section at every page (slides, sheets).

The heading is kept apart from the text: it goes into the chunk's metadata, the keyword index
and the text that is embedded, so a passage deep in a section still knows what it is about.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from core.ingest.records import Page

if TYPE_CHECKING:
    import pandas as pd

PAGED_KINDS = ("pptx", "xlsx")
SUMMARY_KINDS = ("csv", "xlsx")  # whole files of rows, asked "how many …?"; a table inside a document is not
SUMMARY_MIN_ROWS = 10
SUMMARY_HEADING = "Counts of the table"
SKIPPED = ("Image", "PageBreak", "Header", "Footer")


def is_link_only_item(element: object) -> bool:
    """A list item that is nothing but a link: a web page's menus, its table of contents and Wikipedia's
    list of 300 languages ("Acèh", "Afrikaans", …). Embedded, such a run of names is near a question in
    any language; it was the first passage for "오리는 무엇을 먹나요?" over the duck article."""
    if getattr(element, "category", "") != "ListItem":
        return False
    links = getattr(getattr(element, "metadata", None), "link_texts", None) or []
    text = "".join((getattr(element, "text", "") or "").split())
    return bool(text) and text == "".join("".join(links).split())


def read_tables(html: str | None) -> list[pd.DataFrame]:
    """The tables of an element's HTML as pandas reads them; none when there is no HTML or it cannot be read."""
    if not html:
        return []
    import pandas as pd

    try:
        return pd.read_html(io.StringIO(html))
    except (ValueError, ImportError):
        return []


def has_header(frame: pd.DataFrame) -> bool:
    """A real header (<th>), not the 0, 1, 2… pandas numbers the columns with."""
    return list(frame.columns) != list(range(len(frame.columns)))


def table_text(frames: list[pd.DataFrame], fallback: str) -> str:
    """Tables as "cell | cell" lines with their header first, so a row keeps its columns; the
    element's flat text when there are none (its HTML could not be read)."""
    lines = []
    for frame in frames:
        frame = frame.fillna("")
        if has_header(frame):
            lines.append(" | ".join(str(c) for c in frame.columns if not str(c).startswith("Unnamed")))
        lines.extend(" | ".join(str(v) for v in row if str(v).strip()) for row in frame.itertuples(index=False))
    text = "\n".join(line for line in lines if line.strip())
    return text or fallback


def table_summaries(frames: list[pd.DataFrame]) -> list[list[str]]:
    """The counts of each table of a spreadsheet or CSV with at least ``SUMMARY_MIN_ROWS`` rows
    (``core.ingest.table_summary``); a smaller table is read whole in one passage."""
    from core.ingest.table_summary import summary

    out = []
    for frame in frames:
        frame = frame if has_header(frame) else headed(frame)
        if len(frame) >= SUMMARY_MIN_ROWS:
            out.append(summary(frame))
    return out


def counts_named(pages: list[Page], name: str) -> list[Page]:
    """The counts' heading with the file's name ("Counts of the table" becomes "Counts of orders.csv"). A
    question names the rows by what the file holds ("How many orders were for pears?"), and the heading is
    searched with the passage: with it the counts come first, without it the rows that say "pear" do."""
    return [replace(p, heading=p.heading.replace(SUMMARY_HEADING, f"Counts of {name}"))
            if p.heading and SUMMARY_HEADING in p.heading else p for p in pages]


def headed(frame: pd.DataFrame) -> pd.DataFrame:
    """A table whose HTML has no header row (unstructured writes a CSV's first line as a row of cells) with
    its first row as the header when that row is all words, as a CSV's is; else "column 1", "column 2"…"""
    import pandas as pd

    first = frame.iloc[0] if len(frame) else None
    if first is not None and all(isinstance(v, str) and v.strip() and pd.isna(pd.to_numeric(v, errors="coerce"))
                                 for v in first):
        return frame.iloc[1:].set_axis([str(v).strip() for v in first], axis=1).reset_index(drop=True)
    return frame.set_axis([f"column {n}" for n in range(1, len(frame.columns) + 1)], axis=1)


def sections(kind: str, elements: Iterable) -> list[Page]:
    pages: list[Page] = []
    path: dict[int, str] = {}
    body: list[str] = []
    page_number: int | None = None

    def heading() -> str | None:
        return " > ".join(path[d] for d in sorted(path)) or None

    def flush() -> None:
        if body:
            pages.append(Page(text="\n\n".join(body), number=page_number, heading=heading()))
            body.clear()

    for element in elements:
        category = getattr(element, "category", "")
        meta = getattr(element, "metadata", None)
        text = (getattr(element, "text", "") or "").strip()
        number = getattr(meta, "page_number", None) if kind in PAGED_KINDS else None
        if number != page_number:
            flush()
            page_number = number
        if category in SKIPPED:
            continue
        if category == "Table" or (kind in ("csv", "xlsx") and getattr(meta, "text_as_html", None)):
            flush()
            frames = read_tables(getattr(meta, "text_as_html", None))
            rows = table_text(frames, text)
            if rows.strip():
                pages.append(Page(text=rows, number=page_number, heading=heading(), table=True))
            if kind in SUMMARY_KINDS:
                counted = " > ".join(filter(None, (heading(), SUMMARY_HEADING)))
                pages += [Page(text=line, number=page_number, heading=counted)
                          for lines in table_summaries(frames) for line in lines]
        elif category == "Title" and text and kind not in ("csv", "xlsx"):
            flush()
            depth = getattr(meta, "category_depth", None) or 0
            path = {d: t for d, t in path.items() if d < depth}
            path[depth] = text[:200]
        elif text:
            body.append(text)
    flush()
    return pages
