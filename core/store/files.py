"""Atomic file writes: temp file in the same folder, fsync, rename over the target, fsync the folder.

The folder's fsync makes the rename itself durable: without it a power cut after ``os.replace``
may bring back the old name (or neither) on some filesystems."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp_path)`` (what it returns is ignored) then rename it onto ``target``; a crash
    leaves the old file whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    atomic_write(target, lambda tmp: tmp.write_bytes(data))


def replace_durably(source: Path, target: Path) -> None:
    """``os.replace`` whose result survives a power cut."""
    os.replace(source, target)
    fsync_dir(target.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private(path: Path) -> None:
    """Owner-only access (0700 for a folder, 0600 for a file): documents are private to the user
    who runs the app, whatever their umask. Missing files are skipped."""
    try:
        path.chmod(0o700 if path.is_dir() else 0o600)
    except FileNotFoundError:
        pass
