"""``python -m core chats list|show|export|import|delete``: the stored conversations from a shell
(the same ones the Chat page lists), for scripts and backups."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli_text import reason, tell
from core.i18n import in_language, say, say_n

if TYPE_CHECKING:
    from core.service import DocChat


def add_chats_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chats = sub.add_parser("chats", help="the stored conversations: list, show, export, import, delete")
    action = chats.add_subparsers(dest="action", required=True)
    listing = action.add_parser("list", help="newest first: id, turns, last change, title")
    listing.add_argument("--search", default="", help="only those whose title, questions or answers contain this")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    for name, text in (("show", "print a conversation as Markdown"), ("delete", "delete a conversation")):
        action.add_parser(name, help=text).add_argument("id")
    export = action.add_parser("export", help="a conversation as Markdown (default) or JSON, to stdout")
    export.add_argument("id")
    export.add_argument("--format", choices=["markdown", "json"], default="markdown")
    restore = action.add_parser("import", help="restore a conversation from its exported JSON")
    restore.add_argument("file", type=Path)


def _turns(count: int, lang: str) -> str:
    """``3 turns`` in ``lang``, already translated: ``list`` pads it to a column."""
    return in_language(say_n("{n} turn", "{n} turns", count), lang)


def run_chats(args: argparse.Namespace, app: DocChat) -> int:
    """One ``chats`` action; its human lines in ``args.lang`` (set by ``core.cli.main``), JSON and the
    exported transcripts as they are."""
    from core.chat.transcript import TranscriptError, to_json, to_markdown

    lang = args.lang
    if args.action == "list":
        found = app.conversations(args.search)
        if args.json:
            print(json.dumps({"conversations": [{"id": c.id, "title": c.title, "created": c.created,
                                                 "updated": c.updated, "turns": c.turns} for c in found]},
                             ensure_ascii=False))
        for c in [] if args.json else found:
            print(f"{c.id}  {_turns(c.turns, lang):>9}  {c.updated[:16].replace('T', ' ')}  {c.title}")
        return 0
    if args.action == "import":
        try:
            record = app.import_conversation(args.file.read_bytes())
        except (OSError, TranscriptError) as exc:
            tell(say("error: cannot import {file}: {reason}", file=args.file, reason=reason(exc)), lang,
                 file=sys.stderr)
            return 1
        tell(say("imported {id}  {turns}  {title}", id=record.id, turns=say_n("{n} turn", "{n} turns", record.turns),
                 title=record.title), lang)
        return 0
    if args.action == "delete":
        if not app.delete_conversation(args.id):
            tell(say("error: no conversation {id}", id=args.id), lang, file=sys.stderr)
            return 1
        tell(say("deleted {id}", id=args.id), lang)
        return 0
    conversation = app.conversation(args.id)
    if conversation is None:
        tell(say("error: no conversation {id}", id=args.id), lang, file=sys.stderr)
        return 1
    as_json = args.action == "export" and args.format == "json"
    print(to_json(conversation) if as_json else to_markdown(conversation), end="" if not as_json else "\n")
    return 0
