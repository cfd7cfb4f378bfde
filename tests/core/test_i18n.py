"""Core's translatable messages (core/i18n.py): English exactly as the code wrote it, Korean from a
catalog, nested parts translated with their sentence, and nothing lost on the way through a copy, an
exception or a catalog with a slip in it."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from core import i18n
from core.i18n import Text, catalogued, environment_language, in_language, joined, language_of, message_of, say, say_n
from tests.i18n_helpers import use_korean

KOREAN = {
    "{name}: {doing}": "{name}: {doing}",
    "reading the file": "파일을 읽는 중",
    "empty file (0 bytes)": "빈 파일이에요(0바이트).",
    "{seconds:.1f} s": "{seconds:.1f}초",
    "file is {size:,.1f} MB": "파일이 {size:,.1f}MB예요",
    "broken {name}": "{missing} 고장",
    "ready": "준비됨",
}
PLURALS = {("{n} chunk", "{n} chunks"): "구절 {n}개"}


@pytest.fixture
def korean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_korean(tmp_path, monkeypatch, KOREAN, PLURALS)


def test_say_is_the_english_sentence_exactly():
    said = say("file is {size:,.1f} MB", size=1536.25)
    assert said == "file is 1,536.2 MB" and isinstance(said, str) and isinstance(said, Text)
    assert say("empty file (0 bytes)") == "empty file (0 bytes)"
    assert f"{say('{seconds:.1f} s', seconds=2.345)}!" == "2.3 s!"  # used as any other str


def test_say_n_picks_the_english_form_and_fills_n():
    assert [say_n("{n} chunk", "{n} chunks", n) for n in (0, 1, 2)] == ["0 chunks", "1 chunk", "2 chunks"]
    assert say_n("{n} page of {name}", "{n} pages of {name}", 3, name="a.pdf") == "3 pages of a.pdf"


def test_korean_comes_from_the_catalog(korean):
    assert in_language(say("empty file (0 bytes)"), "ko") == "빈 파일이에요(0바이트)."
    assert in_language(say("file is {size:,.1f} MB", size=1536.25), "ko") == "파일이 1,536.2MB예요"
    assert in_language(say_n("{n} chunk", "{n} chunks", 3), "ko") == "구절 3개"
    assert in_language(say("empty file (0 bytes)"), "en") == "empty file (0 bytes)"


def test_a_sentence_not_in_the_catalog_stays_english(korean):
    assert in_language(say("no such {thing}", thing="entry"), "ko") == "no such entry"


def test_nested_texts_are_translated_with_their_sentence(korean):
    line = say("{name}: {doing}", name="report.pdf", doing=say("reading the file"))
    assert line == "report.pdf: reading the file"
    assert in_language(line, "ko") == "report.pdf: 파일을 읽는 중"


def test_joined_keeps_each_part_translatable(korean):
    parts = joined(", ", [say_n("{n} chunk", "{n} chunks", 12), "plain", say("{seconds:.1f} s", seconds=0.25)])
    assert parts == "12 chunks, plain, 0.2 s"
    assert in_language(parts, "ko") == "구절 12개, plain, 0.2초"
    assert joined("; ", []) == ""


def test_a_plain_sentence_is_looked_up_whole(korean):
    assert in_language("empty file (0 bytes)", "ko") == "빈 파일이에요(0바이트)."  # a note stored as English
    assert in_language("2 pages read with OCR", "ko") == "2 pages read with OCR"  # numbers in it: not found
    assert in_language("", "ko") == ""


def test_catalogued_translates_a_word_the_catalog_holds(korean):
    assert catalogued("ready") == "ready" and in_language(catalogued("ready"), "ko") == "준비됨"
    assert in_language(say("{name}: {state}", name="m", state=catalogued("ready")), "ko") == "m: 준비됨"


def test_a_slip_in_a_translation_gives_the_english_sentence(korean):
    assert in_language(say("broken {name}", name="x"), "ko") == "broken x"  # its Korean names {missing}


def test_an_exception_keeps_its_text():
    text = say("empty file (0 bytes)")
    assert message_of(ValueError(text)) is text
    assert not isinstance(str(ValueError(text)), Text)  # why message_of exists
    assert message_of(ValueError("plain")) == "plain" and message_of(ValueError("a", "b")) == "('a', 'b')"


def test_copies_keep_the_text_and_a_pickle_the_english():
    text = say("{seconds:.1f} s", seconds=1.0)
    assert copy.copy(text) is text and copy.deepcopy({"note": text})["note"] is text
    restored = pickle.loads(pickle.dumps(text))
    assert restored == "1.0 s" and type(restored) is str


def test_language_of_codes():
    assert [language_of(c) for c in ("ko", "ko_KR.UTF-8", "ko-KR", "EN_us", "de_DE", "", None)] == [
        "ko", "ko", "ko", "en", None, None, None]


def test_environment_language_reads_as_gettext_does():
    assert environment_language({}) == "en"
    assert environment_language({"LANG": "ko_KR.UTF-8"}) == "ko"
    assert environment_language({"LANGUAGE": "de:ko", "LANG": "en_US.UTF-8"}) == "ko"  # the first with a catalog
    assert environment_language({"LC_ALL": "C.UTF-8", "LANG": "ko_KR.UTF-8"}) == "en"  # the first set decides
    assert environment_language({"LANGUAGE": "", "LC_MESSAGES": "ko_KR"}) == "ko"  # an empty one is skipped


def test_english_needs_no_catalog():
    assert i18n.translations("en") is i18n.ENGLISH
