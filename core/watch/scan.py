"""List a watched folder: every file that counts, with the stat that says whether it changed.

Only ``stat`` here, no reading: a pass over an unchanged folder of thousands of files costs one
``scandir`` per folder, and only files whose (size, mtime_ns) moved are hashed afterwards (``hash_file``).
Symlinks are never followed, to files or to folders: one that points outside would read (and store)
a file outside the watched folder, and one that points inside would store a file twice.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from core.watch.filters import skip_reason, wanted

READ_CHUNK = 1 << 20


class FolderGone(Exception):
    """The watched folder cannot be listed at all: unmounted, deleted, renamed, unreadable."""


@dataclass(frozen=True)
class Seen:
    """One file's stat at listing time."""

    size: int
    mtime_ns: int
    ctime_ns: int


@dataclass(frozen=True)
class Listing:
    files: dict[str, Seen]  # relative POSIX path -> stat
    unreadable: tuple[str, ...]  # sub-folders that could not be listed: their files are unknown, not missing
    skipped: int  # hidden, lock, partial and backup files, symlinks

    def covers(self, rel: str) -> bool:
        """Whether this listing can say that ``rel`` is missing (it was not under an unreadable folder)."""
        return not any(rel == unknown or rel.startswith(unknown + "/") for unknown in self.unreadable)


def list_folder(root: Path, globs: tuple[str, ...] = ()) -> Listing:
    """Files under ``root`` that are documents to sync. FolderGone when ``root`` itself cannot be
    listed; a sub-folder that cannot be (permissions) is reported, and the rest is listed."""
    try:
        top = list(os.scandir(root))
    except OSError as exc:
        raise FolderGone(exc.strerror or str(exc)) from exc
    files: dict[str, Seen] = {}
    unreadable: list[str] = []
    skipped = 0
    pending: list[tuple[str, list[os.DirEntry[str]]]] = [("", top)]
    while pending:
        prefix, entries = pending.pop()
        for entry in entries:
            rel = prefix + entry.name
            if skip_reason(entry.name) or entry.is_symlink():
                skipped += 1
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    try:
                        pending.append((rel + "/", list(os.scandir(entry.path))))
                    except OSError:
                        unreadable.append(rel)
                    continue
                if not entry.is_file(follow_symlinks=False) or not wanted(rel, globs):
                    continue
                stat = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # gone between listing and stat: the next pass sees it missing
                continue
            except OSError:  # a file the folder lists but cannot stat: unknown, never "missing"
                unreadable.append(rel)
                continue
            files[rel] = Seen(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    return Listing(files, tuple(sorted(unreadable)), skipped)


def stat_of(path: Path) -> Seen | None:
    """The file's stat now (after hashing: did it change while it was read?); None when it is gone."""
    try:
        stat = path.stat(follow_symlinks=False)
    except OSError:
        return None
    return Seen(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def hash_file(path: Path) -> str:
    """sha256 of the file, read in chunks and opened read-only: the originals are never written.
    Raises OSError (permissions, gone) for the caller to record against this file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(READ_CHUNK):
            digest.update(block)
    return digest.hexdigest()
