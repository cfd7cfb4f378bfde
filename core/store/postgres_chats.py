"""The PostgreSQL library's conversations (``core.store.chats``): the same two tables as the embedded
library, in the ``docchat`` schema (postgres_schema.sql), one transaction per turn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

_RECORD = "SELECT " + RECORD_COLUMNS.format(
    turns="(SELECT count(*) FROM docchat.turns t WHERE t.conversation_id = c.id)") + " FROM docchat.conversations c"


class PostgresChats:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def recent(self, query: str = "", owner: str = "") -> list[ConversationRecord]:
        where, params = "WHERE c.owner = %s", [owner]
        if query.strip():
            where += (" AND (c.title ILIKE %s OR EXISTS (SELECT 1 FROM docchat.turns t WHERE t.conversation_id = c.id "
                      "AND (t.question ILIKE %s OR t.answer::text ILIKE %s)))")
            params += [like(query.strip())] * 3
        with self._pool.connection() as conn:
            rows = conn.execute(f"{_RECORD} {where} ORDER BY c.updated DESC, c.id DESC", params).fetchall()
        return [record(row) for row in rows]

    def get(self, conversation_id: str) -> Conversation | None:
        with self._pool.connection() as conn:
            row = conn.execute(f"{_RECORD} WHERE c.id = %s", (conversation_id,)).fetchone()
            if row is None:
                return None
            turns = conn.execute("SELECT question, answer, asked, position FROM docchat.turns "
                                 "WHERE conversation_id = %s ORDER BY position", (conversation_id,)).fetchall()
        return Conversation(record(row), [StoredTurn(q, a, t, n) for q, a, t, n in turns])

    def add_turn(self, conversation_id: str, question: str, answer: dict[str, Any], title: str = "",
                 owner: str = "", asked: str | None = None, scope: Scope | None = None) -> ConversationRecord:
        data, stamp = encoded(answer), asked or now()
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("INSERT INTO docchat.conversations (id, owner, title, created, updated, scope) "
                         "VALUES (%s, %s, %s, %s, %s, %s::jsonb) "
                         "ON CONFLICT (id) DO UPDATE SET updated = excluded.updated",
                         (conversation_id, owner, title or title_from(question), stamp, stamp, encoded_scope(scope)))
            conn.execute("INSERT INTO docchat.turns (conversation_id, position, question, answer, asked) "
                         "SELECT %s, COALESCE(MAX(position), 0) + 1, %s, %s::jsonb, %s FROM docchat.turns "
                         "WHERE conversation_id = %s", (conversation_id, question, data, stamp, conversation_id))
            row = conn.execute(f"{_RECORD} WHERE c.id = %s", (conversation_id,)).fetchone()
        assert row is not None, "written in this transaction"
        return record(row)

    def rename(self, conversation_id: str, title: str) -> bool:
        with self._pool.connection() as conn, conn.transaction():
            return conn.execute("UPDATE docchat.conversations SET title = %s WHERE id = %s",
                                (title.strip(), conversation_id)).rowcount > 0

    def set_feedback(self, conversation_id: str, position: int, feedback: dict[str, Any] | None) -> bool:
        change, params = (("answer - 'feedback'", []) if feedback is None
                          else ("jsonb_set(answer, '{feedback}', %s::jsonb)", [encoded(feedback)]))
        with self._pool.connection() as conn, conn.transaction():
            return conn.execute(f"UPDATE docchat.turns SET answer = {change} WHERE conversation_id = %s "
                                "AND position = %s", [*params, conversation_id, position]).rowcount > 0

    def delete(self, conversation_id: str) -> bool:
        with self._pool.connection() as conn, conn.transaction():
            return conn.execute("DELETE FROM docchat.conversations WHERE id = %s", (conversation_id,)).rowcount > 0
