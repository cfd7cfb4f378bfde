"""A stored conversation as a file: Markdown to read or share, JSON to keep or restore.

The JSON holds every question and answer as the page showed it, with its sources (file, page,
passage text), so an import restores the conversation even where the documents are not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.i18n import say
from core.store.chats import Conversation
from core.store.scope import Scope

FORMAT = "docchat-conversation/1"
MAX_IMPORT_BYTES = 20 << 20  # a conversation file larger than this is not one of ours


class TranscriptError(ValueError):
    """A file that is not a conversation this app exported; the message is one sentence."""


@dataclass(frozen=True)
class Imported:
    title: str
    turns: list[tuple[str, dict[str, Any], str]]  # (question, answer message, asked)
    scope: Scope | None = None  # what it searched; a file from before scopes has none: the whole library


def to_json(conversation: Conversation) -> str:
    """The conversation to keep or restore; ``scope`` only when it searched part of the library, so
    an unscoped conversation exports exactly as before scopes existed."""
    record = conversation.record
    scope = {"scope": record.scope.to_json()} if record.scope is not None and record.scope.limits() else {}
    return json.dumps({"format": FORMAT, "title": record.title, "created": record.created, "updated": record.updated,
                       **scope, "turns": [{"question": t.question, "answer": t.answer, "asked": t.asked}
                                          for t in conversation.turns]}, ensure_ascii=False, indent=2)


def to_markdown(conversation: Conversation) -> str:
    lines = [f"# {conversation.record.title}", "", f"*{conversation.record.created[:10]}*", ""]
    for turn in conversation.turns:
        lines += [f"## {turn.question}", "", str(turn.answer.get("content", "")), ""]
        sources = turn.answer.get("sources") or []
        if sources:
            lines.append("Sources:")
            for source in sources:
                page = f", page {source['page']}" if source.get("page") is not None else ""
                gone = " (document deleted)" if source.get("deleted") else ""
                lines.append(f"- [{source.get('n', '?')}] {source.get('source', '')}{page}{gone}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def from_json(data: bytes | str) -> Imported:
    """The conversation in an exported JSON file; refuses anything else in one sentence."""
    if len(data) > MAX_IMPORT_BYTES:
        raise TranscriptError(say("this file is larger than any conversation export (20 MB)"))
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise TranscriptError(say("this file is not JSON")) from None
    if not isinstance(parsed, dict) or parsed.get("format") != FORMAT or not isinstance(parsed.get("turns"), list):
        raise TranscriptError(say("this JSON is not a conversation exported by this app ({format})", format=FORMAT))
    turns = []
    for turn in parsed["turns"]:
        if not (isinstance(turn, dict) and isinstance(turn.get("question"), str)
                and isinstance(turn.get("answer"), dict) and isinstance(turn["answer"].get("content"), str)):
            raise TranscriptError(say("a turn of this conversation has no question or answer text"))
        turns.append((turn["question"], turn["answer"], str(turn.get("asked", ""))))
    try:
        scope = Scope.from_json(parsed.get("scope"))
    except ValueError as exc:
        raise TranscriptError(say("this conversation's scope is not readable: {reason}", reason=str(exc))) from None
    return Imported(str(parsed.get("title") or "Imported conversation"), turns, scope)
