"""``python -m core watch``'s human output in the reader's language (LANG here, as ``--lang`` sets it for
the whole CLI); ``--json`` is the same in every language. Korean from a tiny test catalog
(tests/i18n_helpers.py), so the project's wording can change without breaking this."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.watch.helpers import Watch, watch_cli, write
from tests.i18n_helpers import use_korean

KOREAN = {
    "collection {collection}": "컬렉션 {collection}",
    " ({details})": " ({details})",
    "watching {path}{detail}; `python -m core watch run` keeps it in sync":
        "{path}{detail} 폴더를 지켜봐요. `python -m core watch run`이 동기화해요",
    "{path}  ({details})": "{path}  ({details})",
    "added    {path}": "추가함    {path}",
    "stopped watching {path}; its documents stay in the library (`delete` removes one)":
        "{path} 폴더를 더 이상 지켜보지 않아요. 문서는 라이브러리에 남아요(`delete`로 지울 수 있어요)",
    "error: {reason}": "오류: {reason}",
    "{directory} is not a folder": "{directory}은(는) 폴더가 아니에요",
}
PLURALS = {("{n} file in the library", "{n} files in the library"): "라이브러리에 파일 {n}개"}


@pytest.fixture
def korean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_korean(tmp_path / "locales", monkeypatch, KOREAN, PLURALS)
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")


def test_watch_speaks_korean_and_json_stays(watch: Watch, korean, capsys):
    folder = watch.folder
    write(folder / "note.txt", "The tide tables are kept by the harbour master. " * 5)
    assert watch_cli(watch.app, "add", str(folder), "--collection", "work") == 0
    assert capsys.readouterr().out == (f"{folder} (컬렉션 work) 폴더를 지켜봐요. "
                                       "`python -m core watch run`이 동기화해요\n")
    assert watch_cli(watch.app, "run", "--once") == 0
    assert capsys.readouterr().out == f"추가함    {folder}/note.txt\n"
    assert watch_cli(watch.app, "list") == 0
    assert capsys.readouterr().out == f"{folder}  (컬렉션 work; 라이브러리에 파일 1개)\n"
    assert watch_cli(watch.app, "list", "--json") == 0
    [listed] = json.loads(capsys.readouterr().out)["folders"]
    assert (listed["collection"], listed["documents"], listed["failed"]) == ("work", 1, [])
    assert watch_cli(watch.app, "add", str(folder / "note.txt")) == 2
    assert capsys.readouterr().err == f"오류: {folder / 'note.txt'}은(는) 폴더가 아니에요\n"
    assert watch_cli(watch.app, "remove", str(folder)) == 0
    assert "문서는 라이브러리에 남아요" in capsys.readouterr().out


def test_english_is_unchanged(watch: Watch, capsys):
    folder = watch.folder
    write(folder / "note.txt", "The tide tables are kept by the harbour master. " * 5)
    assert watch_cli(watch.app, "add", str(folder), "--glob", "*.txt") == 0
    assert capsys.readouterr().out == f"watching {folder} (only *.txt); `python -m core watch run` keeps it in sync\n"
    assert watch_cli(watch.app, "run", "--once") == 0
    assert capsys.readouterr().out == f"added    {folder}/note.txt\n"
    assert watch_cli(watch.app, "list") == 0
    assert capsys.readouterr().out == f"{folder}  (*.txt; 1 file in the library)\n"
