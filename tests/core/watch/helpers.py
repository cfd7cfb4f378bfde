"""Helpers of the watched-folder tests: small text files, a clock the test moves, passes run the way
``watch run`` runs them (core/watch/runner.py), and the watch commands on an app with a fake embedder."""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.service import DocChat
from core.watch.cli import add_watch_parser, run_watch
from core.watch.config import add_folder
from core.watch.report import PassReport
from core.watch.runner import Runner
from core.watch.sync import Timing

OLD = time.time() - 3600  # an mtime long past: the file is done being written


def write(path: Path, text: str, mtime: float | None = OLD) -> Path:
    """A text file of a few sentences (enough to ingest), its mtime set in the past by default."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{text}\n\n" + f"{text} is written down here for the watched folder tests. " * 3,
                    encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


@dataclass
class Clock:
    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now


@dataclass
class Watch:
    """A watched folder and a way to run passes over it, counting what was ingested."""

    app: DocChat
    folder: Path
    clock: Clock
    timing: Timing
    ingested: list[str] = field(default_factory=list)  # names handed to the ingest, every pass
    lines: list[str] = field(default_factory=list)
    runner: Runner | None = None

    def add(self, collection: str = "", globs: tuple[str, ...] = ()) -> None:
        add_folder(self.app.settings.data_dir, self.folder, collection, globs)

    def sync(self, fresh: bool = False) -> PassReport:
        """One pass (``fresh``: a new runner, which reads the state file as a new process would)."""
        if fresh or self.runner is None:
            self.runner = Runner(self.app, self.app.settings.data_dir, self.timing, self.lines.append, self.clock)
        return self.runner.sync_once()[0]

    def names(self) -> dict[str, str]:
        """The library: name -> sha256."""
        return {d.name: d.sha256 for d in self.app.documents()}


def watch_cli(app: DocChat, *argv: str) -> int:
    """``python -m core watch ...`` through the watch module's own parser, on this app."""
    parser = argparse.ArgumentParser()
    add_watch_parser(parser.add_subparsers(dest="command", required=True))
    return run_watch(parser.parse_args(["watch", *argv]), app)
