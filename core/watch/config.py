"""The watch list: which folders of this machine feed the library, into which collection, which files.

It is configuration, not a cache: paths on this machine that the user typed. So a damaged watch list is
reported and left alone for the user to fix (never overwritten with an empty one), unlike the per-file
state (core/watch/state.py), which is rebuilt. Both live in the data dir as JSON, written atomically
(core/store/files.py) under one file lock, so `watch add` and a running `watch run` never write at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock

from core.i18n import say
from core.store.files import atomic_write_bytes, make_private
from core.store.rules import now

WATCH_FILE = "watch.json"
LOCK_FILE = "watch.lock"
LOCK_SECONDS = 30  # writers hold it for one small JSON write; longer means a stuck process
VERSION = 1


class WatchError(ValueError):
    """A watch command refused; the message is one sentence for the user."""


@dataclass(frozen=True)
class WatchedFolder:
    """One folder as the user added it; ``path`` is absolute with symlinks resolved, so the same
    folder reached two ways is one entry and a link inside it cannot lead outside it."""

    path: str
    collection: str = ""
    globs: tuple[str, ...] = ()
    added: str = field(default="", compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "collection": self.collection, "globs": list(self.globs), "added": self.added}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WatchedFolder:
        globs = data.get("globs") or []
        if not isinstance(data.get("path"), str) or not isinstance(globs, list):
            raise ValueError("a folder without a path")
        return cls(data["path"], str(data.get("collection") or ""), tuple(str(g) for g in globs),
                   str(data.get("added") or ""))


@contextmanager
def locked(data_dir: Path) -> Iterator[None]:
    """Held around every write of the watch list and of the state file, by any process."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(data_dir / LOCK_FILE), timeout=LOCK_SECONDS):
        yield


def write_json(target: Path, data: dict[str, Any]) -> None:
    """Atomic (temp file, fsync, rename) and private to the user: these files name the user's files."""
    atomic_write_bytes(target, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    make_private(target)


def load_folders(data_dir: Path) -> list[WatchedFolder]:
    """The watch list; none yet is an empty list. Raises WatchError when the file cannot be read."""
    path = data_dir / WATCH_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise WatchError(f"the watch list {path} cannot be read ({exc.strerror})") from exc
    try:
        data = json.loads(raw)
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, not {VERSION}")
        return [WatchedFolder.from_json(item) for item in data["folders"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WatchError(f"the watch list {path} is damaged ({exc}); fix it or delete it and add the folders "
                         "again (nothing in the library was changed)") from exc


def _save_folders(data_dir: Path, folders: list[WatchedFolder]) -> None:
    write_json(data_dir / WATCH_FILE, {"version": VERSION, "folders": [f.to_json() for f in folders]})


def _inside(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def add_folder(data_dir: Path, directory: Path, collection: str = "", globs: tuple[str, ...] = ()) -> WatchedFolder:
    """Add (or, for a folder already watched, update) one folder. Refused: what is not a folder, the
    library's own data dir (or a folder around it: the watcher would read its own stored originals),
    and a folder inside or around another watched one (each file would belong to two folders)."""
    folder = directory.expanduser().resolve()
    if not folder.is_dir():
        raise WatchError(say("{directory} is not a folder", directory=directory))
    data = data_dir.expanduser().resolve()
    if _inside(folder, data) or _inside(data, folder):
        raise WatchError(say("{folder} holds the library itself ({data}); watch a folder of documents instead",
                             folder=folder, data=data))
    entry = WatchedFolder(str(folder), collection.strip(), tuple(g for g in globs if g.strip()),
                          now())
    with locked(data_dir):
        folders = load_folders(data_dir)
        for other in folders:
            there = Path(other.path)
            if there != folder and (_inside(folder, there) or _inside(there, folder)):
                raise WatchError(say("{folder} overlaps the watched folder {there}; remove that one first",
                                     folder=folder, there=there))
        kept = [f for f in folders if Path(f.path) != folder]
        _save_folders(data_dir, [*kept, entry])
    return entry


def remove_folder(data_dir: Path, directory: Path) -> WatchedFolder | None:
    """Stop watching a folder (named as added, or by any path that resolves to it; a folder that is
    gone is found by its absolute path). Its documents stay in the library. None if not watched."""
    wanted = {str(directory.expanduser().resolve()), str(directory.expanduser().absolute()), str(directory)}
    with locked(data_dir):
        folders = load_folders(data_dir)
        gone = next((f for f in folders if f.path in wanted), None)
        if gone is not None:
            _save_folders(data_dir, [f for f in folders if f is not gone])
    return gone
