"""``search`` and ``ask`` limited to documents (``--document NAME|SHA``), in process with fake models;
the CLI as a subprocess with real ones is tests/integration/test_cli.py."""

from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from core.cli import main
from core.llms.loaded import LoadedLLM
from core.service import DocChat


@pytest.fixture
def notes(app: DocChat, monkeypatch) -> dict[str, str]:
    """Three notes that all speak of the tide; the CLI opens this app (fake embedder, fake model)."""
    found = {name: app.ingest_file(name, text * 5, collection=collection).sha256 for name, text, collection in (
        ("harbour.txt", b"The harbour master keeps the tide tables. ", "work"),
        ("docks.txt", b"The tide at the docks turns at noon. ", "work"),
        ("garden.txt", b"The tide of weeds rises in the garden. ", "home"))}
    monkeypatch.setattr("core.cli.open_library", lambda args: app)
    monkeypatch.setattr(app, "llm", lambda name=None, **generation: LoadedLLM(
        "fake", FakeListChatModel(responses=["The tide turns at noon [1]."])))
    return found


def _sources(capsys) -> set[str]:
    return {hit["source"] for hit in json.loads(capsys.readouterr().out)["results"]}


def test_search_by_document_name_or_hash_and_with_a_collection(notes, capsys):
    assert main(["search", "tide", "--json"]) == 0
    assert _sources(capsys) == {"harbour.txt", "docks.txt", "garden.txt"}
    assert main(["search", "tide", "--json", "--document", "docks.txt"]) == 0
    assert _sources(capsys) == {"docks.txt"}
    assert main(["search", "tide", "--json", "--document", notes["garden.txt"][:8], "--document", "docks.txt"]) == 0
    assert _sources(capsys) == {"docks.txt", "garden.txt"}
    assert main(["search", "tide", "--json", "--document", "garden.txt", "--document", "docks.txt",
                 "--collection", "work"]) == 0
    assert _sources(capsys) == {"docks.txt"}


def test_search_batch_keeps_the_document_limit(notes, capsys, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": 1, "question": "tide"}\n{"id": 2, "question": "harbour master"}\n', encoding="utf-8")
    assert main(["search", "--batch", str(batch), "--json", "--document", "garden.txt"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [1, 2]
    assert {hit["source"] for r in rows for hit in r["results"]} == {"garden.txt"}


def test_ask_answers_from_the_named_document_only(notes, capsys):
    assert main(["ask", "When does the tide turn?", "--json", "--document", "docks.txt"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sources"] and {s["source"] for s in out["sources"]} == {"docks.txt"}


@pytest.mark.parametrize("command", [["search", "tide"], ["ask", "When does the tide turn?"]])
def test_an_unknown_document_is_one_error_line_and_exit_2(notes, capsys, command):
    assert main([*command, "--document", "docks.txt", "--document", "nope.txt"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "error: no document named or hashed 'nope.txt' (see `list`)\n" and captured.out == ""
