"""What one pass did to one folder, as a record (tests, ``watch run``'s lines) and as lines a user reads."""

from __future__ import annotations

from dataclasses import dataclass, field


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
        """One line per file that something happened to, its path from the watched folder."""
        def at(rel: str) -> str:
            return f"{self.folder}/{rel}"

        def named(rel: str, name: str) -> str:
            return at(rel) if rel.rsplit("/", 1)[-1] == name else f"{at(rel)} as {name}"

        out = [f"paused   {self.folder}: {self.paused}"] if self.paused else []
        out += [f"added    {named(rel, name)}" for rel, name in self.added]
        out += [f"replaced {at(rel)}" for rel in self.replaced]
        out += [f"moved    {at(old)} -> {new}" for old, new in self.moved]
        out += [f"known    {at(rel)} (already in the library as {name})" for rel, name in self.linked]
        out += [f"removed  {at(rel)} ({name})" for rel, name in self.removed]
        out += [f"gone     {at(rel)} ({why})" for rel, why in self.kept]
        out += [f"failed   {at(rel)}: {reason}" for rel, reason in self.failed]
        out += [f"waiting  {at(rel)} (still being written)" for rel in self.waiting]
        out += [f"missing  {at(rel)} (removed if it stays away)" for rel in self.missing]
        return out
