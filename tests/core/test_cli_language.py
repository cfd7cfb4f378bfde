"""Issue 19: the CLI's human output follows ``--lang``, else LANGUAGE / LC_ALL / LC_MESSAGES / LANG; English
stays byte for byte what scripts read today, and ``--json`` is the same in every language.

Korean comes from a tiny catalog written by the test (tests/i18n_helpers.py), so these tests neither wait
for the project's catalogs nor break when a translation there is reworded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main
from core.cli_text import error, result_line
from core.i18n import in_language, say
from core.ingest.records import IngestResult
from core.service import DocChat
from tests.i18n_helpers import use_korean

KOREAN = {
    "the library is empty": "라이브러리가 비어 있어요",
    "{pages} pages, ": "{pages}페이지, ",
    ", collection {collection}": ", 컬렉션 {collection}",
    "{name}  ({kind}, {pages}{chunks} chunks, added {added}{where}, sha256 {sha})":
        "{name}  ({kind}, {pages}구절 {chunks}개, 추가한 날짜 {added}{where}, sha256 {sha})",
    "error: no document named or hashed {ref} (see `list`)":
        "오류: 이름이나 sha256이 {ref}인 문서가 없어요(`list`로 확인해 보세요)",
    "error: no conversation {id}": "오류: {id} 대화가 없어요",
    "search needs either QUESTION or --batch FILE": "search에는 QUESTION이나 --batch FILE 중 하나가 필요해요",
    "[{n}] {source}{page} (score {score})": "[{n}] {source}{page} (점수 {score})",
    " (add --replace)": " (--replace를 붙여 주세요)",
    "error: {reason}": "오류: {reason}",
    "a test refusal of {name}": "{name} 시험 거절",
}
PLURALS = {
    ("deleted {name} ({n} chunk, sha256 {sha})", "deleted {name} ({n} chunks, sha256 {sha})"):
        "{name}을(를) 삭제했어요(구절 {n}개, sha256 {sha})",
}


@pytest.fixture
def korean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_korean(tmp_path / "locales", monkeypatch, KOREAN, PLURALS)


@pytest.fixture
def library(app: DocChat, monkeypatch: pytest.MonkeyPatch) -> DocChat:
    """Two notes, one in a collection; every command opens this app (fake embedder)."""
    app.ingest_file("harbour.txt", b"The harbour master keeps the tide tables. " * 5, collection="work")
    app.ingest_file("garden.txt", b"The tide of weeds rises in the garden. " * 5)
    monkeypatch.setattr("core.cli.open_library", lambda args: app)
    return app


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _english_lines(app: DocChat) -> list[str]:
    """``list`` as it printed before issue 19, written out here so a change to it shows."""
    lines = []
    for d in app.documents():
        pages = f"{d.pages} pages, " if d.pages is not None else ""
        where = f", collection {d.collection}" if d.collection else ""
        lines.append(f"{d.name}  ({d.kind}, {pages}{d.chunks} chunks, added {d.added}{where}, sha256 {d.sha256[:12]})")
    return lines


def _korean_lines(app: DocChat) -> list[str]:
    lines = []
    for d in app.documents():
        pages = f"{d.pages}페이지, " if d.pages is not None else ""
        where = f", 컬렉션 {d.collection}" if d.collection else ""
        lines.append(f"{d.name}  ({d.kind}, {pages}구절 {d.chunks}개, 추가한 날짜 {d.added}{where}, "
                     f"sha256 {d.sha256[:12]})")
    return lines


@pytest.mark.parametrize("argv", [["--lang", "ko", "list"], ["list", "--lang", "ko"]])
def test_lang_ko_before_or_after_the_command_lists_in_korean(library, korean, capsys, argv):
    code, out, _ = _run(capsys, *argv)
    assert code == 0 and out.splitlines() == _korean_lines(library)


@pytest.mark.parametrize("variable", ["LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"])
def test_a_korean_environment_lists_in_korean(library, korean, capsys, monkeypatch, variable):
    monkeypatch.setenv(variable, "ko_KR.UTF-8" if variable != "LANGUAGE" else "ko:en")
    assert _run(capsys, "list")[1].splitlines() == _korean_lines(library)


def test_english_is_what_it_was_by_flag_and_by_environment(library, korean, capsys, monkeypatch):
    assert _run(capsys, "list")[1].splitlines() == _english_lines(library)  # LANG=C.UTF-8 (tests/conftest.py)
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    assert _run(capsys, "--lang", "en", "list")[1].splitlines() == _english_lines(library)
    assert _run(capsys, "list", "--lang", "en")[1].splitlines() == _english_lines(library)


def test_an_empty_library_says_so_in_korean(app, korean, capsys, monkeypatch):
    monkeypatch.setattr("core.cli.open_library", lambda args: app)
    assert _run(capsys, "--lang", "ko", "list")[1] == "라이브러리가 비어 있어요\n"
    assert _run(capsys, "list")[1] == "the library is empty\n"


@pytest.mark.parametrize("argv", [["list", "--json"], ["search", "tide", "--json"], ["chats", "list", "--json"]])
def test_json_is_the_same_in_every_language(library, korean, capsys, argv):
    library.save_turn(None, "When does the tide turn?", {"role": "assistant", "content": "At noon.", "sources": []})
    english = _run(capsys, "--lang", "en", *argv)
    assert _run(capsys, "--lang", "ko", *argv) == english
    assert json.loads(english[1])


def test_errors_on_stderr_are_korean_and_english_is_unchanged(library, korean, capsys):
    assert _run(capsys, "--lang", "ko", "delete", "nope.txt") == (
        1, "", "오류: 이름이나 sha256이 'nope.txt'인 문서가 없어요(`list`로 확인해 보세요)\n")
    assert _run(capsys, "delete", "nope.txt") == (1, "", "error: no document named or hashed 'nope.txt' (see `list`)\n")
    assert _run(capsys, "--lang", "ko", "chats", "show", "nope") == (1, "", "오류: nope 대화가 없어요\n")
    assert _run(capsys, "chats", "show", "nope", "--lang", "ko") == (1, "", "오류: nope 대화가 없어요\n")
    code, out, err = _run(capsys, "--lang", "ko", "search")
    assert (code, out, err) == (2, "", "search에는 QUESTION이나 --batch FILE 중 하나가 필요해요\n")


def test_delete_and_search_say_their_lines_in_korean(library, korean, capsys):
    code, out, _ = _run(capsys, "--lang", "ko", "search", "tide", "--k", "1")
    assert code == 0 and out.startswith("[1] ") and "(점수 " in out.splitlines()[0]
    harbour = library.find_documents("harbour.txt")[0]
    code, out, _ = _run(capsys, "--lang", "ko", "delete", "harbour.txt")
    assert (code, out) == (0, f"harbour.txt을(를) 삭제했어요(구절 {harbour.chunks}개, sha256 {harbour.sha256[:12]})\n")


def test_ingest_lines_keep_their_marks_and_say_the_rest_in_korean(library, korean, capsys, tmp_path):
    changed = tmp_path / "harbour.txt"
    changed.write_bytes(b"The harbour master moved the tide tables. " * 5)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    english = _run(capsys, "ingest", str(changed), str(binary))
    korean_run = _run(capsys, "--lang", "ko", "ingest", str(changed), str(binary))
    assert english[0] == korean_run[0] == 1
    [again_en, binary_en], [again_ko, binary_ko] = english[1].splitlines(), korean_run[1].splitlines()
    assert again_en.startswith("error  harbour.txt: ") and again_en.endswith(" (add --replace)")
    assert again_ko.startswith("error  harbour.txt: ") and again_ko.endswith(" (--replace를 붙여 주세요)")
    assert binary_en.startswith("error  binary.txt: ") and binary_ko.startswith("error  binary.txt: ")


def test_a_result_line_says_cores_message_in_the_readers_language(korean):
    result = IngestResult("notes.txt", False, say("a test refusal of {name}", name="notes.txt"))
    assert result_line(result, "en") == result.line() == "error  notes.txt: a test refusal of notes.txt"
    assert result_line(result, "ko") == "error  notes.txt: notes.txt 시험 거절"


def test_an_error_line_keeps_the_text_an_exception_was_raised_with(korean):
    said = error(ValueError(say("a test refusal of {name}", name="notes.txt")))
    assert said == "error: a test refusal of notes.txt"
    assert in_language(said, "ko") == "오류: notes.txt 시험 거절"
    plain = error(OSError(2, "No such file or directory"))  # not core's: as str() gives it, in any language
    assert in_language(plain, "ko") == "오류: [Errno 2] No such file or directory"
