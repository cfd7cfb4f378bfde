"""Bring a library made by an older version up to date when it is opened, in one transaction.

Each step checks what is there (a column, a meta version) rather than trusting a counter, so
running it on an up-to-date library costs a few small queries and changes nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.store.sqlite_chats import SCHEMA as CHATS_SCHEMA

SCHEMA = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")
KEYWORD_SCHEMA = (Path(__file__).with_name("keyword_schema.sql")).read_text(encoding="utf-8")
KEYWORD_INDEX_VERSION = "1"


def statements(script: str) -> list[str]:
    """Split a script for ``execute`` (``executescript`` would commit the open transaction)."""
    out, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer)
            buffer = ""
    return out


def meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def migrate(conn: sqlite3.Connection) -> None:
    """Tables first; then the heading, collection and conversation scope columns and the full-text
    indexes, filled from the chunks already there."""
    conn.executescript(SCHEMA)
    conn.executescript(CHATS_SCHEMA)  # conversations (issue 17): new tables, nothing to fill
    # How many chunks hold each indexed word (core.store.common_terms); a view, holds no data.
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts_vocab USING fts5vocab(chunks_fts, row)")
    keyword_ready = meta(conn, "keyword_index") == KEYWORD_INDEX_VERSION
    has_collection = "collection" in _columns(conn, "documents")
    has_scope = "scope" in _columns(conn, "conversations")  # conversations from before scopes: NULL, the library
    if keyword_ready and has_collection and has_scope:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not has_collection:
            conn.execute("ALTER TABLE documents ADD COLUMN collection TEXT NOT NULL DEFAULT ''")
        if not has_scope:
            conn.execute("ALTER TABLE conversations ADD COLUMN scope TEXT")
        if not keyword_ready:
            if "heading" not in _columns(conn, "chunks"):
                conn.execute("ALTER TABLE chunks ADD COLUMN heading TEXT")
            for statement in statements(KEYWORD_SCHEMA):
                conn.execute(statement)
            conn.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild')")
            conn.execute("INSERT INTO chunks_trigram (chunks_trigram) VALUES ('rebuild')")
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('keyword_index', ?)",
                         (KEYWORD_INDEX_VERSION,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
