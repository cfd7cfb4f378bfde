"""What the last pass saw of each watched file: a cache, rebuilt by hashing when it is lost.

Per file: (size, mtime_ns) to skip hashing what did not change, the sha256 of the document it maps to,
the library name it was stored under, whether the watcher added that document (only then may the file's
deletion delete it), the reason it last failed, and since when it has been missing. Plain JSON, never a
pickle: a data dir may come from elsewhere, and a cache must not be able to run code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.watch.config import WatchedFolder, locked, write_json

STATE_FILE = "watch-state.json"
VERSION = 1


@dataclass
class FileEntry:
    """One file of a folder, keyed by its path relative to the folder (POSIX separators)."""

    size: int
    mtime_ns: int
    sha256: str = ""  # the document this file maps to; "" when it never reached the library
    name: str = ""  # the document's name in the library (may differ from the file's: collisions, renames)
    owned: bool = False  # the watcher added the document (or took it as this file's): deletion may remove it
    error: str = ""  # why the last attempt failed; retried only when the file changes
    ctime_ns: int = 0  # with an error: a chmod or chown changes this, not mtime, and earns a retry
    missing_since: float | None = None  # wall-clock seconds of the first pass that missed it

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileEntry:
        since = data.get("missing_since")
        return cls(int(data["size"]), int(data["mtime_ns"]), str(data.get("sha256", "")), str(data.get("name", "")),
                   bool(data.get("owned", False)), str(data.get("error", "")), int(data.get("ctime_ns", 0)),
                   None if since is None else float(since))


@dataclass
class FolderState:
    device: int | None = None  # st_dev of the folder: another device there means the drive went away
    paused: str = ""  # why the last pass left this folder alone ("" when it ran)
    files: dict[str, FileEntry] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device, "paused": self.paused, "files": {k: asdict(v) for k, v in self.files.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FolderState:
        device = data.get("device")
        return cls(None if device is None else int(device), str(data.get("paused", "")),
                   {str(k): FileEntry.from_json(v) for k, v in data.get("files", {}).items()})


@dataclass
class WatchState:
    folders: dict[str, FolderState] = field(default_factory=dict)
    problem: str = ""  # set when the file was lost or damaged: the pass rebuilding it deletes nothing

    def folder(self, path: str) -> FolderState:
        return self.folders.setdefault(path, FolderState())

    def entries(self) -> list[tuple[str, str, FileEntry]]:
        """Every (folder, relative path, entry): ownership of a document is decided across folders."""
        return [(folder, rel, entry) for folder, state in self.folders.items() for rel, entry in state.files.items()]


def load_state(data_dir: Path) -> WatchState:
    """The saved state; empty when there is none yet. A damaged or unreadable file gives an empty state
    whose ``problem`` says so in one sentence."""
    path = data_dir / STATE_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return WatchState()
    except OSError as exc:
        return WatchState(problem=_lost(path, exc.strerror or str(exc)))
    try:
        data = json.loads(raw)
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, not {VERSION}")
        return WatchState({str(k): FolderState.from_json(v) for k, v in data["folders"].items()})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return WatchState(problem=_lost(path, str(exc) or type(exc).__name__))


def _lost(path: Path, reason: str) -> str:
    return (f"the watch state {path} could not be read ({reason}): rebuilding it by reading every watched file "
            "again; nothing is removed from the library on this pass")


def save_state(data_dir: Path, state: WatchState, watched: set[str]) -> None:
    """Atomically, under the watch lock; folders no longer ``watched`` are dropped on the way."""
    kept = {path: folder.to_json() for path, folder in state.folders.items() if path in watched}
    with locked(data_dir):
        write_json(data_dir / STATE_FILE, {"version": VERSION, "folders": kept})


def described(folder: WatchedFolder, state: FolderState) -> dict[str, Any]:
    """A folder as `watch list --json` and the Documents page give it: its settings, then what the last
    pass knew (documents in the library, failed files with their reasons, missing files, why it is paused)."""
    files = state.files
    return {**folder.to_json(),
            "documents": sum(1 for e in files.values() if e.sha256 and not e.missing_since),
            "failed": [{"path": rel, "error": e.error} for rel, e in sorted(files.items()) if e.error],
            "missing": sorted(rel for rel, e in files.items() if e.missing_since is not None),
            "paused": state.paused}
