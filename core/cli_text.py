"""The CLI's human output in the reader's language (issue 19): ``--lang``, else the environment's.

The commands build every sentence with ``say`` / ``say_n`` (whose value *is* the English sentence, so
English output stays byte for byte what scripts already read) and print it through ``tell``, which says
it again in the chosen language. ``--json`` output never passes through here: it is a machine contract.
Messages core made (an ingest result, an exception) are wrapped with ``core_message``, so a ``Text`` is
translated from its parts and a plain English sentence is looked up whole in the catalog.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from core.i18n import LANGUAGES, Text, catalogued, environment_language, in_language, message_of, say, say_n

if TYPE_CHECKING:
    from core.ingest.records import IngestResult
    from core.store.records import DocumentRecord

LANG_HELP = ("language of the human output (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG, else English); "
             "--json output is never translated")

# The ingest progress bar's stage codes (core.ingest.records.Stage), as a reader sees them.
STAGES = {"read": say("read"), "split": say("split"), "embed": say("embed"), "store": say("store"),
          "done": say("done")}
# What ``migrate`` did with each document (``DocChat.copy_to``).
OUTCOMES = {"copied": say("copied"), "skipped": say("skipped"), "missing": say("missing")}


def add_language_option(parser: argparse.ArgumentParser) -> None:
    """``--lang`` before the command (``python -m core --lang ko list``) and, for people who put options
    last, after any command or subcommand too. There it defaults to SUPPRESS, so a subcommand that is not
    given it keeps the value read before the command instead of resetting it to None."""
    parser.add_argument("--lang", choices=LANGUAGES, default=None, help=LANG_HELP)
    seen: set[int] = set()
    pending = [parser]
    while pending:
        for action in pending.pop()._actions:
            if not isinstance(action, argparse._SubParsersAction):
                continue
            for child in action.choices.values():
                if id(child) not in seen:  # an alias names the same parser twice
                    seen.add(id(child))
                    child.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=LANG_HELP)
                    pending.append(child)


def chosen_language(args: argparse.Namespace) -> str:
    """``--lang`` when given, else what the environment asks for (English when it names no catalog)."""
    return getattr(args, "lang", None) or environment_language()


def tell(text: str, lang: str, *, file: TextIO | None = None, flush: bool = False) -> None:
    """Print one sentence of human output in ``lang``. Only sentences go here, never data (a document
    name printed alone would otherwise be looked up in the catalog)."""
    print(in_language(text, lang), file=file, flush=flush)


def core_message(value: str) -> Text:
    """A message from core, to be filled into a CLI sentence: translated from its parts when core built it
    with ``say``, else looked up whole, and in English exactly ``value``."""
    return value if isinstance(value, Text) else catalogued(value)


def reason(exc: BaseException) -> Text:
    """Why an exception was raised, as ``str(exc)`` reads in English, keeping a ``Text`` core raised with."""
    return core_message(message_of(exc))


def error(exc: BaseException) -> Text:
    """The one ``error: ...`` line a command prints for an exception it expected."""
    return say("error: {reason}", reason=reason(exc))


def result_line(result: IngestResult, lang: str) -> str:
    """One ingest or re-read result as the CLI prints it: ``IngestResult.line()`` (its format defined in
    one place), said in ``lang``. Its ``ok`` / ``error`` marks stay as they are in every language, so a
    script that greps for them works whatever the locale; the message after them is translated."""
    return in_language(result.line(), lang)


def page_of(page: int | None) -> Text | str:
    """``, page N`` after a source's name; nothing for a source without pages."""
    return say(", page {page}", page=page) if page is not None else ""


def bar_format(lang: str) -> str:
    """tqdm's format for the ingest bar; only its word for files is the reader's."""
    return "{l_bar}{bar}| {n:.1f}/{total} " + in_language(say("files"), lang) + " [{elapsed}<{remaining}{postfix}]"


def outcome_word(outcome: str, lang: str) -> str:
    """``copied``, ``skipped`` or ``missing`` in ``lang`` (an outcome this module does not know, as it is)."""
    return in_language(OUTCOMES[outcome], lang) if outcome in OUTCOMES else outcome


def document_line(d: DocumentRecord) -> Text:
    """One document as ``list`` prints it."""
    pages = say("{pages} pages, ", pages=d.pages) if d.pages is not None else ""
    where = say(", collection {collection}", collection=d.collection) if d.collection else ""
    return say("{name}  ({kind}, {pages}{chunks} chunks, added {added}{where}, sha256 {sha})", name=d.name,
               kind=d.kind, pages=pages, chunks=d.chunks, added=d.added, where=where, sha=d.sha256[:12])


def library_notes(missing: int, originals: list[DocumentRecord], lang: str) -> None:
    """What the library lacks, on stderr (stdout keeps its contract): nothing here is dropped."""
    if missing:
        tell(say_n("note: {n} passage have no search vectors; they are rebuilt from their stored text by the next "
                   "search, ask or ingest",
                   "note: {n} passages have no search vectors; they are rebuilt from their stored text by the next "
                   "search, ask or ingest", missing), lang, file=sys.stderr)
    for doc in originals:
        tell(say("note: the stored original of {name} (sha256 {sha}) is missing; its passages are still searchable, "
                 "but it cannot be downloaded or read again", name=doc.name, sha=doc.sha256[:12]),
             lang, file=sys.stderr)
