"""Both stores behind one fixture: the store contract tests run each case against the embedded
library (SQLite + FAISS) and against a real PostgreSQL with pgvector (tests/pg_server.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.store.base import Store
from tests.pg_server import postgres_server, postgres_url  # noqa: F401 - fixtures used here and below

# The PostgreSQL half starts a real server (seconds): it runs with the integration tests.
STORES = ["sqlite-faiss", pytest.param("postgres", marks=pytest.mark.integration)]


@pytest.fixture(params=STORES)
def open_library(request, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens the library under test; each call opens another instance on the same library (what a
    second app process sees). Instances are closed after the test."""
    opened: list[Store] = []
    if request.param == "postgres":
        from core.store.postgres import PostgresStore

        url = request.getfixturevalue("postgres_url")

        def open_one() -> Store:
            opened.append(PostgresStore(url))
            return opened[-1]
    else:
        from core.store.sqlite_store import SqliteStore

        def open_one() -> Store:
            opened.append(SqliteStore(tmp_path / "library"))
            return opened[-1]

    yield open_one
    for store in opened:
        store.close()
