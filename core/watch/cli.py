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
from typing import TYPE_CHECKING, Any

from core.text import plural

if TYPE_CHECKING:
    from core.service import DocChat
    from core.watch.config import WatchedFolder
    from core.watch.state import FolderState


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
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _add(args: argparse.Namespace, data_dir: Path) -> int:
    from core.watch.config import add_folder

    folder = add_folder(data_dir, args.folder, args.collection, tuple(args.glob))
    what = [f"collection {folder.collection}"] if folder.collection else []
    what += [f"only {', '.join(folder.globs)}"] if folder.globs else []
    detail = f" ({'; '.join(what)})" if what else ""
    print(f"watching {folder.path}{detail}; `python -m core watch run` keeps it in sync")
    return 0


def _remove(args: argparse.Namespace, data_dir: Path) -> int:
    from core.watch.config import remove_folder

    folder = remove_folder(data_dir, args.folder)
    if folder is None:
        print(f"error: {args.folder} is not watched (see `watch list`)", file=sys.stderr)
        return 1
    print(f"stopped watching {folder.path}; its documents stay in the library (`delete` removes one)")
    return 0


def _list(args: argparse.Namespace, data_dir: Path) -> int:
    from core.watch.config import load_folders
    from core.watch.state import FolderState, load_state

    folders = load_folders(data_dir)
    state = load_state(data_dir)
    if state.problem:
        print(state.problem.replace("rebuilding it", "the next `watch run` rebuilds it"), file=sys.stderr)
    described = [_described(f, state.folders.get(f.path, FolderState())) for f in folders]
    if args.json:
        print(json.dumps({"folders": described}, ensure_ascii=False))
        return 0
    if not folders:
        print("no folders are watched (add one with `watch add DIR`)")
    for item in described:
        what = [f"collection {item['collection']}"] if item["collection"] else []
        what += [", ".join(item["globs"])] if item["globs"] else []
        what += [f"{plural(item['documents'], 'file')} in the library"]
        what += [f"{len(item['failed'])} failed"] if item["failed"] else []
        what += [f"{len(item['missing'])} missing"] if item["missing"] else []
        print(f"{item['path']}  ({'; '.join(what)})")
        if item["paused"]:
            print(f"  paused: {item['paused']}")
        for failed in item["failed"]:
            print(f"  failed   {failed['path']}: {failed['error']}")
        for missing in item["missing"]:
            print(f"  missing  {missing} (removed if it stays away)")
    return 0


def _described(folder: WatchedFolder, state: FolderState) -> dict[str, Any]:
    """A folder as `watch list --json` gives it: its settings, then what the last pass knew."""
    files = state.files
    return {**folder.to_json(),
            "documents": sum(1 for e in files.values() if e.sha256 and not e.missing_since),
            "failed": [{"path": rel, "error": e.error} for rel, e in sorted(files.items()) if e.error],
            "missing": sorted(rel for rel, e in files.items() if e.missing_since is not None),
            "paused": state.paused}


def _run(args: argparse.Namespace, app: DocChat) -> int:
    from core.watch.runner import AlreadyRunning, Runner, hold_run_lock
    from core.watch.sync import Timing

    data_dir = app.settings.data_dir
    try:
        lock = hold_run_lock(data_dir)
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        if app.missing_vectors() and not app.needs_reindex():
            print("rebuilding the search vectors the library lost before syncing", file=sys.stderr, flush=True)
            app.repair()
        runner = Runner(app, data_dir, Timing.from_settings(app.settings), lambda line: print(line, flush=True))
        if args.once:
            reports = runner.sync_once()
            return 1 if any(r.failed for r in reports) else 0
        print(f"keeping the watched folders of {data_dir} in sync; Ctrl-C stops", file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop ends it as Ctrl-C does
        try:
            runner.run_forever(threading.Event())
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
        return 0
    finally:
        lock.release()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as KeyboardInterrupt: a pass stops between two library commits (each one is whole), and
    what the state file misses of it is found again by hashing at the next start."""
    raise KeyboardInterrupt
