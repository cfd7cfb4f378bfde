"""Uploaded files as they were, under ``uploads/<sha256>``: never at a path made from their name.

They follow the index's commit protocol (``core.store.index_file``): a new original is written as
``<sha256>.pending`` before the rows' transaction and renamed to its final name after the commit.
So after a crash a ``.pending`` file is decided by the rows alone (a listed document keeps it, an
uncommitted one loses it), and a final-named file without a document is never deleted: it is
moved to ``unlisted/`` (an older ``library.sqlite`` put back from a backup must not cost the
originals of the documents it does not know)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from core.store.files import atomic_write_bytes, make_private, replace_durably

log = logging.getLogger(__name__)
PENDING = ".pending"


class Originals:
    def __init__(self, folder: Path, unlisted: Path) -> None:
        self.folder = folder
        self.unlisted = unlisted

    def path(self, sha256: str) -> Path | None:
        """The stored file, or None; only a full sha256 names one (never a path from outside)."""
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None
        for path in (self.folder / sha256, self.folder / (sha256 + PENDING)):
            if path.is_file():
                return path
        return None

    def stage(self, sha256: str, data: bytes) -> bool:
        """Before the commit; False when the original is already stored (nothing to publish)."""
        if (self.folder / sha256).is_file():
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        make_private(self.folder)
        atomic_write_bytes(self.folder / (sha256 + PENDING), data)
        return True

    def publish(self, sha256: str) -> None:
        pending = self.folder / (sha256 + PENDING)
        if pending.exists():
            replace_durably(pending, self.folder / sha256)

    def discard(self, sha256: str) -> None:
        (self.folder / (sha256 + PENDING)).unlink(missing_ok=True)

    def remove(self, sha256: str) -> None:
        """A deleted or replaced document's file (after its rows' commit)."""
        (self.folder / sha256).unlink(missing_ok=True)
        self.discard(sha256)

    def settle(self, listed: set[str]) -> None:
        """After a crash (the caller holds the write lock): publish the pending files of committed
        documents, drop the others and temp files, and move final files no document lists aside."""
        if not self.folder.is_dir():
            return
        with os.scandir(self.folder) as entries:  # names only: a Path per file cost 0.09 s at 10,000 documents
            names = [entry.name for entry in entries]
        for name in names:
            if name.startswith("."):  # temp file of a write that died
                (self.folder / name).unlink(missing_ok=True)
            elif name.endswith(PENDING):
                sha = name.removesuffix(PENDING)
                self.publish(sha) if sha in listed else (self.folder / name).unlink(missing_ok=True)
            elif name not in listed:
                self.unlisted.mkdir(exist_ok=True)
                make_private(self.unlisted)
                replace_durably(self.folder / name, self.unlisted / name)
                log.warning("stored file %s belongs to no document; moved to %s", name, self.unlisted)

    def missing(self, listed: set[str]) -> set[str]:
        """Documents whose stored file is gone (deleted by hand, a partial backup): one listing of the
        folder, not a stat per document (asked on every Documents page run and every ``list``)."""
        try:
            with os.scandir(self.folder) as entries:
                present = {entry.name for entry in entries if entry.is_file()}
        except FileNotFoundError:
            present = set()
        return {sha for sha in listed if sha not in present and sha + PENDING not in present}
