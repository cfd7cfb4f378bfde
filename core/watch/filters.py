"""Which names in a watched folder are documents to keep in sync, and which are someone's work in
progress: hidden files and folders, Office lock files, partial downloads, editor backups."""

from __future__ import annotations

from pathlib import PurePosixPath

from core.ingest.names import extension
from core.ingest.sniff import SUPPORTED

# Browsers and download tools write here and rename to the real name when done (Firefox .part,
# Chrome .crdownload, Safari .download); .tmp is what Office and many tools write before a rename.
PARTIAL_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp")


def skip_reason(name: str) -> str | None:
    """Why a file or folder name is not synced, or None. Hidden covers ``.~lock.x#`` (LibreOffice),
    ``.x.swp`` (vim), ``.DS_Store`` and sync clients' folders (``.git``, ``.dropbox.cache``)."""
    if name.startswith("."):
        return "hidden"
    if name.startswith("~$"):
        return "an Office lock file"
    if name.lower().endswith(PARTIAL_SUFFIXES):
        return "a partial download or temporary file"
    if name.endswith("~"):
        return "an editor's backup"
    return None


def wanted(rel: str, globs: tuple[str, ...]) -> bool:
    """A file the app can ingest, and one of the folder's globs when it has some. A glob without a
    slash is matched against the file name at any depth (``*.pdf``), one with a slash against the path
    from the folder (``reports/*.pdf``); both ignore case, as file systems on laptops do."""
    if extension(rel) not in SUPPORTED:
        return False
    if not globs:
        return True
    path = PurePosixPath(rel.lower())
    return any(path.match(glob.lower()) for glob in globs)
