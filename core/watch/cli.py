"""``python -m core watch add|list|remove|run``: folders kept in sync with the library, headless.

Registered by core/cli.py through ``add_watch_parser``; nothing heavy is imported until a command
runs (``python -m core list`` must not pay for watchdog or the ingest).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from core.cli_library import repaired
from core.cli_text import chosen_language, core_message, error, tell
from core.i18n import joined, say, say_n

if TYPE_CHECKING:
    from core.service import DocChat


def add_watch_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    watch = sub.add_parser("watch", help="keep folders in sync with the library: add, list, remove, run")
    action = watch.add_subparsers(dest="watch_action", required=True)
    add = action.add_parser("add", help="watch a folder (and its sub-folders); `watch run` keeps it in sync")
    add.add_argument("folder", type=Path, metavar="DIR")
    add.add_argument("--collection", default="", metavar="NAME", help="put its files in this collection")
    add.add_argument("--glob", action="append", default=[], metavar="PATTERN",
                     help="only files matching this pattern, e.g. '*.pdf' (repeat for several; default: every "
                          "file the app can read)")
    listing = action.add_parser("list", help="the watched folders, their files in the library and those that failed")
    listing.add_argument("--json", action="store_true", help="print JSON")
    remove = action.add_parser("remove", help="stop watching a folder (its documents stay in the library)")
    remove.add_argument("folder", type=Path, metavar="DIR")
    run = action.add_parser("run", help="sync every watched folder now, then on every change until Ctrl-C")
    run.add_argument("--once", action="store_true", help="one pass, then exit (1 if a file failed)")


def run_watch(args: argparse.Namespace, app: DocChat) -> int:
    from core.watch.config import WatchError

    try:
        if args.watch_action == "add":
            return _add(args, app.settings.data_dir)
        if args.watch_action == "list":
            return _list(args, app.settings.data_dir)
        if args.watch_action == "remove":
            return _remove(args, app.settings.data_dir)
        return _run(args, app)
    except WatchError as exc:
        tell(error(exc), chosen_language(args), file=sys.stderr)
        return 2


def _add(args: argparse.Namespace, data_dir: Path) -> int:
    from core.watch.config import add_folder

    folder = add_folder(data_dir, args.folder, args.collection, tuple(args.glob))
    what = [say("collection {collection}", collection=folder.collection)] if folder.collection else []
    what += [say("only {globs}", globs=", ".join(folder.globs))] if folder.globs else []
    detail = say(" ({details})", details=joined("; ", what)) if what else ""
    tell(say("watching {path}{detail}; `python -m core watch run` keeps it in sync", path=folder.path, detail=detail),
         chosen_language(args))
    return 0


def _remove(args: argparse.Namespace, data_dir: Path) -> int:
    from core.watch.config import remove_folder

    folder = remove_folder(data_dir, args.folder)
    lang = chosen_language(args)
    if folder is None:
        tell(say("error: {folder} is not watched (see `watch list`)", folder=args.folder), lang, file=sys.stderr)
        return 1
    tell(say("stopped watching {path}; its documents stay in the library (`delete` removes one)", path=folder.path),
         lang)
    return 0


def _list(args: argparse.Namespace, data_dir: Path) -> int:
    from core.watch.config import load_folders
    from core.watch.state import FolderState, described, load_state

    folders = load_folders(data_dir)
    state = load_state(data_dir)
    lang = chosen_language(args)
    if state.problem:
        tell(state.problem.replace("rebuilding it", "the next `watch run` rebuilds it"), lang, file=sys.stderr)
    listed = [described(f, state.folders.get(f.path, FolderState())) for f in folders]
    if args.json:
        print(json.dumps({"folders": listed}, ensure_ascii=False))
        return 0
    if not folders:
        tell(say("no folders are watched (add one with `watch add DIR`)"), lang)
    for item in listed:
        what: list[str] = [say("collection {collection}", collection=item["collection"])] if item["collection"] else []
        what += [", ".join(item["globs"])] if item["globs"] else []
        what += [say_n("{n} file in the library", "{n} files in the library", item["documents"])]
        what += [say("{n} failed", n=len(item["failed"]))] if item["failed"] else []
        what += [say("{n} missing", n=len(item["missing"]))] if item["missing"] else []
        tell(say("{path}  ({details})", path=item["path"], details=joined("; ", what)), lang)
        if item["paused"]:
            tell(say("  paused: {reason}", reason=core_message(item["paused"])), lang)
        for failed in item["failed"]:
            tell(say("  failed   {path}: {reason}", path=failed["path"], reason=core_message(failed["error"])), lang)
        for missing in item["missing"]:
            tell(say("  missing  {path} (removed if it stays away)", path=missing), lang)
    return 0


def _run(args: argparse.Namespace, app: DocChat) -> int:
    from core.ingest.background import Embedder
    from core.watch.runner import AlreadyRunning, Runner, hold_run_lock
    from core.watch.sync import Timing

    data_dir = app.settings.data_dir
    lang = chosen_language(args)
    try:
        lock = hold_run_lock(data_dir)
    except AlreadyRunning as exc:
        tell(error(exc), lang, file=sys.stderr)
        return 1
    try:
        repaired(app, lang)  # as every command that writes: vectors the library lost, rebuilt first
        # Left running, files are committed once read and embedded by a thread that makes way for answers;
        # --once embeds each file before it returns, as `ingest` does.
        background = None if args.once else Embedder(lambda stop: app.embed_pending(stop=stop))
        runner = Runner(app, data_dir, Timing.from_settings(app.settings), lambda line: tell(line, lang, flush=True),
                        background=background)
        if args.once:
            reports = runner.sync_once()
            return 1 if any(r.failed for r in reports) else 0
        tell(say("keeping the watched folders of {data_dir} in sync; Ctrl-C stops", data_dir=data_dir), lang,
             file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop ends it as Ctrl-C does
        if background is not None:
            background.poke()  # what an earlier run or `ingest --no-wait` left without vectors
        try:
            runner.run_forever(threading.Event())
        except KeyboardInterrupt:
            tell(say("stopped"), lang, file=sys.stderr)
        finally:
            if background is not None:
                background.close()
        return 0
    finally:
        lock.release()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as KeyboardInterrupt: a pass stops between two library commits (each one is whole), and
    what the state file misses of it is found again by hashing at the next start."""
    raise KeyboardInterrupt
