"""The library name a watched file is stored under.

The library finds a document's earlier version by name (``find_by_name``) and stores only the file
name, without folders, so ``a/report.pdf`` and ``b/report.pdf`` in one watched folder would be one
name: the second would be taken for a new version of the first and replace it. A file therefore gets
its own name, and a name already held by another document is never reused: the second report is
stored as ``report (b).pdf`` (its folder's name), or ``report (2).pdf`` when that is taken too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from core.ingest.names import display_name

MAX_NUMBER = 10_000  # past this many "report (n).pdf" something else is wrong


def candidates(rel: str) -> list[str]:
    """The names this file may be stored under, best first (without the numbered ones)."""
    path = PurePosixPath(rel)
    names = [display_name(path.name)]
    if path.parent.name:
        names.append(display_name(f"{path.stem} ({path.parent.name}){path.suffix}"))
    return names


def library_name(rel: str, taken: Callable[[str], bool]) -> str:
    """The first candidate no other document holds; ``taken(name)`` says whether one does."""
    for name in candidates(rel):
        if not taken(name):
            return name
    path = PurePosixPath(rel)
    for number in range(2, MAX_NUMBER):
        name = display_name(f"{path.stem} ({number}){path.suffix}")
        if not taken(name):
            return name
    raise ValueError(f"no free name for {rel}")
