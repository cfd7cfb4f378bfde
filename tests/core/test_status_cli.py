"""``ingest --no-wait`` and ``status [--json] [--wait]`` in process with the fake embedder; the crash test
of the background phase runs the real CLI (tests/integration/test_crash_points.py)."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.ingest import background
from core.service import DocChat


@pytest.fixture
def files(app: DocChat, monkeypatch, tmp_path):
    monkeypatch.setattr("core.cli.open_library", lambda args: app)
    monkeypatch.setattr(app, "needs_reindex", lambda: None)  # the fake embedder is the library's model here
    paths = []
    for word in ("harbour", "orchard"):
        path = tmp_path / f"{word}.txt"
        path.write_text(" ".join(f"The {word} note, sentence {i}." for i in range(60)))
        paths.append(path)
    return paths


def test_no_wait_commits_first_and_status_says_what_waits_then_waits_for_it(app: DocChat, files, capsys):
    assert main(["ingest", "--no-wait", *map(str, files)]) == 0
    assert [line.split()[:2] for line in capsys.readouterr().out.splitlines()] == [
        ["ok", "harbour.txt:"], ["ok", "orchard.txt:"]]
    chunks = app.store.chunk_count()
    assert app.store.vector_count() == 0

    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["documents"] == 2 and status["passages"] == chunks and status["vectors"] == 0
    assert sorted(w["name"] for w in status["waiting"]) == ["harbour.txt", "orchard.txt"]
    assert sum(w["waiting"] for w in status["waiting"]) == chunks and status["embedding_elsewhere"] is False

    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "2 documents are waiting for search vectors" in out and "harbour.txt: 0 of" in out
    assert "no process is embedding them now" in out

    with background.claim(app.settings.data_dir):  # another process is the embedder
        assert main(["status"]) == 0
        assert "another process is embedding them now" in capsys.readouterr().out
        assert main(["search", "harbour note", "--json"]) == 0  # does not wait: keyword search finds it
        captured = capsys.readouterr()
        assert "another process is embedding" in captured.err
        assert json.loads(captured.out)["results"][0]["source"] == "harbour.txt"

    assert main(["status", "--wait"]) == 0
    assert "every passage has its search vector" in capsys.readouterr().out
    assert app.store.vector_count() == chunks


def test_ingest_waits_for_the_vectors_by_default(app: DocChat, files, capsys):
    assert main(["ingest", *map(str, files)]) == 0
    capsys.readouterr()
    assert app.store.vector_count() == app.store.chunk_count() and app.pending() == {}
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["waiting"] == []
