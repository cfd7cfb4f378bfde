"""A tiny Korean catalog in place of the project's, for tests of core's translatable messages: the
real catalogs are merged from the code later, and a test should neither wait on them nor break with them."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n


def use_korean(folder: Path, monkeypatch: pytest.MonkeyPatch, messages: Mapping[str, str],
               plurals: Mapping[tuple[str, str], str] | None = None) -> None:
    """Write ``messages`` (msgid -> Korean) and ``plurals`` ((singular, plural) -> the one Korean form)
    as ``folder/ko/LC_MESSAGES/messages.po`` and make core read its catalogs from there, through a
    fresh cache: the process's own compiled catalogs are neither used nor spoiled, and ``monkeypatch``
    puts everything back when the test ends."""
    catalog = Catalog(locale="ko")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    for forms, msgstr in (plurals or {}).items():
        catalog.add(forms, (msgstr,))
    where = folder / "ko" / "LC_MESSAGES"
    where.mkdir(parents=True)
    with (where / "messages.po").open("wb") as po:
        write_po(po, catalog)
    monkeypatch.setattr(i18n, "LOCALES", folder)
    monkeypatch.setattr(i18n, "translations", cache(i18n.translations.__wrapped__))
