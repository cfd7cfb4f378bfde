"""A team library (issue 8): two app processes on one PostgreSQL library, and an embedded library
copied into PostgreSQL without re-embedding — real MiniLM, a real PostgreSQL with pgvector
(tests/pg_server.py), the real CLI in a subprocess.

Each process gets its own data folder, so nothing can reach the other through the disk: whatever
one sees of the other's documents came through the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.service import DocChat
from core.settings import Settings
from tests import pg_server
from tests.integration.topics import TOPICS as ALL_TOPICS
from tests.integration.topics import write_topic_files

pytestmark = pytest.mark.integration
postgres_server, postgres_url = pg_server.postgres_server, pg_server.postgres_url  # fixtures: a real server
ROOT = Path(__file__).resolve().parents[2]
MODEL = "all-MiniLM-L6-v2"

TOPICS = {name: ALL_TOPICS[name] for name in list(ALL_TOPICS)[:3]}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Small text files of a few chunks each, every one about its own topic."""
    return write_topic_files(tmp_path / "files", TOPICS, notes=8)


def settings(data_dir: Path, url: str = "") -> Settings:
    return Settings(data_dir=data_dir, embedding_model=MODEL, chunk_size=300, chunk_overlap=30, k=3, database_url=url)


def cli(tmp_path: Path, data_dir: Path, *args: str, url: str = "") -> str:
    """``python -m core`` in its own process, with the same settings as ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCCHAT_")}
    env.update(DOCCHAT_SETTINGS=str(tmp_path / "no-settings.toml"), DOCCHAT_EMBEDDING_MODEL=MODEL,
               DOCCHAT_CHUNK_SIZE="300", DOCCHAT_CHUNK_OVERLAP="30", DOCCHAT_DATABASE_URL=url)
    done = subprocess.run([sys.executable, "-m", "core", "--data-dir", str(data_dir), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


def test_a_document_added_in_one_process_is_answered_in_the_other(tmp_path, files, postgres_url, real_embeddings,
                                                                  tiny_llm_name):
    from core.llms.registry import load_llm

    app = DocChat(settings(tmp_path / "app", postgres_url), embeddings=real_embeddings)
    try:
        assert app.ingest_paths([files["lighthouse.txt"]])[0].ok
        assert app.search(TOPICS["lighthouse.txt"][1])[0].source == "lighthouse.txt"

        out = cli(tmp_path, tmp_path / "other", "ingest", "--collection", "work", str(files["glassworks.txt"]),
                  url=postgres_url)
        assert out.startswith("ok"), out
        question = TOPICS["glassworks.txt"][1]
        hits = app.search(question)  # the open app, no restart
        assert hits and hits[0].source == "glassworks.txt"
        retrieved = app.retrieve(question, collections=["work"])
        assert retrieved.grounded and {h.source for h in retrieved.hits} == {"glassworks.txt"}
        answer = app.engine(load_llm(tiny_llm_name, app.settings), ["work"]).answer(question)
        assert "".join(answer.tokens).strip() and answer.sources[0].source == "glassworks.txt"
        [doc] = app.store.documents(["work"])
        assert app.store.original(doc.sha256) == files["glassworks.txt"].read_bytes()  # download from here

        # and back: what the app added, the other process finds and lists
        found = cli(tmp_path, tmp_path / "other", "search", TOPICS["lighthouse.txt"][1], "--json", url=postgres_url)
        assert '"source": "lighthouse.txt"' in found.split("}")[0]
        assert "glassworks.txt" in cli(tmp_path, tmp_path / "other", "list", url=postgres_url)
        assert not (tmp_path / "other" / "library.sqlite").exists() and not (tmp_path / "app").exists()
    finally:
        app.store.close()


def test_an_upload_is_searchable_by_its_words_at_once_and_by_meaning_once_its_vectors_land(
        tmp_path, files, postgres_url, real_embeddings):
    """Keyword-first on a team library (issue 20): the rows commit with their vectors NULL, the document is
    found by its words at once, another process lists it as waiting, and the embedder fills them in."""
    from core.ingest.records import Upload

    app = DocChat(settings(tmp_path / "app", postgres_url), embeddings=real_embeddings)
    try:
        path = files["lighthouse.txt"]
        [result] = app.ingest_uploads([Upload(path.name, path.read_bytes(), defer_vectors=True)])
        assert result.ok
        waiting, total = app.pending()[result.sha256]
        assert waiting == total == app.store.chunk_count() > 0 and app.store.vector_count() == 0
        question = TOPICS["lighthouse.txt"][1]
        assert app.search(question, mode="keyword")[0].source == "lighthouse.txt"
        assert "lighthouse.txt" in cli(tmp_path, tmp_path / "other", "status", url=postgres_url)  # the queue
        assert app.embed_pending() == total
        assert app.pending() == {} and app.store.vector_count() == total
        assert app.search(question, mode="vector")[0].source == "lighthouse.txt"
    finally:
        app.store.close()


def test_migrate_copies_an_embedded_library_without_re_embedding(tmp_path, files, postgres_url, real_embeddings):
    data = tmp_path / "data"
    embedded = DocChat(settings(data), embeddings=real_embeddings)
    assert all(r.ok for r in embedded.ingest_paths([files["lighthouse.txt"], files["orchard.txt"]]))
    embedded.store.set_collection(embedded.store.documents()[1].sha256, "garden")
    before = {q: embedded.search(q) for _topic, q in TOPICS.values()}
    chunks = embedded.store.chunk_count()

    out = cli(tmp_path, data, "migrate", "--to", "postgres", postgres_url)
    assert f"copied 2 documents ({chunks} chunks) without re-embedding; 0 already there" in out, out
    again = cli(tmp_path, data, "migrate", "--to", "postgres", postgres_url)
    assert "copied 0 documents (0 chunks) without re-embedding; 2 already there" in again, again

    team = DocChat(settings(tmp_path / "unused", postgres_url), embeddings=real_embeddings)
    try:
        assert team.store.documents() == embedded.store.documents()  # names, hashes, dates, collections
        assert team.store.chunk_count() == team.store.vector_count() == chunks
        assert team.store.meta("embedding_model") == embedded.store.meta("embedding_model")
        for question, hits in before.items():
            moved = team.search(question)
            assert moved[0].source == hits[0].source and moved[0].text == hits[0].text
            assert moved[0].similarity == pytest.approx(hits[0].similarity, abs=1e-5)  # the same vectors
        for doc in embedded.store.documents():
            assert team.store.original(doc.sha256) == embedded.store.original(doc.sha256)
    finally:
        team.store.close()


def test_migrate_says_what_is_wrong_in_one_line(tmp_path, files, real_embeddings):
    import socket

    def run(*args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCCHAT_")}
        env["DOCCHAT_SETTINGS"] = str(tmp_path / "no-settings.toml")
        return subprocess.run([sys.executable, "-m", "core", "--data-dir", str(tmp_path / "data"), "migrate", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    no_url = run("--to", "postgres")
    assert no_url.returncode == 2 and "URL" in no_url.stderr
    no_library = run("--to", "postgres", "postgresql://docchat@127.0.0.1/docchat")
    assert no_library.returncode == 1 and "no embedded library" in no_library.stderr
    DocChat(settings(tmp_path / "data"), embeddings=real_embeddings).ingest_paths([files["orchard.txt"]])
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    refused = run("--to", "postgres", f"postgresql://docchat:secret@127.0.0.1:{port}/docchat")
    assert refused.returncode == 1 and refused.stderr.startswith("error: cannot open the PostgreSQL library")
    assert "Traceback" not in refused.stderr and "secret" not in refused.stderr
