"""Safe display names: user file names are shown and stored as data, never used as paths."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

# C0/C1 control characters, and the bidirectional overrides that make "report\u202eexe.pdf"
# display as "reportfdp.exe"; other format characters (zero-width joiners in Indic or emoji) stay.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_NAME_CHARS = 200


def display_name(raw: str) -> str:
    """Strip directories (``../../etc/passwd`` -> ``passwd``), control characters and excess length.

    Undecodable bytes in a command-line path arrive as lone surrogates, which SQLite cannot store:
    they become U+FFFD here, so such a file is ingested under a readable name instead of failing.
    """
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", raw or ""))
    name = unicodedata.normalize("NFC", text).replace("\\", "/")
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
