"""``python -m core eval squad|mixed`` in process, with the fake embedder: what the reports say about the
data set and the language pairs (the real models run in tests/integration/test_cli.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main
from core.service import DocChat
from tests.core.eval.test_squad import SQUAD


@pytest.fixture(autouse=True)
def fake_models(monkeypatch, fake_embeddings, tmp_path):
    """The eval commands build their own DocChat; give it the fake embedder and a library in tmp_path."""
    monkeypatch.setattr("core.service.DocChat", lambda settings: DocChat(settings, embeddings=fake_embeddings))
    monkeypatch.setenv("DOCCHAT_DATA_DIR", str(tmp_path / "data"))


def _squad(tmp_path: Path, name: str, version: str | None) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({**SQUAD, **({"version": version} if version else {})}), encoding="utf-8")
    return path


def _eval(capsys, *args: str) -> str:
    assert main(["eval", *args]) == 0
    return capsys.readouterr().out


def test_eval_squad_names_the_set_from_its_version(tmp_path, capsys):
    korquad = _squad(tmp_path, "KorQuAD_v1.0_dev.json", "KorQuAD_v1.0_dev")
    out = json.loads(_eval(capsys, "squad", str(korquad), "--retriever", "keyword", "--json"))
    assert out["dataset"] == "KorQuAD v1.0 dev" and out["questions"] == 3 and out["retriever"] == "keyword"
    assert _eval(capsys, "squad", str(korquad), "--retriever", "keyword").rstrip().endswith(
        "data set KorQuAD v1.0 dev")


def test_eval_squad_name_option_wins_and_a_file_without_version_is_named_by_its_stem(tmp_path, capsys):
    squad = _squad(tmp_path, "dev-v1.1.json", "1.1")
    out = json.loads(_eval(capsys, "squad", str(squad), "--retriever", "keyword", "--json", "--name", "SQuAD dev"))
    assert out["dataset"] == "SQuAD dev"
    bare = _squad(tmp_path, "lighthouses.json", None)
    assert json.loads(_eval(capsys, "squad", str(bare), "--retriever", "keyword", "--json"))["dataset"] == "lighthouses"


def test_eval_mixed_reports_each_language_pair(tmp_path, capsys):
    corpus = tmp_path / "corpus" / "other"
    corpus.mkdir(parents=True)
    (corpus / "lighthouse.txt").write_text("The Skarvoy lighthouse was built in 1874 by the harbour board. " * 3)
    (corpus / "등대.txt").write_text("스카르보이 등대는 1874년에 항만청이 세웠다. " * 3, encoding="utf-8")
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps([
        {"question": "Skarvoy lighthouse harbour board", "language": "en", "file": "lighthouse.txt", "note": "n"},
        {"question": "Skarvoy 등대는 언제 지어졌나요?", "language": "ko", "document_language": "en",
         "file": "lighthouse.txt", "note": "n"},
        {"question": "When was the 스카르보이 등대 built?", "language": "en", "document_language": "ko",
         "file": "등대.txt", "note": "n"},
    ], ensure_ascii=False), encoding="utf-8")
    args = ("mixed", str(cases), "--corpus", str(tmp_path / "corpus"), "--retriever", "keyword")
    out = json.loads(_eval(capsys, *args, "--json"))
    assert list(out["by_pair"]) == ["en→en", "en→ko", "ko→en"]
    assert out["by_pair"]["en→en"]["questions"] == 1 and set(out["by_pair"]["ko→en"]) == {
        "questions", "hit@1", "hit@5", "mrr@10"}
    assert {"questions", "hit@1", "hit@5", "mrr@10", "by_language", "retriever"} <= set(out)
    lines = _eval(capsys, *args).splitlines()
    assert lines[0].startswith("keyword: 3 questions, hit@1 ")
    assert [line.split(":")[0] for line in lines[1:4]] == ["  en→en", "  en→ko", "  ko→en"]
