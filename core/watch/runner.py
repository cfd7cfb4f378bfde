"""``watch run``: a full pass at start-up (what changed while nothing was running), then a pass
whenever watchdog reports a change, when a waiting or missing file is due, when the watch list
changes, when a watched folder goes away, comes back or is mounted over (its device and inode, looked
at every second: none of that raises an event on the folder's own watch), and every RESCAN_SECONDS anyway.

The passes, not the events, decide what to do: an event only says "look again". Events are lost in
ordinary use (inotify's queue overflows, a network share's changes made on another machine raise none,
a drive comes back), and a pass that compares the folder with the saved state is right whatever was
missed. One runner per data dir (a file lock held while it runs): two would ingest the same new file.
"""

from __future__ import annotations

import os
import stat as stat_module
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from core.i18n import say
from core.watch.config import WATCH_FILE, WatchedFolder, load_folders
from core.watch.filters import skip_reason
from core.watch.report import PassReport
from core.watch.state import WatchState, load_state, save_state
from core.watch.sync import Syncer, Timing

if TYPE_CHECKING:
    from core.ingest.background import Embedder
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
    # The app's or ``watch run``'s background embedder: files are committed as soon as they are read
    # (searchable by their words at once) and it is poked to add their vectors. None: embedded first.
    background: Embedder | None = None
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
                        lambda: self._save(folders, soon=True), defer_vectors=self.background is not None)
        reports = syncer.run()
        if self.background is not None and any(r.added or r.replaced for r in reports):
            self.background.poke()
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
        watches: dict[str, tuple[Any, tuple[int, int]]] = {}
        try:
            while not stop.is_set():
                config = _mtime(self.data_dir / WATCH_FILE)
                folders = self._observe(observer, watches, changed)  # before the pass: no change is lost
                changed.clear()
                reports = self.sync_once()
                due = min([r.next_due for r in reports if r.next_due is not None] + [self.clock() + RESCAN_SECONDS])
                while (not stop.is_set() and self.clock() < due and _mtime(self.data_dir / WATCH_FILE) == config
                       and all(_identity(path) == identity for path, identity in folders.items())):
                    if changed.wait(timeout=max(0.0, min(TICK_SECONDS, due - self.clock()))):
                        _quiet(changed)
                        break
        finally:
            observer.stop()
            observer.join(timeout=10)

    def _observe(self, observer: Any, watches: dict[str, tuple[Any, tuple[int, int]]],
                 changed: threading.Event) -> dict[str, tuple[int, int] | None]:
        """Observe each watched folder that is there; stop observing those removed or gone. Returns each
        folder's identity: one that goes away, comes back or is mounted over raises no event of its own,
        so the loop compares them every TICK_SECONDS (a stat each)."""
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

        # A folder is known by (device, inode): one unmounted and mounted again, or moved away and back,
        # between two passes is another folder to the OS, and the old watch sees nothing of it.
        identities = {f.path: _identity(f.path) for f in load_folders(self.data_dir)}
        wanted = {path: identity for path, identity in identities.items() if identity is not None}
        for path in [p for p, (_, identity) in watches.items() if wanted.get(p) != identity]:
            try:
                observer.unschedule(watches.pop(path)[0])
            except (KeyError, OSError):
                pass
        for path in wanted.keys() - watches.keys():
            try:
                watches[path] = (observer.schedule(Changed(path), path, recursive=True), wanted[path])
            except OSError as exc:  # e.g. inotify's watch limit: the periodic pass still keeps it in sync
                self.out(say("note     {path}: changes are not seen as they happen ({reason}); it is checked every "
                             "{seconds} s", path=path, reason=exc.strerror or str(exc),
                             seconds=f"{RESCAN_SECONDS:.0f}"))
        return identities


def hold_run_lock(data_dir: Path) -> FileLock:
    """The data dir's run lock, held; AlreadyRunning when another process has it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / RUN_LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise AlreadyRunning(say("another `watch run` is already keeping the folders of {data_dir} in sync",
                                 data_dir=data_dir)) from exc
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


def _identity(folder: str) -> tuple[int, int] | None:
    """(device, inode) of a folder that is there, else None."""
    try:
        st = os.stat(folder)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat_module.S_ISDIR(st.st_mode) else None


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
