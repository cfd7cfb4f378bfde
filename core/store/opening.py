"""The one place that picks the store by the settings. Kept out of ``core/store/__init__.py``: the
package's own module importing its stores (which import ``core.store`` modules back) was a cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.settings import Settings
    from core.store.base import Store


def open_store(settings: Settings) -> Store:
    """PostgreSQL when ``database_url`` is set, else the embedded library in ``data_dir``.
    Each store imports its engine here, so the default never loads a PostgreSQL driver."""
    if settings.database_url:
        from core.store.postgres import PostgresStore

        return PostgresStore(settings.database_url)
    from core.store.sqlite_store import SqliteStore

    return SqliteStore(settings.data_dir)
