"""What one pass did to one folder, as a record (tests, ``watch run``'s lines) and as lines a user reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.cli_text import core_message
from core.i18n import say


@dataclass
class PassReport:
    folder: str
    added: list[tuple[str, str]] = field(default_factory=list)  # (path, library name)
    replaced: list[str] = field(default_factory=list)
    linked: list[tuple[str, str]] = field(default_factory=list)  # bytes already in the library, as that name
    moved: list[tuple[str, str]] = field(default_factory=list)  # (from, to): the document kept
    removed: list[tuple[str, str]] = field(default_factory=list)  # (path, library name) deleted
    kept: list[tuple[str, str]] = field(default_factory=list)  # (path, why its document stays) when it went
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    waiting: list[str] = field(default_factory=list)  # still being written: the next pass takes them
    missing: list[str] = field(default_factory=list)  # gone, inside the grace period
    paused: str = ""
    next_due: float | None = None  # when a waiting or missing file wants another pass (wall clock)

    def wait(self, rel: str, due: float) -> None:
        self.waiting.append(rel)
        self._due(due)

    def gone_soon(self, rel: str, due: float) -> None:
        self.missing.append(rel)
        self._due(due)

    def _due(self, due: float) -> None:
        self.next_due = due if self.next_due is None else min(self.next_due, due)

    def lines(self) -> list[str]:
        """One line per file that something happened to, its path from the watched folder; each a
        ``core.i18n.say`` sentence (English as it is, said in the reader's language by the CLI or a page)."""
        def at(rel: str) -> str:
            return f"{self.folder}/{rel}"

        def named(rel: str, name: str) -> str:
            return at(rel) if rel.rsplit("/", 1)[-1] == name else say("{path} as {name}", path=at(rel), name=name)

        out: list[str] = [say("paused   {folder}: {reason}", folder=self.folder, reason=core_message(self.paused))
                          ] if self.paused else []
        out += [say("added    {path}", path=named(rel, name)) for rel, name in self.added]
        out += [say("replaced {path}", path=at(rel)) for rel in self.replaced]
        out += [say("moved    {old} -> {new}", old=at(old), new=new) for old, new in self.moved]
        out += [say("known    {path} (already in the library as {name})", path=at(rel), name=name)
                for rel, name in self.linked]
        out += [say("removed  {path} ({name})", path=at(rel), name=name) for rel, name in self.removed]
        out += [say("gone     {path} ({why})", path=at(rel), why=core_message(why)) for rel, why in self.kept]
        out += [say("failed   {path}: {reason}", path=at(rel), reason=core_message(reason))
                for rel, reason in self.failed]
        out += [say("waiting  {path} (still being written)", path=at(rel)) for rel in self.waiting]
        out += [say("missing  {path} (removed if it stays away)", path=at(rel)) for rel in self.missing]
        return out
