"""Writing one document into a store, as the store tests do many times."""

from __future__ import annotations

from typing import Any

from core.store.base import Store
from core.store.records import DocumentRecord, NewDocument


def add_document(store: Store, **fields: Any) -> DocumentRecord:
    """``store.add_documents`` for one ``NewDocument(**fields)``."""
    return store.add_documents([NewDocument(**fields)])[0]
