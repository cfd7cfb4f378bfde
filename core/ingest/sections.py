"""unstructured's elements → sections: text under its heading path ("FAQ > vLLM driver"), each
table its own section with one line per row, and a new section at every page (slides, sheets).

The heading is kept apart from the text: it goes into the chunk's metadata, the keyword index
and the text that is embedded, so a passage deep in a section still knows what it is about.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from core.ingest.records import Page

PAGED_KINDS = ("pptx", "xlsx")
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


def table_text(html: str | None, fallback: str) -> str:
    """A table as "cell | cell" lines with its header first, so a row keeps its columns; the
    element's flat text when the HTML cannot be read."""
    if not html:
        return fallback
    import pandas as pd

    try:
        frames = pd.read_html(io.StringIO(html))
    except (ValueError, ImportError):
        return fallback
    lines = []
    for frame in frames:
        frame = frame.fillna("")
        if list(frame.columns) != list(range(len(frame.columns))):  # a real header (<th>), not 0, 1, 2…
            lines.append(" | ".join(str(c) for c in frame.columns if not str(c).startswith("Unnamed")))
        lines.extend(" | ".join(str(v) for v in row if str(v).strip()) for row in frame.itertuples(index=False))
    text = "\n".join(line for line in lines if line.strip())
    return text or fallback


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
            rows = table_text(getattr(meta, "text_as_html", None), text)
            if rows.strip():
                pages.append(Page(text=rows, number=page_number, heading=heading(), table=True))
        elif category == "Title" and text and kind not in ("csv", "xlsx"):
            flush()
            depth = getattr(meta, "category_depth", None) or 0
            path = {d: t for d, t in path.items() if d < depth}
            path[depth] = text[:200]
        elif text:
            body.append(text)
    flush()
    return pages
