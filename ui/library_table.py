"""The Documents page's table of the library, a page of rows at a time.

A library of thousands of files is read in one query, but the table shows ``PAGE_ROWS`` rows at once:
building, sending and drawing every row of 10,000 cost every run of the page (each click or filter
keystroke) far more than anyone reads on one screen (BENCHMARKS §18).
"""

from __future__ import annotations

import streamlit as st

from core.store.records import DocumentRecord
from ui import i18n, indexing
from ui.i18n import _

PAGE_ROWS = 200


def library_table(documents: list[DocumentRecord], total: int, pending: dict[str, tuple[int, int]],
                  key: str) -> list[DocumentRecord]:
    """Show ``documents`` (the filtered library; ``total`` in all), a page at a time, and return the selected
    ones. ``key`` names the filter and the library's version: a new one starts at page 1 with nothing
    selected, so a selection never points at rows that moved or left."""
    page_count = -(-len(documents) // PAGE_ROWS)
    page = 1
    if page_count > 1:
        page = int(st.number_input(_("Page"), min_value=1, max_value=page_count, step=1, key=f"library_page_{key}",
                                   help=_("{n} documents a page").format(n=PAGE_ROWS)))
    first = (page - 1) * PAGE_ROWS
    rows = documents[first:first + PAGE_ROWS]
    # Said once a run, not once a row: each _() asks Streamlit for the reader's language (10,000 rows: 8 s).
    label = {"name": _("name"), "collection": _("collection"), "type": _("type"), "pages": _("pages"),
             "chunks": _("chunks"), "size": _("size (KB)"), "added": _("added"), "status": _("status")}
    ready, lang = _("ready"), i18n.language()
    table = st.dataframe(
        [
            {label["name"]: d.name, label["collection"]: d.collection, label["type"]: d.kind, label["pages"]: d.pages,
             label["chunks"]: d.chunks, label["size"]: round(d.size / 1024, 1),
             label["added"]: i18n.when(d.added, lang),
             label["status"]: indexing.status_of(pending, d.sha256)
             or (i18n.said(d.note) if d.note else ready)}  # stored English: found whole (ui.i18n.said)
            for d in rows
        ],
        hide_index=True,
        width="stretch",
        placeholder="–",  # a file without pages (HWPX, CSV, TXT): Streamlit would print "None"
        on_select="rerun",
        selection_mode="multi-row",
        key=f"library_table_{key}_{page}",
    )
    if len(rows) < total:
        st.caption(_("Showing {first}–{last} of {shown} ({total} in the library).").format(
            first=first + 1 if rows else 0, last=first + len(rows), shown=len(documents), total=total))
    return [rows[i] for i in table.selection.rows if i < len(rows)]
