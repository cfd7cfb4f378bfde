"""One sync pass: make the library match the watched folders, touching only what changed.

For each folder: list it (stat only), hash the files whose (size, mtime_ns) moved, then
- a file whose bytes are a missing file's is that file moved or renamed: the entry follows it, the
  document stays, nothing is read or embedded again;
- bytes already in the library are tracked, not ingested again;
- a changed file replaces its own document (the ingest's replace path, one transaction);
- a new file is ingested under a name no other document holds (core/watch/naming.py);
- a file that fails is recorded with its reason and left alone until it changes;
- a file missing on passes spanning the grace period has its document removed, if the watcher
  added it and no other watched file still maps to it (core/watch/ledger.py).
A folder that is gone, unreadable, or suddenly on another device with none of its files (a drive
unmounted under its mount point) is paused: nothing of it is removed. So is every deletion of a pass
that rebuilds a lost state. Files are opened read-only, by ``hash_file`` and by the ingest.
"""

from __future__ import annotations

import os
import stat as stat_module
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.i18n import say
from core.ingest.limits import upload_refusal
from core.watch.config import WatchedFolder
from core.watch.ledger import Known, Ledger
from core.watch.naming import could_be, library_name
from core.watch.report import PassReport
from core.watch.scan import FolderGone, Listing, Seen, hash_file, list_folder, stat_of
from core.watch.state import FileEntry, WatchState

if TYPE_CHECKING:
    from core.ingest.records import IngestResult, Upload
    from core.service import DocChat
    from core.settings import Settings

RECHECK_SECONDS = 1.0  # a file that changed while it was hashed is looked at again this soon at the earliest


@dataclass(frozen=True)
class Timing:
    grace_seconds: float = 60.0  # settings.watch_grace_seconds
    settle_seconds: float = 2.0  # settings.watch_settle_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> Timing:
        return cls(settings.watch_grace_seconds, settings.watch_settle_seconds)


@dataclass
class _Planned:
    rel: str
    seen: Seen
    previous: FileEntry | None
    replace: bool


@dataclass
class Syncer:
    """One pass over the given folders; ``save`` is called after each change to the library, so what
    a pass did survives its interruption."""

    app: DocChat
    state: WatchState
    folders: list[WatchedFolder]
    timing: Timing = field(default_factory=Timing)
    clock: Callable[[], float] = time.time
    save: Callable[[], None] = lambda: None
    defer_vectors: bool = False  # commit each file once read; a background embedder adds its vectors
    _ledger: Ledger | None = None

    @property
    def rebuilding(self) -> bool:
        return bool(self.state.problem)

    @property
    def ledger(self) -> Ledger:
        """The library read on first need: a pass that finds nothing changed does not read it."""
        if self._ledger is None:
            self._ledger = Ledger.build(self.app.documents(), self.state)
        return self._ledger

    def run(self) -> list[PassReport]:
        watched = {f.path for f in self.folders}
        for gone in set(self.state.folders) - watched:
            del self.state.folders[gone]
        return [self.sync_folder(folder) for folder in self.folders]

    def sync_folder(self, folder: WatchedFolder) -> PassReport:
        report = PassReport(folder.path)
        fs = self.state.folder(folder.path)
        listing = self._listing(folder, report)
        if listing is None:
            fs.paused = report.paused
            return report
        fs.paused = ""
        now = self.clock()
        changes = self._changed_files(folder, listing, now, report)
        missing = [rel for rel in fs.files if rel not in listing.files and listing.covers(rel)]
        changes = self._follow_moves(folder, changes, missing, report)
        self._ingest(folder, self._plan(folder, changes, report), report)
        self._missing(folder, [rel for rel in missing if rel in fs.files], now, report)
        return report

    # -- listing ----------------------------------------------------------------------------------
    def _listing(self, folder: WatchedFolder, report: PassReport) -> Listing | None:
        fs = self.state.folder(folder.path)
        root = Path(folder.path)
        try:
            st = os.stat(root)
            if not stat_module.S_ISDIR(st.st_mode):
                raise NotADirectoryError(20, "not a folder")
            listing = list_folder(root, folder.globs)
        except (OSError, FolderGone) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            report.paused = say("the folder cannot be read ({reason}: an unmounted drive, or moved?); nothing is "
                                "removed", reason=reason)
            return None
        if fs.device is not None and st.st_dev != fs.device and fs.files and not fs.files.keys() & listing.files:
            report.paused = say("the folder is on another device now and none of its files are there (a drive "
                                "unmounted under it?); nothing is removed")
            return None
        fs.device = st.st_dev
        return listing

    def _changed_files(self, folder: WatchedFolder, listing: Listing, now: float,
                       report: PassReport) -> list[tuple[str, Seen, str]]:
        """(path, stat, sha256) of each file that is new or changed and done being written."""
        fs = self.state.folder(folder.path)
        changed = []
        for rel, seen in sorted(listing.files.items()):
            entry = fs.files.get(rel)
            if entry is not None:
                entry.missing_since = None
                if _unchanged(entry, seen):
                    continue
            written = seen.mtime_ns / 1e9
            if abs(now - written) < self.timing.settle_seconds:
                report.wait(rel, written + self.timing.settle_seconds)
                continue
            if refusal := upload_refusal(seen.size, self.app.settings.max_upload_mb):  # never hashed: a growing
                self._failed(folder, rel, seen, refusal, report)  # multi-GB log would be read at every change
                continue
            path = Path(folder.path) / rel
            try:
                sha = hash_file(path)
            except OSError as exc:
                self._failed(folder, rel, seen, say("cannot read file ({reason})", reason=exc.strerror or str(exc)),
                             report)
                continue
            if stat_of(path) != seen:  # written to while it was read: the next pass takes it whole
                report.wait(rel, now + max(self.timing.settle_seconds, RECHECK_SECONDS))
                continue
            changed.append((rel, seen, sha))
        return changed

    # -- moves, links, replacements, new files ----------------------------------------------------
    def _follow_moves(self, folder: WatchedFolder, changes: list[tuple[str, Seen, str]], missing: list[str],
                      report: PassReport) -> list[tuple[str, Seen, str]]:
        """A changed file with the bytes of a missing one is that one, moved: its entry follows it."""
        fs = self.state.folder(folder.path)
        by_sha: dict[str, list[str]] = {}
        for rel in missing:
            if fs.files[rel].sha256 and fs.files[rel].name:
                by_sha.setdefault(fs.files[rel].sha256, []).append(rel)
        rest = []
        for rel, seen, sha in changes:
            if not by_sha.get(sha):
                rest.append((rel, seen, sha))
                continue
            old_rel = by_sha[sha].pop(0)
            moved = self.ledger.drop(folder.path, old_rel)
            assert moved is not None
            previous = fs.files.get(rel)
            self.ledger.put(folder.path, rel, FileEntry(seen.size, seen.mtime_ns, sha, moved.name, moved.owned))
            if previous is not None and previous.sha256 != sha:  # moved over another file: that one's bytes went
                self._release(folder, rel, previous, report)
            report.moved.append((old_rel, rel))
        return rest

    def _plan(self, folder: WatchedFolder, changes: list[tuple[str, Seen, str]],
              report: PassReport) -> list[tuple[_Planned, Upload]]:
        from core.ingest.records import Upload

        fs = self.state.folder(folder.path)
        planned = []
        for rel, seen, sha in changes:
            previous = fs.files.get(rel)
            known = self.ledger.by_sha.get(sha)
            if known is not None:
                if previous is not None and previous.sha256 == sha:  # touched, or back to what is stored
                    self.ledger.put(folder.path, rel, FileEntry(seen.size, seen.mtime_ns, sha, previous.name,
                                                                previous.owned))
                    continue
                owned = (self.ledger.owner(sha) is None and known.collection == folder.collection
                         and could_be(rel, known.name))
                self.ledger.put(folder.path, rel, FileEntry(seen.size, seen.mtime_ns, sha, known.name, owned))
                if previous is not None and previous.sha256:
                    self._release(folder, rel, previous, report)
                report.linked.append((rel, known.name))
                continue
            replace = previous is not None and self._replaceable(folder, rel, previous)
            name = previous.name if replace and previous else library_name(rel, self.ledger.taken)
            self.ledger.reserved.add(name)
            upload = Upload(name, path=Path(folder.path) / rel, collection=folder.collection, replace=replace,
                            defer_vectors=self.defer_vectors)
            planned.append((_Planned(rel, seen, previous, replace), upload))
        return planned

    def _replaceable(self, folder: WatchedFolder, rel: str, previous: FileEntry) -> bool:
        """A changed file replaces its document only when that document is its own: added by the watcher,
        still under its name in the library, and not also the document of another watched file."""
        stored = self.ledger.by_name.get(previous.name)
        return (previous.owned and stored is not None and stored.sha256 == previous.sha256
                and not self.ledger.other_holders(previous.sha256, (folder.path, rel)))

    def _ingest(self, folder: WatchedFolder, planned: list[tuple[_Planned, Upload]], report: PassReport) -> None:
        """Ingest what the plan says, unless every file would fail for a reason that is not the file's:
        those files are not marked failed (that would stick until each one changes) but wait."""
        if not planned:
            return
        from core.embeddings import embedding_name  # what the ingest checks: the embedder it would use

        built_with = self.app.built_with()
        if built_with and built_with != embedding_name(self.app.embeddings) and self.app.has_documents():
            report.paused = say("{n} new or changed files wait: the library was built with {built_with}, not the "
                                "configured embedding model; run `python -m core reindex` first", n=len(planned),
                                built_with=built_with)
            return
        results = self.app.ingest_uploads([upload for _, upload in planned])
        for (plan, _upload), result in zip(planned, results, strict=True):
            self._landed(folder, plan, result, report)

    def _landed(self, folder: WatchedFolder, plan: _Planned, result: IngestResult, report: PassReport) -> None:
        rel, seen, previous = plan.rel, plan.seen, plan.previous
        if not result.ok:
            self._failed(folder, rel, seen, result.message, report)
            return
        if result.duplicate:  # the same bytes landed first: another file of this pass, or another process
            known = self.ledger.by_sha.get(result.sha256)
            if known is None and (found := self.app.find_documents(result.sha256)):
                known = Known.of(found[0])
                self.ledger.add_document(known)
            if known is not None:
                self.ledger.put(folder.path, rel, FileEntry(seen.size, seen.mtime_ns, result.sha256, known.name))
                report.linked.append((rel, known.name))
            return
        if plan.replace and previous is not None:
            self.ledger.forget_document(previous.sha256)
        self.ledger.add_document(Known(result.sha256, result.name, folder.collection.strip()))
        self.ledger.put(folder.path, rel, FileEntry(seen.size, seen.mtime_ns, result.sha256, result.name, True))
        if plan.replace:
            report.replaced.append(rel)
        else:
            if previous is not None and previous.sha256:  # its old version went under another name
                self._release(folder, rel, previous, report)
            report.added.append((rel, result.name))
        self.save()

    # -- failures and deletions -------------------------------------------------------------------
    def _failed(self, folder: WatchedFolder, rel: str, seen: Seen, reason: str, report: PassReport) -> None:
        """Recorded with the stat it failed at; the document of an earlier version stays tracked."""
        previous = self.state.folder(folder.path).files.get(rel)
        entry = FileEntry(seen.size, seen.mtime_ns, error=reason, ctime_ns=seen.ctime_ns)
        if previous is not None:
            entry.sha256, entry.name, entry.owned = previous.sha256, previous.name, previous.owned
        self.ledger.put(folder.path, rel, entry)
        report.failed.append((rel, reason))

    def _missing(self, folder: WatchedFolder, missing: list[str], now: float, report: PassReport) -> None:
        if self.rebuilding:
            return
        fs = self.state.folder(folder.path)
        for rel in missing:
            entry = fs.files[rel]
            if entry.missing_since is None:
                entry.missing_since = now
            due = entry.missing_since + self.timing.grace_seconds
            if now < due:
                report.gone_soon(rel, due)
                continue
            self.ledger.drop(folder.path, rel)
            if kept := self._release(folder, rel, entry, report):
                report.kept.append((rel, kept))

    def _release(self, folder: WatchedFolder, rel: str, entry: FileEntry, report: PassReport) -> str:
        """``entry``'s document is no longer this file's. Another watched file with the same bytes takes
        it over (moved to that folder's collection); else it is deleted if the watcher added it. Returns
        why the document stays, "" when it went (or there was none)."""
        sha = entry.sha256
        if not sha or sha not in self.ledger.by_sha:
            return ""
        name = self.ledger.by_sha[sha].name
        heirs = self.ledger.other_holders(sha, (folder.path, rel))
        if heirs:
            if entry.owned:
                self.ledger.entry(heirs[0]).owned = True
                collection = next((f.collection for f in self.folders if f.path == heirs[0][0]), folder.collection)
                if self.ledger.by_sha[sha].collection != collection:
                    self.app.set_collection(sha, collection)
            return say("{name} stays: {path} has the same bytes", name=name, path=f"{heirs[0][0]}/{heirs[0][1]}")
        if not entry.owned:
            return say("{name} stays: it was in the library before this folder was watched", name=name)
        if self.rebuilding:
            return say("{name} stays until a pass with the rebuilt watch state", name=name)
        removed = self.app.delete(sha)
        self.ledger.forget_document(sha)
        if removed is not None:
            report.removed.append((rel, removed.name))
            self.save()
        return ""


def _unchanged(entry: FileEntry, seen: Seen) -> bool:
    """Same size and mtime; a failed file also needs the same ctime (a chmod that fixes it is a change)."""
    same = entry.size == seen.size and entry.mtime_ns == seen.mtime_ns
    return same and (not entry.error or entry.ctime_ns == seen.ctime_ns)
