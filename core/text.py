"""Small wording helpers shared by the CLI and the pages."""

from __future__ import annotations

from datetime import datetime


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def local_time(iso: str) -> str:
    """An ISO timestamp (stored in UTC) as local time to the minute, for people to read."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso
