"""The embedded library's conversations (``core.store.chats``): two tables in library.sqlite.

Chat writes touch no vector index, so they need no library lock: one ``BEGIN IMMEDIATE``
transaction per turn is the commit point, and SQLite's own locking orders the writers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from core.store.chats import (
    RECORD_COLUMNS,
    Conversation,
    ConversationRecord,
    StoredTurn,
    encoded,
    encoded_scope,
    like,
    record,
    title_from,
)
from core.store.rules import now
from core.store.scope import Scope

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    scope TEXT  -- JSON (core.store.scope), NULL: the whole library; added to older libraries by migrations.py
);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    asked TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
CREATE INDEX IF NOT EXISTS conversations_updated ON conversations(owner, updated);
"""
_RECORD = "SELECT " + RECORD_COLUMNS.format(
    turns="(SELECT count(*) FROM turns t WHERE t.conversation_id = c.id)") + " FROM conversations c"

Connect = Callable[[], AbstractContextManager[sqlite3.Connection]]


class SqliteChats:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def recent(self, query: str = "", owner: str = "") -> list[ConversationRecord]:
        where, params = "WHERE c.owner = ?", [owner]
        if query.strip():
            where += (" AND (c.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id"
                      " AND (t.question LIKE ? ESCAPE '\\' OR t.answer LIKE ? ESCAPE '\\')))")
            params += [like(query.strip())] * 3
        with self._connect() as conn:
            rows = conn.execute(f"{_RECORD} {where} ORDER BY c.updated DESC, c.rowid DESC", params).fetchall()
        return [record(row) for row in rows]

    def get(self, conversation_id: str) -> Conversation | None:
        with self._connect() as conn:
            row = conn.execute(f"{_RECORD} WHERE c.id = ?", (conversation_id,)).fetchone()
            if row is None:
                return None
            turns = conn.execute("SELECT question, answer, asked, position FROM turns WHERE conversation_id = ? "
                                 "ORDER BY position", (conversation_id,)).fetchall()
        return Conversation(record(row), [StoredTurn(q, json.loads(a), t, n) for q, a, t, n in turns])

    def add_turn(self, conversation_id: str, question: str, answer: dict[str, Any], title: str = "",
                 owner: str = "", asked: str | None = None, scope: Scope | None = None) -> ConversationRecord:
        data, stamp = encoded(answer), asked or now()
        with self._connect() as conn, _transaction(conn):
            conn.execute("INSERT INTO conversations (id, owner, title, created, updated, scope) "
                         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET updated = excluded.updated",
                         (conversation_id, owner, title or title_from(question), stamp, stamp, encoded_scope(scope)))
            conn.execute("INSERT INTO turns (conversation_id, position, question, answer, asked) "
                         "SELECT ?, COALESCE(MAX(position), 0) + 1, ?, ?, ? FROM turns WHERE conversation_id = ?",
                         (conversation_id, question, data, stamp, conversation_id))
            row = conn.execute(f"{_RECORD} WHERE c.id = ?", (conversation_id,)).fetchone()
        return record(row)

    def rename(self, conversation_id: str, title: str) -> bool:
        with self._connect() as conn, _transaction(conn):
            return conn.execute("UPDATE conversations SET title = ? WHERE id = ?",
                                (title.strip(), conversation_id)).rowcount > 0

    def set_feedback(self, conversation_id: str, position: int, feedback: dict[str, Any] | None) -> bool:
        change, params = (("json_remove(answer, '$.feedback')", []) if feedback is None
                          else ("json_set(answer, '$.feedback', json(?))", [encoded(feedback)]))
        with self._connect() as conn, _transaction(conn):
            return conn.execute(f"UPDATE turns SET answer = {change} WHERE conversation_id = ? AND position = ?",
                                [*params, conversation_id, position]).rowcount > 0

    def delete(self, conversation_id: str) -> bool:
        with self._connect() as conn, _transaction(conn):
            return conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount > 0


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (the connection is in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
