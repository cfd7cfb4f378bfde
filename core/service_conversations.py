"""The conversations half of ``DocChat``: stored chats, their turns, feedback and imported transcripts.

A mixin so the pages and the CLI keep one door (``DocChat``) while each file keeps one job; it reaches
the library only through ``store``, which ``DocChat`` opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.i18n import say
from core.store.scope import Scope, limiting

if TYPE_CHECKING:
    from core.store.base import Store
    from core.store.chats import Conversation, ConversationRecord


class Conversations:
    @property
    def store(self) -> Store:
        """The library; ``DocChat`` opens it."""
        raise NotImplementedError

    def conversations(self, query: str = "") -> list[ConversationRecord]:
        """Newest first; ``query`` keeps those whose title, questions or answers contain it."""
        return self.store.chats.recent(query)

    def conversation(self, conversation_id: str) -> Conversation | None:
        """A stored conversation; sources of documents deleted since are marked ``deleted``. Its
        ``record.scope`` is what it searched (None: the whole library), to search it again."""
        found = self.store.chats.get(conversation_id)
        if found is None:
            return None
        sources = [s for turn in found.turns for s in turn.answer.get("sources") or [] if s.get("sha256")]
        gone = {sha for sha in {s["sha256"] for s in sources} if self.store.find(sha) is None}  # a few lookups
        for source in sources:
            if source["sha256"] in gone:
                source["deleted"] = True
        return found

    def save_turn(self, conversation_id: str | None, question: str, answer: dict[str, Any], *,
                  scope: Scope | None = None) -> ConversationRecord:
        """Store one finished turn (the answer as the page keeps it); a new conversation when
        ``conversation_id`` is None or not stored yet, which keeps ``scope`` (a stored one keeps its own)."""
        from core.store.chats import new_id

        return self.store.chats.add_turn(conversation_id or new_id(), question, answer, scope=limiting(scope))

    def set_feedback(self, conversation_id: str, position: int, score: int | None, comment: str = "") -> bool:
        """A reader's thumbs up (1) or down (0) on one stored answer, with an optional comment; None
        takes it back. ``eval feedback`` turns the marked answers into retrieval test cases."""
        from core.store.rules import now

        feedback = None if score is None else {"score": int(score), "comment": comment.strip(), "at": now()}
        return self.store.chats.set_feedback(conversation_id, position, feedback)

    def rename_conversation(self, conversation_id: str, title: str) -> bool:
        return bool(title.strip()) and self.store.chats.rename(conversation_id, title)

    def delete_conversation(self, conversation_id: str) -> bool:
        return self.store.chats.delete(conversation_id)

    def import_conversation(self, data: bytes | str) -> ConversationRecord:
        """A conversation from its exported JSON (``core.chat.transcript``), as a new conversation."""
        from core.chat.transcript import TranscriptError, from_json
        from core.store.chats import new_id

        imported = from_json(data)
        if not imported.turns:
            raise TranscriptError(say("this conversation has no turns"))
        conversation_id, record = new_id(), None
        for question, answer, asked in imported.turns:
            record = self.store.chats.add_turn(conversation_id, question, answer, imported.title, asked=asked or None,
                                               scope=imported.scope)
        assert record is not None
        return record
