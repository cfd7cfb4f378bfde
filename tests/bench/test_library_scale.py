"""The big-library bench (bench/library_scale.py) at 20 documents: the library it builds is one the app takes
as its own, and every number it reports is there, with the page loaded without an exception."""

from __future__ import annotations

from pathlib import Path

from bench.library_scale import COLLECTIONS, build, measure, report
from core.embeddings import canonical_name
from core.service import DocChat
from core.settings import load_settings


def test_the_built_library_looks_real_and_asks_for_no_reindex(tmp_path: Path) -> None:
    data = tmp_path / "data"
    build(data, 20)
    app = DocChat(load_settings().with_data_dir(data))
    documents = app.documents()
    assert len(documents) == 20 and len({d.sha256 for d in documents}) == 20
    assert documents[0].name == "report-0000.pdf" and documents[1].name == "minutes-0001.docx"
    assert {d.collection for d in documents} == set(COLLECTIONS)
    assert all(1 <= d.chunks <= 3 for d in documents)
    assert app.built_with() == canonical_name(app.settings.embedding_model) and app.needs_reindex() is None
    assert app.missing_vectors() == 0 and app.missing_originals() == []


def test_every_number_is_measured_at_a_tiny_size() -> None:
    row = measure(20, repeats=1)  # raises when list --json or the page misses a document, or the page raises
    assert row["documents"] == 20 and row["build_s"] >= 0
    for key in ("list_json_s", "raw_list_s", "raw_select_s", "app_documents_s", "page_first_s", "page_rerun_s"):
        assert 0 < row[key]["min"] <= row[key]["median"] <= row[key]["max"], key
    assert row["app_over_raw"] > 0 and row["list_over_raw"] > 0
    assert "| 20 " in report([row])
