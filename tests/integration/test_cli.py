"""The CLI contract, run as a user runs it: ``python -m core`` in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", "--data-dir", str(data_dir), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture
def library(tmp_path, lighthouse_pdf) -> Path:
    data = tmp_path / "lib"
    bad = tmp_path / "binary.txt"
    bad.write_bytes(bytes(range(256)) * 10)
    result = run(data, "ingest", str(lighthouse_pdf), str(bad))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("ok") and "lighthouse.pdf" in lines[0] and "chunks" in lines[0]
    assert lines[1].startswith("error") and "binary.txt" in lines[1]
    return data


def test_ingest_of_good_files_exits_zero_and_repeats_are_cheap(library, lighthouse_pdf):
    result = run(library, "ingest", str(lighthouse_pdf))
    assert result.returncode == 0
    assert "already in the library" in result.stdout


def test_list_json(library):
    docs = json.loads(run(library, "list", "--json").stdout)["documents"]
    assert [d["name"] for d in docs] == ["lighthouse.pdf"]
    assert set(docs[0]) == {"name", "sha256", "type", "pages", "chunks", "added"}
    assert docs[0]["pages"] == 2 and docs[0]["type"] == "pdf"


def test_search_json_and_batch(library, tmp_path):
    out = json.loads(run(library, "search", "When was the lighthouse built?", "--k", "1", "--json").stdout)
    assert out["question"] == "When was the lighthouse built?"
    [hit] = out["results"]
    assert set(hit) == {"source", "page", "text", "score"}
    assert hit["source"] == "lighthouse.pdf" and hit["page"] == 2 and isinstance(hit["score"], float)

    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": 1, "question": "Who keeps the lighthouse?"}\n{"id": "b", "question": "1874?"}\n')
    lines = run(library, "search", "--batch", str(batch), "--json").stdout.strip().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == [1, "b"]
    assert all(r["results"] for r in rows)


def test_ask_json_with_a_chosen_model(library, tiny_llm_name):
    result = run(library, "ask", "Who keeps the lighthouse?", "--llm", tiny_llm_name, "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["answer"].strip()
    assert out["sources"][0]["source"] == "lighthouse.pdf"
    assert set(out["sources"][0]) == {"source", "page", "text"}


@pytest.mark.parametrize("reply, supported", [
    (["1874 [1]. The lighthouse was built by the harbour board."], True),
    (["It was designed by Gustave Eiffel in 1902 as a gift from the French navy."], False),
])
def test_ask_json_says_what_supports_the_answer_and_refuses_an_invented_one(library, monkeypatch, reply, supported):
    from core.chat.prompts import NOT_FOUND
    from tests.llm_servers import FakeServer, OpenAIHandler

    with FakeServer(OpenAIHandler, ["fake"], answer=reply) as server:
        monkeypatch.setenv("DOCCHAT_OPENAI_URL", f"{server.url}/v1")
        out = json.loads(run(library, "ask", "When was the lighthouse built?", "--llm", "openai:fake",
                             "--json").stdout)
        text = run(library, "ask", "When was the lighthouse built?", "--llm", "openai:fake").stdout
    assert out["supported"] is supported
    if supported:
        assert out["answer"] == reply[0] and out["sources"][out["cited"][0] - 1]["page"] == 2
        assert [c["passage"] for c in out["claims"]] == [out["cited"][0]] * 2
        assert "Not in your documents" not in text
    else:
        assert out["answer"] == NOT_FOUND and out["model_answer"] == reply[0] and out["cited"] == []
        assert "Not in your documents" in text


def test_ask_with_an_unknown_model_is_a_clear_error(library):
    result = run(library, "ask", "anything", "--llm", "llama.cpp:nope")
    assert result.returncode == 1 and "unknown model" in result.stderr


def test_delete_by_name_then_it_is_gone(library):
    result = run(library, "delete", "lighthouse.pdf")
    assert result.returncode == 0 and result.stdout.startswith("deleted lighthouse.pdf")
    assert json.loads(run(library, "list", "--json").stdout)["documents"] == []
    missing = run(library, "delete", "lighthouse.pdf")
    assert missing.returncode == 1 and "no document" in missing.stderr


def test_help_documents_every_command():
    out = subprocess.run([sys.executable, "-m", "core", "--help"], cwd=ROOT, capture_output=True, text=True).stdout
    for command in ("ingest", "search", "ask", "list", "delete", "reindex", "eval", "--data-dir"):
        assert command in out


def test_eval_squad_prints_one_json_object_per_retriever(tmp_path):
    from tests.core.eval.test_squad import _squad_file

    squad = _squad_file(tmp_path)
    for retriever in ("keyword", "hybrid"):
        result = run(tmp_path / "lib", "eval", "squad", str(squad), "--retriever", retriever, "--json")
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        assert set(out) == {"retriever", "questions", "hit@1", "hit@5", "mrr@10", "seconds", "dataset"}
        assert out["retriever"] == retriever and out["questions"] == 3 and out["hit@5"] == 1.0
        assert out["dataset"] == "dev"  # the generated file has no "version": named by its file


def test_reindex_and_a_model_mismatch_are_reported(library):
    import os

    env = {**os.environ, "DOCCHAT_EMBEDDING_MODEL": "use-multilingual-v3"}

    def run_as(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "core", "--data-dir", str(library), *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=300, env=env)

    refused = run_as("search", "lighthouse")
    assert refused.returncode == 1 and "re-index" in refused.stderr
    done = run_as("reindex", "--all")
    assert done.returncode == 0 and "re-indexed" in done.stdout and "use-multilingual-v3" in done.stdout
    assert json.loads(run_as("search", "lighthouse", "--json").stdout)["results"]


def test_collections_and_replacing_a_changed_file(library, tmp_path):
    notes = tmp_path / "ferry.txt"
    notes.write_text("The ferry to Skarvoy leaves at nine. " * 5)
    assert run(library, "ingest", "--collection", "travel", str(notes)).returncode == 0
    notes.write_text("The ferry to Skarvoy now leaves at ten. " * 5)
    refused = run(library, "ingest", str(notes))
    assert refused.returncode == 1 and "--replace" in refused.stdout and "another version" in refused.stdout
    replaced = run(library, "ingest", "--replace", "--collection", "travel", str(notes))
    assert replaced.returncode == 0 and "replaced" in replaced.stdout
    travel = json.loads(run(library, "list", "--json", "--collection", "travel").stdout)["documents"]
    assert [d["name"] for d in travel] == ["ferry.txt"]
    out = json.loads(run(library, "search", "ferry", "--json", "--collection", "travel").stdout)
    assert out["results"] and {r["source"] for r in out["results"]} == {"ferry.txt"}
    assert "ten" in out["results"][0]["text"]


def test_reindex_one_document_reads_it_again_with_new_chunk_settings(library):
    before = json.loads(run(library, "list", "--json").stdout)["documents"][0]
    env_run = subprocess.run(
        [sys.executable, "-m", "core", "--data-dir", str(library), "reindex", "lighthouse.pdf"], cwd=ROOT,
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "DOCCHAT_CHUNK_SIZE": "60", "DOCCHAT_CHUNK_OVERLAP": "0"})
    assert env_run.returncode == 0, env_run.stderr
    assert "ok" in env_run.stdout and "read again" in env_run.stdout
    after = json.loads(run(library, "list", "--json").stdout)["documents"][0]
    assert after["sha256"] == before["sha256"] and after["chunks"] > before["chunks"]
    assert run(library, "reindex", "nothing.pdf").returncode == 1


def test_a_deleted_index_file_loses_nothing_and_is_rebuilt_on_the_next_search(library):
    """Issue 15's reproduction: `index.faiss` taken for a cache and deleted. It used to empty the
    library and, at the next write, every stored original with it."""
    (library / "index.faiss").unlink()
    listed = run(library, "list", "--json")
    assert [d["name"] for d in json.loads(listed.stdout)["documents"]] == ["lighthouse.pdf"]
    assert "have no search vectors" in listed.stderr
    found = run(library, "search", "When was the lighthouse built?", "--k", "1", "--json")
    assert found.returncode == 0, found.stderr
    assert "rebuilding the search vectors" in found.stderr
    assert json.loads(found.stdout)["results"][0]["page"] == 2
    assert "have no search vectors" not in run(library, "list").stderr
    assert len(list((library / "uploads").iterdir())) == 1


def test_a_missing_original_is_reported_and_restored_by_the_same_upload(library, lighthouse_pdf):
    [original] = (library / "uploads").iterdir()
    original.unlink()
    assert "stored original of lighthouse.pdf" in run(library, "list").stderr
    assert "already in the library" in run(library, "ingest", str(lighthouse_pdf)).stdout
    assert "stored original" not in run(library, "list").stderr
    assert original.read_bytes() == lighthouse_pdf.read_bytes()
