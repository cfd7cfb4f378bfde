"""The library: documents, chunks and vectors behind one contract (``core.store.base.Store``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.base import Store

if TYPE_CHECKING:
    from core.settings import Settings


def open_store(settings: Settings) -> Store:
    """PostgreSQL when ``database_url`` is set, else the embedded library in ``data_dir``.
    Each store imports its engine here, so the default never loads a PostgreSQL driver."""
    if settings.database_url:
        from core.store.postgres import PostgresStore

        return PostgresStore(settings.database_url)
    from core.store.sqlite_store import SqliteStore

    return SqliteStore(settings.data_dir)
