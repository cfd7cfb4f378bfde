"""The pages, their Streamlit glue and the CLI go through ``DocChat`` (core/service.py), never
around it to the store: a page that reached the store would tie the views to one engine and skip
what the facade does on the way (the model check, repairs, the collection rules)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEWS = [ROOT / "Home.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py")),
         ROOT / "core" / "cli.py"]
# Records and the model-mismatch error cross the facade as plain data; nothing else of the store does.
ALLOWED = {"core.store.records", "core.store.base", "core.store.scope"}
STORE_IMPORT = re.compile(r"^\s*(?:from|import)\s+(core\.store(?:\.\w+)*)", re.MULTILINE)
STORE_ATTRIBUTE = re.compile(r"(?<!core)\.(?:store|library)\b")


def test_views_and_the_cli_reach_the_library_only_through_docchat():
    reaching = []
    for path in VIEWS:
        source = path.read_text(encoding="utf-8")
        reaching += [f"{path.relative_to(ROOT)}: imports {m}" for m in STORE_IMPORT.findall(source) if m not in ALLOWED]
        reaching += [f"{path.relative_to(ROOT)}:{source.count(chr(10), 0, m.start()) + 1}: {m.group()}"
                     for m in STORE_ATTRIBUTE.finditer(source)]
    assert reaching == []


def test_the_check_finds_a_page_that_reaches_around(tmp_path):
    source = "from core.store.sqlite_store import SqliteStore\nrows = docchat().store.documents()\n"
    assert STORE_IMPORT.findall(source) == ["core.store.sqlite_store"]
    assert [m.group() for m in STORE_ATTRIBUTE.finditer(source)] == [".store"]
