"""The library name a watched file is stored under.

The library finds a document's earlier version by name (``find_by_name``) and stores only the file
name, without folders, so ``a/report.pdf`` and ``b/report.pdf`` in one watched folder would be one
name: the second would be taken for a new version of the first and replace it. A file therefore gets
its own name, and a name already held by another document is never reused: the second report is
stored as ``report (b).pdf`` (its folder's name), or ``report (2).pdf`` when that is taken too.
"""

from __future__ import annotations

import re
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


def could_be(rel: str, name: str) -> bool:
    """Whether ``name`` is one this file could have been given: a document already in the library
    under such a name, in the folder's collection, is taken as this file's (a lost state rebuilt)."""
    if name in candidates(rel):
        return True
    path = PurePosixPath(rel)
    numbered = re.escape(display_name(path.stem)) + r" \(\d+\)" + re.escape(path.suffix)
    return re.fullmatch(numbered, name) is not None
