"""The FAISS index file and its commit protocol: the SQLite commit is the only commit point.

A write stages the new index as ``index.faiss.next`` (temp file, fsync, rename, folder fsync),
records its sha256 in SQLite ``meta`` in the same transaction as the rows it belongs to, commits,
then publishes it (``.next`` renamed over ``index.faiss``). A crash before the commit leaves a
``.next`` that no committed row names: it is discarded. A crash after it leaves the ``.next`` that
``meta`` names: it is published at the next look. Readers trust a file only when its checksum is
the committed one, never by mtime or size, so a same-size rewrite, a truncated file, an older copy
or another library's index is never searched: it is *untrusted*, and the vectors of the library's
rows are rebuilt from their stored text (``core.ingest.background``). Rows are never deleted
because of what the index file says.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.store.files import atomic_write, replace_durably

if TYPE_CHECKING:
    import faiss

CHECKSUM_KEY = "index_checksum"  # meta key: sha256 of the committed index file; "" = no index yet


class UntrustedIndex(Exception):
    """No index file has the checksum the committed rows name (deleted, damaged, replaced)."""


class IndexFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.next_path = path.with_name(path.name + ".next")

    def stage(self, index: faiss.Index) -> str:
        """Write ``index`` as the next version; returns its checksum for ``meta``."""
        import faiss

        atomic_write(self.next_path, lambda tmp: faiss.write_index(index, str(tmp)))
        return _sha256(self.next_path.read_bytes())

    def publish(self) -> None:
        """After the commit: the staged version becomes the index file."""
        if self.next_path.exists():
            replace_durably(self.next_path, self.path)

    def discard(self) -> None:
        """After a rollback: the staged version named no committed row."""
        self.next_path.unlink(missing_ok=True)

    def settle(self, committed: str | None) -> None:
        """Finish what a crashed writer left (the caller holds the write lock): publish a staged
        file the commit names, discard one it does not, and drop the temp files of a write that died."""
        for leftover in self.path.parent.glob(f".{self.path.name}*.tmp"):
            leftover.unlink(missing_ok=True)
        if not self.next_path.exists():
            return
        if committed and _sha256(self.next_path.read_bytes()) == committed:
            self.publish()
        else:
            self.discard()

    def read(self, committed: str | None) -> faiss.Index | None:
        """The index whose checksum is ``committed``: the published file, or the staged one a writer
        committed and has not renamed yet. Bytes are read once and checked before FAISS sees them,
        so a rename in between cannot hand us a file other than the one checked. ``committed`` None
        (a library from before checksums): whatever ``index.faiss`` holds, reconciled by the caller."""
        import faiss

        if committed is None:
            return faiss.read_index(str(self.path)) if self.path.exists() else None
        if committed == "":
            return None
        for path in (self.path, self.next_path, self.path):  # a writer may publish between the looks
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            if _sha256(data) == committed:
                return faiss.deserialize_index(np.frombuffer(data, dtype="uint8"))
        raise UntrustedIndex(f"{self.path.name} is missing or is not the one this library wrote")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
