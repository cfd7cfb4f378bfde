"""Watched folders on the Documents page (issue 20, docs/decisions/016-watched-folders.md): the list, add,
stop watching, sync now, and the app's own runner that keeps the folders in sync while the app runs.

The runner is core/watch/runner.py's, started once per process (``st.cache_resource``) on a daemon thread
when there is a watched folder. Like ``python -m core watch run`` it takes the data dir's run lock first: when
a headless ``watch run`` holds it, that process keeps the folders in sync and the app starts no second one
(two would ingest the same new file twice). "Sync now" runs one pass on the same runner, one pass at a time.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import streamlit as st

from core.i18n import message_of
from core.ingest.background import Embedder
from core.service import DocChat
from core.watch.config import WatchError, add_folder, load_folders, remove_folder
from core.watch.report import PassReport
from core.watch.runner import AlreadyRunning, Runner, hold_run_lock
from core.watch.state import FolderState, described, load_state
from core.watch.sync import Timing
from ui import indexing
from ui.i18n import _, ngettext, said
from ui.render import inert_text
from ui.resources import docchat

STARTED_SECONDS = 2.0  # how long the page waits to learn whether the runner got the lock (a file lock: instant)
DECIDING_SECONDS = 15.0  # how long "Sync now" waits for a runner still starting before its own pass
RECENT = 5  # lines of the runner's recent passes under its status line
STATUS_REFRESH = timedelta(seconds=3)  # the status line, and whether the page must redraw its list
PASSED = "watch_passed"  # session key: the lines of the pass Sync now ran, shown after its rerun
BACKGROUND = True  # tests of the page's own buttons switch the runner off, so only their clicks sync


@dataclass
class Keeper:
    """The process's runner: its thread, its stop flag, and what its last pass did (for the status line)."""

    app: DocChat
    background: Embedder | None = None  # the app's embedder: watched files are committed once read, it adds vectors
    runner: Runner | None = None
    elsewhere: bool = False  # another process holds the run lock
    guard: threading.RLock = field(default_factory=threading.RLock)  # one pass at a time, thread or click
    stop: threading.Event = field(default_factory=threading.Event)
    heard: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    last_pass: float | None = None
    failure: str = ""  # why the thread stopped on its own (started again on the next page run)
    decided: threading.Event = field(default_factory=threading.Event)  # the thread knows: runner built, or elsewhere
    _thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread unless it runs; learn at once whether it got the lock. Called on every page run,
        so a runner refused while a headless one ran starts once that one has stopped."""
        if self.running or self.stop.is_set():
            return
        self.decided = decided = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(decided,), name="watched-folders", daemon=True)
        self._thread.start()
        decided.wait(STARTED_SECONDS)

    def _run(self, decided: threading.Event) -> None:
        data_dir = self.app.settings.data_dir
        try:
            lock = hold_run_lock(data_dir)  # released by this thread: filelock counts per thread
        except AlreadyRunning:
            self.elsewhere = True
            decided.set()
            return
        self.elsewhere = False
        try:
            self.runner = _Runner(self.app, data_dir, Timing.from_settings(self.app.settings), self.heard.append,
                                  keeper=self, background=self.background)
            decided.set()
            self.runner.run_forever(self.stop)
        except Exception as exc:  # noqa: BLE001 - a thread's error would otherwise vanish; the page shows it
            self.failure = message_of(exc)
        finally:
            decided.set()
            lock.release()

    def sync_now(self) -> list[PassReport] | None:
        """One pass on this process's runner; None when another process keeps the folders in sync. A click
        while the thread is still taking the run lock waits for it (the lock is this process's, not another's);
        with no thread alive, the click's own pass takes the lock."""
        self.decided.wait(DECIDING_SECONDS)
        runner = self.runner
        if self.running and runner is not None:
            return runner.sync_once()
        return one_pass(self.app)

    def close(self) -> None:
        self.stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)


class _Runner(Runner):
    """core's Runner, its passes taken one at a time (the thread's and a click's) and timed."""

    def __init__(self, *args: Any, keeper: Keeper, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keeper = keeper

    def sync_once(self) -> list[PassReport]:
        with self.keeper.guard:
            reports = super().sync_once()
            self.keeper.last_pass, self.keeper.failure = time.time(), ""
            return reports


_KEEPERS: list[Keeper] = []


@atexit.register
def stop_all() -> None:
    """Stop every runner this process started (at exit, and between tests): the observer stops and the run
    lock is released; a pass in progress ends between two library commits."""
    while _KEEPERS:
        _KEEPERS.pop().close()


@st.cache_resource(show_spinner=False)
def keeper() -> Keeper:
    found = Keeper(docchat(), background=indexing.embedder())
    _KEEPERS.append(found)
    return found


def refusal(path: str) -> str | None:
    """Why a typed folder cannot be watched, checked before core's own checks (one sentence), or None."""
    if not path.strip():
        return _("Type the path of a folder first.")
    folder = Path(path.strip()).expanduser()
    if not folder.exists():
        return _("{path} does not exist on this computer.").format(path=inert_text(str(folder)))
    if not folder.is_dir():
        return _("{path} is a file, not a folder.").format(path=inert_text(str(folder)))
    return None


def report_lines(reports: list[PassReport]) -> list[str]:
    return [line for report in reports for line in report.lines()]


def watched_folders() -> None:
    """The Documents page's "Watched folders" block; it starts the runner when a folder is watched."""
    data_dir = docchat().settings.data_dir
    try:
        folders = load_folders(data_dir)
    except WatchError as exc:
        folders = []
        st.error(inert_text(said(message_of(exc))))
    state = load_state(data_dir)
    running = keeper() if folders and BACKGROUND else None
    if running is not None:
        running.start()
    with st.expander(_("Watched folders"), expanded=bool(folders)):
        if running is not None and running.elsewhere:
            st.info(_("Another process (`python -m core watch run`) keeps these folders in sync; the app starts no "
                      "second one."), icon="🔒")
        elif running is not None:
            # made a fragment here, at each run, as indexing.progress does: decorated once at import, it was
            # never run again on its own in the app (seen in the browser: "last pass 1 second ago" for minutes)
            st.fragment(_status, run_every=STATUS_REFRESH)(running)
        _passed()
        for folder in folders:
            _folder(folder.path, described(folder, state.folders.get(folder.path, FolderState())))
        _add_form()
        if folders and not (running is not None and running.elsewhere):
            _sync_button(running)


def _folder(path: str, item: dict[str, Any]) -> None:
    left, right = st.columns([4, 1])
    details = [ngettext("{n} document in the library", "{n} documents in the library", item["documents"])]
    if item["collection"]:
        details.append(_("collection {collection}").format(collection=inert_text(item["collection"])))
    if item["globs"]:
        details.append(_("only {globs}").format(globs=inert_text(", ".join(item["globs"]))))
    if item["missing"]:
        details.append(ngettext("{n} file missing", "{n} files missing", len(item["missing"])))
    left.markdown(f"**{inert_text(path)}** · " + " · ".join(details))
    if item["paused"]:
        left.warning(_("Paused: {reason}").format(reason=inert_text(said(item["paused"]))))
    for failed in item["failed"]:
        left.caption(_("Failed: {path}: {reason}").format(path=inert_text(failed["path"]),
                                                          reason=inert_text(said(failed["error"]))))
    if right.button(_("Stop watching"), key=f"unwatch_{path}", help=_("Its documents stay in the library.")):
        remove_folder(docchat().settings.data_dir, Path(path))
        st.toast(_("Stopped watching {path}; its documents stay in the library.").format(path=inert_text(path)))
        st.rerun()


def _add_form() -> None:
    with st.form("watch_folder", clear_on_submit=False):
        left, right = st.columns([3, 1])
        path = left.text_input(_("Folder path"), placeholder=_("e.g. /home/me/Documents/reports"))
        collection = right.text_input(_("Collection (optional)"))
        submitted = st.form_submit_button(_("Watch this folder"))
    if not submitted:
        return
    if (why := refusal(path)) is not None:
        st.error(why)
        return
    try:
        added = add_folder(docchat().settings.data_dir, Path(path.strip()), collection)
    except WatchError as exc:
        st.error(inert_text(said(message_of(exc))))
        return
    st.toast(_("Watching {path}.").format(path=inert_text(added.path)))
    st.rerun()


def _sync_button(running: Keeper | None) -> None:
    if not st.button(_("Sync now"), help=_("Compare the watched folders with the library once, now.")):
        return
    reports: list[PassReport] | None
    with st.spinner(_("Syncing the watched folders…")):
        # no runner in this process (tests switch it off): one pass of our own, under the lock
        reports = running.sync_now() if running is not None else one_pass(docchat())
    if reports is None:
        st.info(_("Another process (`python -m core watch run`) keeps these folders in sync; the app starts no "
                  "second one."), icon="🔒")
        return
    st.session_state[PASSED] = report_lines(reports)  # shown after the rerun, above a list that counts them
    st.rerun()


def _passed() -> None:
    """What the last click of Sync now did, one line per file (or that nothing changed)."""
    lines = st.session_state.pop(PASSED, None)
    if lines is None:
        return
    if not lines:
        st.success(_("Nothing changed: the library matches the watched folders."))
    for line in lines:
        (st.error if line.startswith("failed") else st.success)(inert_text(said(line)))


def one_pass(app: DocChat) -> list[PassReport] | None:
    """One pass under the data dir's run lock; None when another process holds it."""
    try:
        lock = hold_run_lock(app.settings.data_dir)
    except AlreadyRunning:
        return None
    try:
        return Runner(app, app.settings.data_dir, Timing.from_settings(app.settings), lambda line: None).sync_once()
    finally:
        lock.release()


def _status(running: Keeper) -> None:
    """The runner's last pass, refreshed on its own; the whole page runs again when its passes changed the
    library (``indexing.redraw_if_changed``), so the documents a folder brings show up without a click."""
    indexing.redraw_if_changed()
    if running.failure:
        st.error(_("Keeping the watched folders in sync stopped: {reason}. It starts again when the page "
                   "reloads.").format(reason=inert_text(said(running.failure))))
    if running.last_pass is None:
        st.caption(_("Keeping the watched folders in sync: the first pass is running."))
        return
    ago = max(0, round(time.time() - running.last_pass))
    st.caption(ngettext("Keeping the watched folders in sync; last pass {n} second ago.",
                        "Keeping the watched folders in sync; last pass {n} seconds ago.", ago))
    for line in list(running.heard)[-RECENT:]:  # what its passes did lately, newest last
        st.caption(inert_text(said(line)))
