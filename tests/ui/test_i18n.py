"""The interface's catalogs (ui/i18n.py): every sentence the pages show has a Korean and an English
translation, and no sentence reaches a Streamlit call without going through the catalog."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from core.i18n import catalog_path
from ui import i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "Home.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
# Core's messages (core.i18n.say / say_n) are in the same catalogs; the pages and the CLI say them.
CORE_SOURCES = sorted((ROOT / "core").rglob("*.py"))
KEYWORDS = {**DEFAULT_KEYWORDS, "say": None, "say_n": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def extracted() -> dict[str, tuple[str, ...]]:
    """msgid -> its forms (one, or singular and plural), as ``pybabel extract`` finds them."""
    found: dict[str, tuple[str, ...]] = {}
    for path in [*SOURCES, *CORE_SOURCES]:
        for _line, message, _comments, _context in extract_from_file("python", path, keywords=KEYWORDS):
            forms = (message,) if isinstance(message, str) else tuple(message)
            found[forms[0]] = forms
    return found


def catalog(language: str):
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


def test_the_source_has_sentences_to_translate():
    found = extracted()
    assert len(found) > 150
    assert "New chat" in found and found["Found {n} passage"] == ("Found {n} passage", "Found {n} passages")


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_sentence_shown_has_a_translation_with_the_same_placeholders(language):
    messages = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog(language) if m.id}
    problems = []
    for msgid, forms in extracted().items():
        message = messages.get(msgid)
        strings = () if message is None else (message.string if isinstance(message.string, tuple) else
                                              (message.string,))
        if message is None or not strings or not all(s.strip() for s in strings):
            problems.append(f"untranslated: {msgid!r}")
            continue
        if len(forms) > 1 and not isinstance(message.id, tuple):
            problems.append(f"not a plural entry: {msgid!r}")
        wanted = set(PLACEHOLDER.findall(forms[-1]))
        problems += [f"placeholders differ: {msgid!r} -> {s!r}" for s in strings
                     if set(PLACEHOLDER.findall(s)) != wanted]
    assert problems == []


def test_the_catalogs_hold_no_sentence_the_source_no_longer_shows():
    shown = set(extracted())
    for language in ("ko", "en"):
        assert {(m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog(language) if m.id} - shown == set()


def test_english_catalog_is_the_code_word_for_word():
    for message in catalog("en"):
        if message.id:
            assert message.string == message.id if isinstance(message.id, str) else tuple(message.string) == message.id


def test_korean_has_one_plural_form_and_english_two():
    assert catalog("ko").num_plurals == 1 and catalog("en").num_plurals == 2
    ko = i18n.translations("ko")
    assert ko.ngettext("Found {n} passage", "Found {n} passages", 3).format(n=3) == "구절 3개를 찾았어요"
    en = i18n.translations("en")
    assert [en.ngettext("Found {n} passage", "Found {n} passages", n).format(n=n) for n in (1, 3)] == [
        "Found 1 passage", "Found 3 passages"]


def test_outside_a_streamlit_run_the_text_is_english():
    assert i18n.language() == "en"
    assert i18n._("New chat") == "New chat"
    assert i18n.ngettext("Reading {n} passage…", "Reading {n} passages…", 2) == "Reading 2 passages…"
    assert i18n.when("2025-01-03T14:05:00+00:00").startswith("2025-01-03 ")


def test_korean_dates_read_as_korean_dates(monkeypatch):
    monkeypatch.setattr(i18n, "language", lambda: "ko")
    assert re.fullmatch(r"2025\. 1\. 3\. (오전|오후) \d{1,2}:05", i18n.when("2025-01-03T14:05:00+00:00"))
    assert i18n.when("not a date") == "not a date"


# Streamlit calls whose first argument, label, help, placeholder or text a user reads.
SHOWN = {"title", "header", "subheader", "caption", "info", "warning", "error", "success", "toast", "write", "text",
         "markdown", "button", "download_button", "form_submit_button", "text_input", "selectbox", "multiselect",
         "slider", "number_input", "select_slider", "checkbox", "radio", "expander", "popover", "status", "spinner",
         "chat_input", "metric", "file_uploader", "dialog", "progress", "update", "image", "page_link"}
FIRST_NOT_SHOWN = {"page_link"}  # its first argument is the page's path
SHOWN_KEYWORDS = {"label", "help", "placeholder", "text", "caption", "page_title"}
WORDS = re.compile(r"[A-Za-z]{2,}")
NOT_TRANSLATED = {"🔒 Private DocChat", "Private DocChat", "Language · 언어"}  # the product's name; the switch


def _literal_words(node: ast.expr) -> str | None:
    """The English words of a literal (or an f-string's literal parts); None when there are none."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    else:
        return None
    return text if WORDS.search(text) and text not in NOT_TRANSLATED else None


def untranslated(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SHOWN):
            continue
        if isinstance(node.func.value, ast.Name) and "log" in node.func.value.id.lower():
            continue  # the server's log, read by whoever runs it
        first = [] if node.func.attr in FIRST_NOT_SHOWN else node.args[:1]
        shown = first + [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        found += [f"{node.lineno}: {words!r}" for arg in shown if (words := _literal_words(arg))]
    return found


def test_no_sentence_reaches_the_page_without_the_catalog():
    problems = [f"{path.relative_to(ROOT)}:{line}" for path in SOURCES
                for line in untranslated(path.read_text(encoding="utf-8"))]
    assert problems == []


def test_the_check_finds_a_sentence_left_in_english():
    source = ('st.info("The library is empty.")\nst.caption(f"Showing {n} files")\nst.button(_("Move"))\n'
              'st.page_link("pages/1_Chat.py", label="Chat")\n_LOGGER.error("for the log")\n')
    assert untranslated(source) == ["1: 'The library is empty.'", "2: 'Showing  files'", "4: 'Chat'"]
