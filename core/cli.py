"""``python -m core``: the command-line contract other tools script against (see README)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.benchmarks.cli import add_bench_parser
from core.chats_cli import add_chats_parser
from core.cli_library import open_library, repaired
from core.cli_text import (
    STAGES,
    add_language_option,
    bar_format,
    chosen_language,
    document_line,
    error,
    library_notes,
    outcome_word,
    page_of,
    result_line,
    tell,
)
from core.eval.cli import add_eval_parser
from core.i18n import in_language, say, say_n
from core.settings import InvalidSettings, load_settings
from core.status_cli import add_status_parser, run_status
from core.store.scope import Scope
from core.watch.cli import add_watch_parser, run_watch

if TYPE_CHECKING:  # imported where used: `list` needs none of the models
    from core.chat.engine import Verdict
    from core.ingest.records import Progress
    from core.service import DocChat
    from core.store.records import DocumentRecord


_DOCUMENT_HELP = ("{} this document: file name as listed, or its sha256 (or 6+ leading characters); "
                  "repeat for several; with --collection, those of them in it")


class Refused(Exception):
    """A command refused before doing anything, its reason already on stderr: exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core",
        description="Private document chat: ingest files, search them and ask a local model, offline.",
    )
    parser.add_argument("--data-dir", help="library folder (default: files/, or $DOCCHAT_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="add files to the library; one line per file")
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ingest.add_argument("--password", help="password for encrypted PDFs")
    ingest.add_argument("--collection", default="", metavar="NAME", help="put the files in this collection")
    ingest.add_argument("--replace", action="store_true",
                        help="a changed file replaces the library's document of the same name")
    ingest.add_argument("--no-wait", action="store_true",
                        help="commit each file as soon as it is read (keyword search finds it at once) and leave "
                        "its search vectors to the background embedder (the app, `watch run` or `status --wait`)")

    search = sub.add_parser("search", help="the passages closest to a question")
    search.add_argument("question", nargs="?", metavar="QUESTION")
    search.add_argument("--batch", type=Path, metavar="QUESTIONS.jsonl",
                        help='one {"id", "question"} object per line; prints one JSON line each')
    search.add_argument("--k", type=int, help="number of passages (default: setting k)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--collection", action="append", metavar="NAME",
                        help="search only this collection (repeat for several)")
    search.add_argument("--document", action="append", metavar="NAME|SHA", help=_DOCUMENT_HELP.format("search only"))

    ask = sub.add_parser("ask", help="answer a question from the library with a local model")
    ask.add_argument("question", metavar="QUESTION")
    ask.add_argument("--collection", action="append", metavar="NAME",
                     help="answer only from this collection (repeat for several)")
    ask.add_argument("--document", action="append", metavar="NAME|SHA", help=_DOCUMENT_HELP.format("answer only from"))
    ask.add_argument("--llm", metavar="NAME", help="model name from `models` (default: setting llm)")
    ask.add_argument("--json", action="store_true", help="print JSON")

    listing = sub.add_parser("list", help="the documents in the library")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--collection", action="append", metavar="NAME", help="only this collection")

    delete = sub.add_parser("delete", help="remove a document (its passages, vectors and stored file)")
    delete.add_argument("ref", metavar="NAME|SHA", help="file name as listed, or its sha256 (or 6+ leading characters)")

    reindex = sub.add_parser("reindex", help="re-embed the library with the configured embedding model, "
                             "or read documents again from their stored files (new chunk settings)")
    reindex.add_argument("refs", nargs="*", metavar="NAME|SHA", help="read these documents again")
    reindex.add_argument("--all", action="store_true", help="every document (the default without NAME|SHA)")
    reindex.add_argument("--reread", action="store_true",
                         help="with --all: read every document again instead of re-embedding its passages")

    add_eval_parser(sub)

    models = sub.add_parser("models", help="the language models this machine can use")
    models.add_argument("--json", action="store_true", help="print JSON")

    migrate = sub.add_parser("migrate", help="copy the embedded library (--data-dir) into PostgreSQL, "
                             "without re-embedding; documents already there are skipped")
    migrate.add_argument("--to", required=True, choices=["postgres"], help="the target store")
    migrate.add_argument("url", nargs="?", metavar="URL",
                         help="postgresql://user@host/database (default: setting database_url)")
    add_bench_parser(sub)
    add_chats_parser(sub)
    add_watch_parser(sub)
    add_status_parser(sub)
    add_language_option(parser)
    return parser


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from core.ingest.records import Upload

    app = open_library(args)
    repaired(app, args.lang)
    files = len(args.files)
    bar = tqdm(total=files, unit="file", file=sys.stderr, disable=None, bar_format=bar_format(args.lang))

    def on_progress(event: Progress) -> None:
        bar.set_postfix_str(f"{event.name[:30]} {in_language(STAGES[event.stage], args.lang)}", refresh=False)
        bar.update(round((event.overall or 0.0) * files, 3) - bar.n)  # ingest_uploads always sets overall

    uploads = [Upload(str(path), path=path, password=args.password, collection=args.collection,
                      replace=args.replace, defer_vectors=args.no_wait) for path in args.files]
    failed = 0
    for result in app.ingest_uploads(uploads, on_progress):
        failed += not result.ok
        bar.clear()
        hint = {"replace": say(" (add --replace)"), "password": say(" (add --password)")}.get(result.needs, "")
        print(result_line(result, args.lang) + in_language(hint, args.lang), flush=True)
    bar.close()
    return 1 if failed else 0


def cmd_search(args: argparse.Namespace) -> int:
    if bool(args.question) == bool(args.batch):
        tell(say("search needs either QUESTION or --batch FILE"), args.lang, file=sys.stderr)
        return 2
    app = open_library(args)
    scope = _scope(app, args)
    repaired(app, args.lang)
    if args.batch:
        if not args.json:
            tell(say("search --batch prints JSON lines; add --json"), args.lang, file=sys.stderr)
            return 2
        with open(args.batch, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                item = json.loads(line)
                hits = app.search(item["question"], args.k, scope=scope)
                out = {"id": item.get("id"), "question": item["question"], "results": [h.to_json() for h in hits]}
                print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0
    hits = app.search(args.question, args.k, scope=scope)
    if args.json:
        print(json.dumps({"question": args.question, "results": [h.to_json() for h in hits]}, ensure_ascii=False))
        return 0
    if not hits:
        tell(say("no passages found (is the library empty?)"), args.lang)
    for n, hit in enumerate(hits, 1):
        found = say("[{n}] {source}{page} (score {score})", n=n, source=hit.source, page=page_of(hit.page),
                    score=format(hit.score, ".3f"))
        print(f"{in_language(found, args.lang)}\n    {hit.text[:300]!s}\n")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from core.llms.registry import LLMUnavailable

    app = open_library(args)
    scope = _scope(app, args)
    repaired(app, args.lang)
    try:  # a server can fail at any point of the answer: one clear line, exit 1
        llm = app.llm(args.llm)
        engine = app.engine(llm, scope=scope)
        answer = engine.answer(args.question)
        sources = [{"source": h.source, "page": h.page, "text": h.text} for h in answer.sources]
        if args.json:
            text = "".join(answer.tokens).strip()
            checked = _checked(engine.verdict(answer, text))
            searched = {"translated": answer.translation} if answer.translation else {}
            print(json.dumps({"answer": text, "sources": sources, **checked, **searched}, ensure_ascii=False))
            return 0
        text = ""
        for token in answer.tokens:
            text += token
            print(token, end="", flush=True)
    except LLMUnavailable as exc:
        tell(error(exc), args.lang, file=sys.stderr)
        return 1
    if not sources:  # nothing was searched (a question over the length limit) or nothing found
        print()
        return 0
    if (verdict := engine.verdict(answer, text)).refused:
        why = OFF_TOPIC if verdict.off_topic else UNSUPPORTED
        print(f"\n\n{in_language(why, args.lang)}", end="")
    heading = say("Sources:") if answer.found else say("Closest passages (none close enough to answer from):")
    print(f"\n\n{in_language(heading, args.lang)}")
    for n, hit in enumerate(answer.sources, 1):  # what ``sources`` was made from
        print(f"  [{n}] {hit.source}{in_language(page_of(hit.page), args.lang)}")
    return 0


UNSUPPORTED = say("Not in your documents: no sentence of this answer is supported by the passages below.")
OFF_TOPIC = say("Not in your documents: the passages below do not answer this question.")


def _checked(verdict: Verdict) -> dict:
    """The claim check as ``ask --json`` adds it (core/chat/claims.py): whether the answer is supported,
    whether what supports it is about the question, whether it names something beyond the question
    that its passages hold (``adds``), the passages that support it, and per sentence its
    passage. A refused answer shows the "not found" sentence, the model's text kept as ``model_answer``."""
    if (check := verdict.check) is None:
        return {}
    extra: dict = {"supported": check.supported, "on_topic": check.on_topic, "adds": check.adds,
                   "cited": check.cited(), "claims": check.to_json()}
    if verdict.refused:
        extra.update(answer=verdict.text, model_answer=verdict.model_text)
    return extra


def cmd_list(args: argparse.Namespace) -> int:
    app = open_library(args)
    docs = app.documents(args.collection)
    library_notes(app.missing_vectors(), app.missing_originals(), args.lang)
    if args.json:
        print(json.dumps({"documents": [d.to_json() for d in docs]}, ensure_ascii=False))
        return 0
    if not docs:
        tell(say("the library is empty"), args.lang)
    for d in docs:
        tell(document_line(d), args.lang)
    return 0


def _one_document(app: DocChat, ref: str, lang: str) -> DocumentRecord | None:
    """The one document ``ref`` names, or None after saying why on stderr."""
    matches = app.find_documents(ref)
    if not matches:
        tell(say("error: no document named or hashed {ref} (see `list`)", ref=repr(ref)), lang, file=sys.stderr)
        return None
    if len(matches) > 1:
        tell(say("error: {ref} matches {n} documents; use the sha256:", ref=repr(ref), n=len(matches)), lang,
             file=sys.stderr)
        for d in matches:
            print(f"  {d.sha256}  {d.name}", file=sys.stderr)
        return None
    return matches[0]


def _scope(app: DocChat, args: argparse.Namespace) -> Scope:
    """What ``--collection`` and ``--document`` limit a search to; each document named as
    ``delete`` names one. ``Refused`` when a name finds no document or several."""
    found = [_one_document(app, ref, args.lang) for ref in args.document or []]
    if None in found:
        raise Refused
    return Scope.of(args.collection, [d.sha256 for d in found if d] if args.document else None)


def cmd_delete(args: argparse.Namespace) -> int:
    app = open_library(args)
    document = _one_document(app, args.ref, args.lang)
    if document is None:
        return 1
    removed = app.delete(document.sha256)
    if removed is None:
        tell(say("error: {name} was already removed", name=document.name), args.lang, file=sys.stderr)
        return 1
    tell(say_n("deleted {name} ({n} chunk, sha256 {sha})", "deleted {name} ({n} chunks, sha256 {sha})",
               removed.chunks, name=removed.name, sha=removed.sha256[:12]), args.lang)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    options = open_library(args).llm_options()
    if args.json:
        print(json.dumps({"models": [o.to_json() for o in options]}, ensure_ascii=False))
        return 0
    leaves = "  " + in_language(say("(questions and passages leave this machine)"), args.lang)
    for o in options:  # state and detail are core's words: looked up whole
        where = f"  -> {o.url}" if o.url and o.url not in o.detail else ""
        detail = "  " + in_language(o.detail, args.lang) if o.detail else ""
        print(f"{o.name:55} {in_language(o.state, args.lang)}{detail}{where}{leaves if o.leaves_machine else ''}")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    app = open_library(args)
    if args.refs and args.all:
        tell(say("reindex takes NAME|SHA or --all, not both"), args.lang, file=sys.stderr)
        return 2
    if args.refs or args.reread:
        found = app.documents() if args.reread else [_one_document(app, ref, args.lang) for ref in args.refs]
        docs = [d for d in found if d is not None]
        if len(docs) < len(found):
            return 1
        results = [app.reread(d.sha256) for d in docs]
        for result in results:
            print(result_line(result, args.lang), flush=True)
        return 0 if all(r.ok for r in results) else 1
    built_with = app.built_with() or say("nothing")
    with tqdm(total=100, unit="%", file=sys.stderr, disable=None) as bar:
        count = app.reindex(lambda done: bar.update(round(done * 100) - bar.n))
    tell(say_n("re-indexed {n} chunk with {model} (was {built_with})", "re-indexed {n} chunks with {model} "
               "(was {built_with})", count, model=app.settings.embedding_model, built_with=built_with), args.lang)
    return 0


def cmd_chats(args: argparse.Namespace) -> int:
    from core.chats_cli import run_chats

    return run_chats(args, open_library(args))


def cmd_bench(args: argparse.Namespace) -> int:
    from core.benchmarks.cli import run_bench

    return run_bench(args, load_settings().with_data_dir(args.data_dir))


def cmd_migrate(args: argparse.Namespace) -> int:
    from core.service import DocChat

    settings = load_settings().with_data_dir(args.data_dir)
    url = args.url or settings.database_url
    if not url:
        tell(say("migrate needs the PostgreSQL URL (argument or setting database_url)"), args.lang, file=sys.stderr)
        return 2
    if not (settings.data_dir / "library.sqlite").is_file():
        tell(say("error: no embedded library in {where}", where=settings.data_dir), args.lang, file=sys.stderr)
        return 1
    import psycopg

    embedded = DocChat(settings.replace(database_url=""))
    repaired(embedded, args.lang)  # every vector present before copying

    def report(outcome: str, d: DocumentRecord) -> None:
        word = f"{outcome_word(outcome, args.lang):8}"
        tell(say_n("{outcome} {name} ({n} chunk)", "{outcome} {name} ({n} chunks)", d.chunks, outcome=word,
                   name=d.name), args.lang, flush=True)

    try:
        done = embedded.copy_to(url, report)
    except psycopg.OperationalError as exc:  # unreachable, refused, wrong password: one line, no traceback
        print(in_language(say("error: cannot open the PostgreSQL library: {reason}", reason=str(exc)), args.lang)
              .strip(), file=sys.stderr)
        return 1
    missing = say(", {n} not copied (stored file missing)", n=len(done.missing)) if done.missing else ""
    tell(say("copied {documents} ({chunks}) without re-embedding; {skipped} already there{missing}",
             documents=say_n("{n} document", "{n} documents", len(done.copied)),
             chunks=say_n("{n} chunk", "{n} chunks", done.chunks), skipped=len(done.skipped), missing=missing),
         args.lang)
    return 1 if done.missing else 0


def cmd_eval(args: argparse.Namespace) -> int:
    from core.eval.cli import run_eval

    return run_eval(args, load_settings().with_data_dir(args.data_dir))


COMMANDS = {"ingest": cmd_ingest, "search": cmd_search, "ask": cmd_ask, "list": cmd_list, "delete": cmd_delete,
            "models": cmd_models, "reindex": cmd_reindex, "eval": cmd_eval, "migrate": cmd_migrate,
            "bench": cmd_bench, "chats": cmd_chats, "watch": lambda args: run_watch(args, open_library(args)),
            "status": lambda args: run_status(args, open_library(args))}


def main(argv: list[str] | None = None) -> int:
    from core.store.base import LibraryMismatch

    args = build_parser().parse_args(argv)
    args.lang = chosen_language(args)
    try:
        return COMMANDS[args.command](args)
    except Refused:
        return 2
    except LibraryMismatch as exc:
        tell(error(exc), args.lang, file=sys.stderr)
        return 1
    except InvalidSettings as exc:  # read by every command at its start: one line, no traceback
        tell(error(exc), args.lang, file=sys.stderr)
        return 2
