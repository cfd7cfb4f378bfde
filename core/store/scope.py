"""What a question searches: the whole library, some collections, some documents, or both at once.

One record instead of one more filter argument per feature: "Ask about this document" (issue 17)
would otherwise have added a ``documents`` list beside ``collections`` on every layer from the page
to the SQL. Retrieval passes the record through untouched; each store renders it once
(``rules.scope_clause``: SQL for SQLite and PostgreSQL, an id selector for FAISS); a conversation
keeps it as JSON, so a chat reopened tomorrow searches what it searched today.

Documents are named by sha256, as ``DocumentRecord`` names them everywhere else (delete, citations,
downloads): a row id is an engine's own and does not survive a copy into another store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scope:
    """``None`` on a field: no limit of that kind; an empty tuple: nothing passes. Both set: a chunk
    must pass both (its document is one of ``documents`` and in one of ``collections``)."""

    collections: tuple[str, ...] | None = None  # collection names ("" is the documents in none)
    documents: tuple[str, ...] | None = None  # sha256 of the documents

    @classmethod
    def of(cls, collections: Iterable[str] | None = None, documents: Iterable[str] | None = None) -> Scope:
        """From any iterables (a CLI's lists, a page's selection); a lone string is refused, since
        it would otherwise be read as its characters."""
        if isinstance(collections, str) or isinstance(documents, str):
            raise TypeError("collections and documents are lists of names, not one string")
        return cls(None if collections is None else tuple(collections),
                   None if documents is None else tuple(dict.fromkeys(documents)))

    def limits(self) -> bool:
        """Whether this scope leaves anything out (an all-None scope is the whole library)."""
        return self.collections is not None or self.documents is not None

    def to_json(self) -> dict[str, list[str]]:
        """The stored form (a conversation's ``scope`` column, a conversation export): only the
        limits that are set."""
        return {key: list(values) for key, values in (("collections", self.collections),
                                                      ("documents", self.documents)) if values is not None}

    @classmethod
    def from_json(cls, data: Any) -> Scope | None:
        """A stored or imported scope; None for none or for a scope that limits nothing. Raises
        ValueError on anything that is not an object of string lists (an edited export)."""
        if data is None:
            return None
        if not isinstance(data, dict) or set(data) - {"collections", "documents"}:
            raise ValueError("a scope is an object with 'collections' and/or 'documents'")
        for key, values in data.items():
            if not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
                raise ValueError(f"a scope's {key!r} is a list of strings")
        scope = cls.of(data.get("collections"), data.get("documents"))
        return scope if scope.limits() else None


def limiting(scope: Scope | None) -> Scope | None:
    """``scope`` when it leaves anything out, else None: the stores' one test for "filter or not"."""
    return scope if scope is not None and scope.limits() else None
