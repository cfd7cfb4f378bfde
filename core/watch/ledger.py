"""Who holds which document: the library's documents (read once per pass) beside every watched file
that maps to one, so a pass can tell whether a document may go when its file goes.

A document is deleted only when the watcher added it (``owned``) and no other watched file still maps
to it: two copies of one file in a folder are one document (same sha256), and deleting either copy
must not take it from the other. A document that was in the library before its file was watched is
never deleted by the watcher.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from core.store.records import DocumentRecord
from core.watch.state import FileEntry, WatchState

Key = tuple[str, str]  # (folder, relative path)


@dataclass(frozen=True)
class Known:
    """What a pass needs of a library document: built from a listing, or from an ingest's result
    without asking the library again."""

    sha256: str
    name: str
    collection: str

    @classmethod
    def of(cls, doc: DocumentRecord) -> Known:
        return cls(doc.sha256, doc.name, doc.collection)


@dataclass
class Ledger:
    by_sha: dict[str, Known]
    by_name: dict[str, Known]  # the newest document of each name, as find_by_name answers
    state: WatchState
    holders: dict[str, set[Key]] = field(default_factory=lambda: defaultdict(set))
    reserved: set[str] = field(default_factory=set)  # names promised to files of this pass, not stored yet

    @classmethod
    def build(cls, documents: list[DocumentRecord], state: WatchState) -> Ledger:
        ledger = cls({}, {}, state)
        for doc in documents:  # oldest first: the newest of a name wins
            ledger.add_document(Known.of(doc))
        for folder, rel, entry in state.entries():
            if entry.sha256:
                ledger.holders[entry.sha256].add((folder, rel))
        return ledger

    def add_document(self, doc: Known) -> None:
        self.by_sha[doc.sha256] = doc
        self.by_name[doc.name] = doc

    def forget_document(self, sha256: str) -> None:
        doc = self.by_sha.pop(sha256, None)
        if doc is not None and self.by_name.get(doc.name) is doc:
            del self.by_name[doc.name]

    def taken(self, name: str) -> bool:
        """Whether a library name belongs to another document (or to another file of this pass)."""
        return name in self.by_name or name in self.reserved

    def put(self, folder: str, rel: str, entry: FileEntry) -> None:
        """Track ``entry`` as the file at ``rel``, replacing what was tracked there."""
        self.drop(folder, rel)
        self.state.folder(folder).files[rel] = entry
        if entry.sha256:
            self.holders[entry.sha256].add((folder, rel))

    def drop(self, folder: str, rel: str) -> FileEntry | None:
        entry = self.state.folder(folder).files.pop(rel, None)
        if entry is not None and entry.sha256:
            self.holders[entry.sha256].discard((folder, rel))
        return entry

    def other_holders(self, sha256: str, key: Key) -> list[Key]:
        return sorted(self.holders.get(sha256, set()) - {key})

    def owner(self, sha256: str) -> Key | None:
        """The watched file that owns this document, if any."""
        return next((k for k in sorted(self.holders.get(sha256, set()))
                     if self.state.folder(k[0]).files[k[1]].owned), None)

    def entry(self, key: Key) -> FileEntry:
        return self.state.folder(key[0]).files[key[1]]
