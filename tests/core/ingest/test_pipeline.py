from core.ingest.records import Progress


def test_ingest_reports_chunks_pages_and_progress(app, lighthouse_pdf):
    events: list[Progress] = []
    [result] = app.ingest_paths([lighthouse_pdf], on_progress=events.append)
    assert result.ok, result.message
    assert result.pages == 2 and result.chunks >= 2
    assert "chunks" in result.message and "2 pages" in result.message
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {e.stage for e in events} >= {"read", "embed", "done"}


def test_bad_files_fail_with_a_message_and_the_good_ones_still_land(app, tmp_path, lighthouse_pdf):
    bad = {
        "empty.txt": b"",
        "fake.pdf": b"not a pdf at all",
        "binary.txt": bytes(range(256)) * 20,
        "program.exe": b"MZ\x00\x00",
        "truncated.pdf": lighthouse_pdf.read_bytes()[:400],
    }
    paths = []
    for name, data in bad.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    results = app.ingest_paths([*paths, lighthouse_pdf, tmp_path / "missing.pdf"])
    by_name = {r.name: r for r in results}
    assert [r.ok for r in results] == [False] * 5 + [True, False]
    assert "empty" in by_name["empty.txt"].message
    assert "not a PDF" in by_name["fake.pdf"].message
    assert "binary" in by_name["binary.txt"].message
    assert "unsupported" in by_name["program.exe"].message
    assert "truncated" in by_name["truncated.pdf"].message
    assert "cannot read" in by_name["missing.pdf"].message
    assert [d.name for d in app.store.documents()] == ["lighthouse.pdf"]
    assert app.store.vector_count() == app.store.chunk_count()


def test_same_bytes_under_another_name_is_already_in_the_library(app, lighthouse_pdf):
    first = app.ingest_file("lighthouse.pdf", lighthouse_pdf.read_bytes())
    again = app.ingest_file("copy of lighthouse.pdf", lighthouse_pdf.read_bytes())
    assert again.ok and again.duplicate and "already in the library" in again.message
    assert app.store.chunk_count() == first.chunks


def test_traversal_names_are_stored_as_plain_names(app, tmp_path):
    result = app.ingest_file("../../etc/passwd.txt", b"root is the keeper of this island. " * 10)
    assert result.ok and result.name == "passwd.txt"
    assert not (tmp_path / "etc").exists()


def test_files_over_the_limit_are_refused_with_the_limit(app):
    limit = app.settings.max_upload_mb
    result = app.ingest_file("huge.txt", b"a" * (limit * 1024 * 1024 + 1))
    assert not result.ok and f"{limit} MB" in result.message


def test_a_changed_file_with_the_same_name_replaces_the_old_one_only_when_confirmed(app, tmp_path):
    first = app.ingest_file("notes.txt", b"The ferry leaves at nine every morning. " * 5)
    asked = app.ingest_file("notes.txt", b"The ferry now leaves at ten every morning. " * 5)
    assert first.ok and not asked.ok and asked.needs == "replace" and "replace" in asked.message
    assert [d.sha256 for d in app.store.documents()] == [first.sha256]
    done = app.ingest_file("notes.txt", b"The ferry now leaves at ten every morning. " * 5, replace=True)
    assert done.ok and "replaced" in done.message
    assert [d.sha256 for d in app.store.documents()] == [done.sha256]
    assert app.store.vector_count() == app.store.chunk_count() == done.chunks


def test_collections_are_chosen_at_upload_and_limit_the_search(app):
    app.ingest_file("harbour.txt", b"The harbour master keeps the tide tables. " * 5, collection="work")
    app.ingest_file("garden.txt", b"The tide of weeds rises in the garden. " * 5, collection="home")
    assert {d.name: d.collection for d in app.store.documents()} == {"harbour.txt": "work", "garden.txt": "home"}
    hits = app.search("tide", k=5, mode="keyword", collections=["home"])
    assert [h.source for h in hits] == ["garden.txt"]
    retrieved = app.retrieve("tide tables", collections=["work"])
    assert {h.source for h in retrieved.hits} == {"harbour.txt"}
