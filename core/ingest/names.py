"""Safe display names: user file names are shown and stored as data, never used as paths."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME_CHARS = 200


def display_name(raw: str) -> str:
    """Strip directories (``../../etc/passwd`` -> ``passwd``), control characters and excess length."""
    name = unicodedata.normalize("NFC", _CONTROL.sub("", raw or "")).replace("\\", "/")
    name = PurePosixPath(name).name.strip()
    if name in ("", ".", ".."):
        name = "unnamed"
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = name[: MAX_NAME_CHARS - len(keep) - 2] + "…" + ("." + keep if keep else "")
    return name


def extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")
