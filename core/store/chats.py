"""Conversations kept in the library's own database, so a reload, a crash or a restart finds them.

A turn is written when its answer is complete, in one transaction, so a kill in the middle of an
answer loses that answer and nothing before it. An answer is kept as the page shows it (plain data:
its text, its sources with the passage text shown, the claim check, the model and settings used), so
a document deleted later leaves the old answer readable. ``owner`` is "" until accounts exist.
Each store implements ``ChatLog`` with its own SQL (``sqlite_chats``, ``postgres_chats``); what they
share lives here.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol

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
                 owner: str = "", asked: str | None = None) -> ConversationRecord:
        """Append one finished turn; a conversation not yet stored is created with ``title``."""
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


def encoded(answer: dict[str, Any]) -> str:
    """The stored form of an answer; refused when it is not plain JSON data or far too large."""
    data = json.dumps(answer, ensure_ascii=False)
    if len(data.encode()) > MAX_ANSWER_BYTES:
        raise ValueError("an answer's stored data is over 1 MB")
    return data


def like(query: str) -> str:
    """A LIKE pattern for ``query`` with its own % and _ taken literally (ESCAPE '\\')."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
