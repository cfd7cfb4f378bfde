"""``watch run``: a full pass at start-up (what changed while nothing was running), then a pass
whenever watchdog reports a change, when a waiting or missing file is due, when the watch list
changes, and every RESCAN_SECONDS in any case.

The passes, not the events, decide what to do: an event only says "look again". Events are lost in
ordinary use (inotify's queue overflows, a network share's changes made on another machine raise none,
a drive comes back), and a pass that compares the folder with the saved state is right whatever was
missed. One runner per data dir (a file lock held while it runs): two would ingest the same new file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from core.watch.config import WATCH_FILE, WatchedFolder, load_folders
from core.watch.filters import skip_reason
from core.watch.report import PassReport
from core.watch.state import WatchState, load_state, save_state
from core.watch.sync import Syncer, Timing

if TYPE_CHECKING:
    from core.service import DocChat

RUN_LOCK = "watch-run.lock"
RESCAN_SECONDS = 300.0  # the safety net for missed events; a pass over 1,000 unchanged files is a stat each
QUIET_SECONDS = 0.5  # events arrive in bursts (a copy of many files): one pass after the burst
MAX_QUIET_SECONDS = 5.0  # ... but never put off longer than this by a folder that keeps changing
TICK_SECONDS = 1.0  # how often the loop looks at the stop flag and the watch list's mtime
# During a pass the state is saved after a change to the library at most this often (a file's ingest takes
# seconds; the state of 10,000 files is ~2 MB of JSON). What a crash loses of it is found again by hashing.
SAVE_SECONDS = 2.0
IGNORED_EVENTS = {"opened", "closed_no_write"}  # reading a file (our own hashing among them) changes nothing


class AlreadyRunning(Exception):
    """Another ``watch run`` holds this data dir."""


@dataclass
class Runner:
    app: DocChat
    data_dir: Path
    timing: Timing
    out: Callable[[str], object] = print
    clock: Callable[[], float] = time.time
    state: WatchState = field(init=False)
    _saved: dict[str, Any] | None = field(default=None, init=False)
    _saved_at: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.state = load_state(self.data_dir)

    def sync_once(self) -> list[PassReport]:
        """One pass over every watched folder, its lines printed, the state saved when it changed."""
        folders = load_folders(self.data_dir)
        if self.state.problem:
            self.out(self.state.problem)
        syncer = Syncer(self.app, self.state, folders, self.timing, self.clock,
                        lambda: self._save(folders, soon=True))
        reports = syncer.run()
        for report in reports:
            for line in report.lines():
                self.out(line)
        self._save(folders)
        self.state.problem = ""
        return reports

    def _save(self, folders: list[WatchedFolder], soon: bool = False) -> None:
        """Write the state if it changed; ``soon``: during a pass, not more often than SAVE_SECONDS."""
        if soon and time.monotonic() - self._saved_at < SAVE_SECONDS:
            return
        snapshot = {path: folder.to_json() for path, folder in self.state.folders.items()}
        if snapshot != self._saved:
            save_state(self.data_dir, self.state, {f.path for f in folders})
            self._saved, self._saved_at = snapshot, time.monotonic()

    def run_forever(self, stop: threading.Event) -> None:
        """Until ``stop`` is set (or KeyboardInterrupt): passes on changes, as the module says."""
        from watchdog.observers import Observer

        changed = threading.Event()
        observer = Observer()
        observer.start()
        watches: dict[str, Any] = {}
        try:
            while not stop.is_set():
                config = _mtime(self.data_dir / WATCH_FILE)
                self._observe(observer, watches, changed)  # before the pass: a change during it is not lost
                changed.clear()
                reports = self.sync_once()
                due = min([r.next_due for r in reports if r.next_due is not None] + [self.clock() + RESCAN_SECONDS])
                while not stop.is_set() and self.clock() < due and _mtime(self.data_dir / WATCH_FILE) == config:
                    if changed.wait(timeout=max(0.0, min(TICK_SECONDS, due - self.clock()))):
                        _quiet(changed)
                        break
        finally:
            observer.stop()
            observer.join(timeout=10)

    def _observe(self, observer: Any, watches: dict[str, Any], changed: threading.Event) -> None:
        """Observe each watched folder that is there; stop observing those removed or gone."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler

        class Changed(FileSystemEventHandler):
            def __init__(self, root: str) -> None:
                self.root = Path(root)

            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in IGNORED_EVENTS:
                    return
                paths = [str(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
                if any(not _skipped(self.root, path) for path in paths):
                    changed.set()

        wanted = {f.path for f in load_folders(self.data_dir) if Path(f.path).is_dir()}
        for path in set(watches) - wanted:
            try:
                observer.unschedule(watches.pop(path))
            except (KeyError, OSError):
                pass
        for path in wanted - set(watches):
            try:
                watches[path] = observer.schedule(Changed(path), path, recursive=True)
            except OSError as exc:  # e.g. inotify's watch limit: the periodic pass still keeps it in sync
                self.out(f"note     {path}: changes are not seen as they happen ({exc.strerror or exc}); "
                         f"it is checked every {RESCAN_SECONDS:.0f} s")


def hold_run_lock(data_dir: Path) -> FileLock:
    """The data dir's run lock, held; AlreadyRunning when another process has it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / RUN_LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise AlreadyRunning(f"another `watch run` is already keeping the folders of {data_dir} in sync") from exc
    return lock


def _skipped(root: Path, path: str) -> bool:
    """An event about a hidden, lock, partial or backup file only (below the watched folder, which
    may itself sit in a hidden one): no pass for it."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return False
    return any(skip_reason(part) for part in parts)


def _quiet(changed: threading.Event) -> None:
    """Wait for a burst of events to end (QUIET_SECONDS without one, MAX_QUIET_SECONDS at most)."""
    ends = time.monotonic() + MAX_QUIET_SECONDS
    changed.clear()
    while time.monotonic() < ends and changed.wait(QUIET_SECONDS):
        changed.clear()


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
