"""Conversations kept in the library's own database, so a reload, a crash or a restart finds them.

A turn is written when its answer is complete, in one transaction, so a kill in the middle of an
answer loses that answer and nothing before it. An answer is kept as the page shows it (plain data:
its text, its sources with the passage text shown, the claim check, the model and settings used), so
a document deleted later leaves the old answer readable. ``owner`` is "" until accounts exist.
A conversation keeps its scope (``core.store.scope``: the collections or documents it searches),
set when it is created, so reopening "Ask about this document" asks that document again. Each store
implements ``ChatLog`` with its own SQL (``sqlite_chats``, ``postgres_chats``); what they share lives here.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.store.scope import Scope

TITLE_CHARS = 60  # a title from the first question, cut at a word near this length
MAX_ANSWER_BYTES = 1 << 20  # an answer's stored data; more means something other than an answer


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    title: str
    created: str
    updated: str
    turns: int
    owner: str = ""
    scope: Scope | None = None  # what its questions search; None: the whole library


@dataclass(frozen=True)
class StoredTurn:
    question: str
    answer: dict[str, Any]  # the assistant message as the page keeps it (core.service: plain JSON data)
    asked: str
    position: int = 0  # 1, 2, … in its conversation


@dataclass(frozen=True)
class Conversation:
    record: ConversationRecord
    turns: list[StoredTurn] = field(default_factory=list)


class ChatLog(Protocol):
    """The conversations of one library (``Store.chats``)."""

    def recent(self, query: str = "", owner: str = "") -> list[ConversationRecord]:
        """Newest first; ``query`` keeps those whose title, questions or answers contain it."""
        ...

    def get(self, conversation_id: str) -> Conversation | None: ...

    def add_turn(self, conversation_id: str, question: str, answer: dict[str, Any], title: str = "",
                 owner: str = "", asked: str | None = None, scope: Scope | None = None) -> ConversationRecord:
        """Append one finished turn; a conversation not yet stored is created with ``title`` and
        ``scope`` (a stored conversation keeps the scope it was created with)."""
        ...

    def rename(self, conversation_id: str, title: str) -> bool: ...

    def set_feedback(self, conversation_id: str, position: int, feedback: dict[str, Any] | None) -> bool:
        """Keep the reader's judgement of one answer in it (``answer["feedback"]``); None removes it."""
        ...

    def delete(self, conversation_id: str) -> bool:
        """The conversation and its turns; False when there was none."""
        ...


def new_id() -> str:
    """Short enough for a URL, random enough that two tabs never pick the same one."""
    return secrets.token_hex(8)


def title_from(question: str) -> str:
    """The first question, on one line, cut at a word boundary near ``TITLE_CHARS``."""
    text = " ".join(question.split())
    if len(text) <= TITLE_CHARS:
        return text or "Conversation"
    cut = text[:TITLE_CHARS].rsplit(" ", 1)[0]
    return (cut if len(cut) > TITLE_CHARS // 2 else text[:TITLE_CHARS]) + "…"


# The columns of a ConversationRecord, in its field order, whichever engine reads them (``record``).
RECORD_COLUMNS = "c.id, c.title, c.created, c.updated, {turns}, c.owner, c.scope"


def record(row: Sequence[Any]) -> ConversationRecord:
    """A conversation's row (``RECORD_COLUMNS``) as its record; the scope arrives as JSON text
    (SQLite) or already parsed (PostgreSQL jsonb)."""
    conversation_id, title, created, updated, turns, owner, scope = row
    return ConversationRecord(conversation_id, title, created, updated, turns, owner,
                              Scope.from_json(json.loads(scope) if isinstance(scope, str) else scope))


def encoded_scope(scope: Scope | None) -> str | None:
    """The stored form of a conversation's scope: JSON text, NULL for the whole library."""
    return json.dumps(scope.to_json(), ensure_ascii=False) if scope is not None and scope.limits() else None


def encoded(answer: dict[str, Any]) -> str:
    """The stored form of an answer; refused when it is not plain JSON data or far too large."""
    data = json.dumps(answer, ensure_ascii=False)
    if len(data.encode()) > MAX_ANSWER_BYTES:
        raise ValueError("an answer's stored data is over 1 MB")
    return data


def like(query: str) -> str:
    """A LIKE pattern for ``query`` with its own % and _ taken literally (ESCAPE '\\')."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
