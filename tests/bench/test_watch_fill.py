"""The watched-folder fill bench (bench/watch_fill.py) at a tiny size, from its built-in text and with a fake
embedder: every generated file, of every kind, becomes a document, found by its words after the pass, and
every vector is in at the end."""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import DeterministicFakeEmbedding

from bench.watch_fill import KINDS, build, fallback_texts, file_name, marker, measure, report
from core.service import DocChat
from core.settings import Settings

FILES = 12


def test_the_folder_is_seeded_and_mixed(tmp_path: Path) -> None:
    first = build(tmp_path / "a", FILES, fallback_texts(), seed=3)
    again = build(tmp_path / "b", FILES, fallback_texts(), seed=3)
    assert first == again
    assert first["kinds"] == {kind: FILES // len(KINDS) for kind in KINDS}
    assert sum(first["sizes"].values()) == FILES and set(first["sizes"]) == {"small", "medium", "large"}
    assert first["mb"] > 0 and first["characters"] > 0
    made = sorted(p.name for p in (tmp_path / "a").rglob("*.*"))
    assert made == sorted(file_name(n) for n in range(FILES))
    assert len({marker(n) for n in range(30 * 26)}) == 30 * 26


def test_every_file_is_committed_then_embedded(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    mix = build(folder, FILES, fallback_texts())
    settings = Settings(data_dir=tmp_path / "data", sentence_weight=0)
    embeddings = DeterministicFakeEmbedding(size=32)
    result = measure(folder, settings, FILES, embeddings)
    assert result["documents"] == FILES and result["failed"] == []
    app = DocChat(settings, embeddings)  # the library as the next process finds it
    assert {d.name for d in app.documents()} == {file_name(n) for n in range(FILES)}
    assert app.pending() == {} and app.missing_vectors() == 0
    assert result["keyword_found"]
    assert result["chunks"] >= FILES and result["sentences"] == 0
    for key in ("committed_s", "files_per_s", "vectors_s", "chunks_per_s", "rss_committed_mb", "peak_rss_mb"):
        assert result[key] > 0, key
    assert result["vectors_s"] >= result["committed_s"]
    text = report(mix, result)
    assert f"| {FILES} " in text and "3 PDF" in text and "failed:" not in text

