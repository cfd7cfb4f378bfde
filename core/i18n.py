"""Core's messages in Korean or English, from the same gettext catalogs as the pages
(``locales/<lang>/LC_MESSAGES/messages.po``, read with babel and compiled in memory once per process).

A message core makes for a person (an ingest refusal, an upload's result, a progress line) is built with
``say`` / ``say_n`` / ``joined``. What comes back *is* the English sentence, a ``str`` exactly as before,
so the CLI's output, ``--json`` and every stored note stay as they were; it also remembers how it was
made, so ``in_language`` says it again in the reader's language. A message that went through plain
string operations (an f-string, ``str()``) is only English text again: ``in_language`` then looks the
whole sentence up in the catalog, which still translates sentences without placeholders. An exception
raised with a ``Text`` keeps it as its first argument; ``message_of`` gives it back (``str(exc)`` would not).

The CLI's language is ``--lang``, else the environment's (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
``LANG``, as gettext reads them), else English. Only human output is translated; JSON never is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = ("ko", "en")
DEFAULT = "en"
ENGLISH = NullTranslations()

Render = Callable[[NullTranslations], str]


class Text(str):
    """An English sentence that can be said again in another language (see the module's docstring)."""

    render: Render

    def __new__(cls, render: Render) -> Text:
        text = super().__new__(cls, render(ENGLISH))
        text.render = render
        return text

    # A Text is as immutable as the str it is. Copies (``dataclasses.asdict`` deep-copies every field) are
    # the Text itself; a pickle (a session kept on disk) is the English sentence: closures do not pickle.
    def __copy__(self) -> Text:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Text:
        return self

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return str, (str(self),)


def _in(value: object, catalog: NullTranslations) -> object:
    return value.render(catalog) if isinstance(value, Text) else value


def _filled(template: str, values: Mapping[str, object], catalog: NullTranslations) -> str:
    return template.format(**{key: _in(value, catalog) for key, value in values.items()}) if values else template


def say(template: str, **values: object) -> Text:
    """``template.format(**values)``, translatable: values that are ``Text`` are translated too."""
    return Text(lambda catalog: _filled(catalog.gettext(template), values, catalog))


def say_n(singular: str, plural: str, count: int, **values: object) -> Text:
    """The form for ``count`` with ``{n}`` and ``values`` filled in (Korean has one form, English two)."""
    return Text(lambda catalog: _filled(catalog.ngettext(singular, plural, count), {"n": count, **values}, catalog))


def catalogued(sentence: str) -> Text:
    """A sentence the catalogs already hold under its own words (a model's state, marked where the pages
    list them), as a value: the templates that use it stay literal for ``pybabel extract``."""
    return Text(lambda catalog: catalog.gettext(sentence) if sentence else sentence)


def joined(separator: str, parts: Iterable[str]) -> Text:
    """Parts said one after the other ("12 chunks, 3 pages"), each in the reader's language."""
    kept = list(parts)
    return Text(lambda catalog: separator.join(str(_in(part, catalog)) for part in kept))


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> NullTranslations:
    """The language's catalog, compiled from its ``.po`` in memory (once per process)."""
    path = catalog_path(language)
    if language == DEFAULT or not path.exists():
        return ENGLISH
    # babel only here: it costs ~0.1 s to import, and English (every CLI call by default) needs none of it
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def in_language(text: str, language: str) -> str:
    """``text`` in ``language``: a ``Text`` is made again from its parts; any other sentence is looked up
    whole (a stored note without numbers in it), else left as it is. A translation whose placeholders do
    not fit its template gives the English sentence: a slip in a catalog must not stop a page."""
    catalog = translations(language)
    if isinstance(text, Text):
        try:
            return text.render(catalog)
        except (KeyError, IndexError, ValueError):
            return str(text)
    return catalog.gettext(text) if text else text


def message_of(error: BaseException) -> str:
    """The message an exception was raised with, still a ``Text`` when it was one (``str(error)`` makes
    plain English of it: Python calls ``str()`` on the first argument)."""
    first = error.args[0] if len(error.args) == 1 else None
    return first if isinstance(first, Text) else str(error)


def language_of(code: str | None) -> str | None:
    """``"ko"`` for ``ko``, ``ko_KR.UTF-8``, ``ko-KR``…; None for a language there is no catalog for."""
    short = (code or "").replace("-", "_").split("_")[0].split(".")[0].lower()
    return short if short in LANGUAGES else None


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The language gettext would pick from the environment: the first of ``LANGUAGE`` (a list),
    ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set; English when that one has no catalog."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            for code in value.split(":"):
                if found := language_of(code):
                    return found
            return DEFAULT
    return DEFAULT
