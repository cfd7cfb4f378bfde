"""A pass keeps the library in step with a folder: new files in, changed files replaced, deleted files out
after the grace period, moved files kept without being read again, unchanged files not even hashed."""

from __future__ import annotations

import os

from core.watch import sync
from core.watch.state import STATE_FILE, load_state
from tests.core.watch.helpers import OLD, Watch, write


def test_new_files_are_ingested_into_the_folders_collection(watch: Watch):
    write(watch.folder / "harbour.txt", "The harbour master keeps the tide tables")
    write(watch.folder / "sub" / "deep" / "docks.rst", "The tide at the docks turns at noon")
    watch.add(collection="work")
    report = watch.sync()
    assert sorted(rel for rel, _ in report.added) == ["harbour.txt", "sub/deep/docks.rst"]
    assert sorted(d.name for d in watch.app.documents(["work"])) == ["docks.rst", "harbour.txt"]
    assert any(line.startswith(f"added    {watch.folder}/harbour.txt") for line in watch.lines)
    assert watch.sync().added == []  # nothing new on the next pass
    assert len(watch.ingested) == 2


def test_an_unchanged_folder_is_not_hashed_again(watch: Watch, monkeypatch):
    for n in range(5):
        write(watch.folder / f"note{n}.txt", f"Note {n} about the lighthouse keeper")
    watch.add()
    watch.sync()
    hashed = []
    real = sync.hash_file
    monkeypatch.setattr(sync, "hash_file", lambda path: hashed.append(path) or real(path))
    monkeypatch.setattr(watch.app, "documents", lambda *a: (_ for _ in ()).throw(AssertionError("library read")))
    assert watch.sync(fresh=True).lines() == []
    assert hashed == []  # stat only: (size, mtime_ns) unchanged


def test_a_changed_file_replaces_its_document(watch: Watch):
    path = write(watch.folder / "report.txt", "The first draft of the report")
    watch.add(collection="work")
    watch.sync()
    before = watch.names()["report.txt"]
    write(path, "The second draft of the report, much changed", mtime=OLD + 60)
    report = watch.sync()
    assert report.replaced == ["report.txt"]
    after = watch.app.documents()
    assert [d.name for d in after] == ["report.txt"] and after[0].sha256 != before
    assert after[0].collection == "work"
    assert watch.ingested == ["report.txt", "report.txt"]


def test_a_touched_file_is_hashed_but_not_ingested_again(watch: Watch):
    path = write(watch.folder / "report.txt", "The report")
    watch.add()
    watch.sync()
    os.utime(path, (OLD + 10, OLD + 10))
    assert watch.sync().lines() == []
    assert watch.ingested == ["report.txt"]


def test_a_deleted_file_is_removed_after_the_grace_period_not_before(watch: Watch):
    watch.timing = sync.Timing(grace_seconds=60, settle_seconds=0)
    keep = write(watch.folder / "keep.txt", "A file that stays")
    gone = write(watch.folder / "gone.txt", "A file that goes")
    watch.add()
    watch.sync()
    gone.unlink()
    report = watch.sync()
    assert report.missing == ["gone.txt"] and report.removed == []
    assert set(watch.names()) == {"keep.txt", "gone.txt"}
    watch.clock.now += 59
    assert watch.sync(fresh=True).removed == []  # the time it went missing was saved
    assert "gone.txt" in watch.names()
    watch.clock.now += 1
    report = watch.sync()
    assert report.removed == [("gone.txt", "gone.txt")]
    assert set(watch.names()) == {"keep.txt"} and keep.exists()


def test_a_file_that_comes_back_within_the_grace_period_is_kept(watch: Watch):
    watch.timing = sync.Timing(grace_seconds=60, settle_seconds=0)
    path = write(watch.folder / "report.txt", "A report saved through a temporary name")
    watch.add()
    watch.sync()
    moved = path.rename(watch.folder / ".report.txt.swp")
    assert watch.sync().missing == ["report.txt"]
    moved.rename(path)
    watch.clock.now += 120
    assert watch.sync().lines() == []
    assert "report.txt" in watch.names() and watch.ingested == ["report.txt"]


def test_a_renamed_or_moved_file_keeps_its_document_without_reading_it_again(watch: Watch):
    path = write(watch.folder / "draft.txt", "The lighthouse log of 1874")
    watch.add()
    watch.sync()
    sha = watch.names()["draft.txt"]
    renamed = path.rename(watch.folder / "final.txt")
    assert watch.sync().moved == [("draft.txt", "final.txt")]
    (watch.folder / "archive").mkdir()
    renamed.rename(watch.folder / "archive" / "final.txt")
    assert watch.sync().moved == [("final.txt", "archive/final.txt")]
    assert watch.ingested == ["draft.txt"]  # read and embedded once
    assert watch.names() == {"draft.txt": sha}  # the document keeps its name
    assert set(load_state(watch.app.settings.data_dir).folders[str(watch.folder)].files) == {"archive/final.txt"}
    write(watch.folder / "archive" / "final.txt", "The lighthouse log of 1875", mtime=OLD + 5)
    assert watch.sync().replaced == ["archive/final.txt"]  # still its document: replaced, not a second one
    assert list(watch.names()) == ["draft.txt"]


def test_two_copies_of_one_file_are_one_document_until_both_are_gone(watch: Watch):
    write(watch.folder / "a" / "manual.txt", "The keeper's manual")
    write(watch.folder / "b" / "copy of manual.txt", "The keeper's manual")
    watch.add()
    report = watch.sync()
    assert len(report.added) == 1 and len(report.linked) == 1
    (watch.folder / "a" / "manual.txt").unlink()
    report = watch.sync()
    assert report.removed == [] and report.kept
    assert list(watch.names()) == ["manual.txt"]
    (watch.folder / "b" / "copy of manual.txt").unlink()
    assert watch.sync().removed == [("b/copy of manual.txt", "manual.txt")]
    assert watch.names() == {}


def test_globs_limit_the_files(watch: Watch):
    write(watch.folder / "notes.log", "Some notes")
    write(watch.folder / "reports" / "q1.txt", "The first quarter")
    write(watch.folder / "other" / "q2.txt", "The second quarter")
    write(watch.folder / "photo.jpg", "not a document the app reads")
    watch.add(globs=("*.LOG", "reports/*.txt"))
    assert sorted(rel for rel, _ in watch.sync().added) == ["notes.log", "reports/q1.txt"]


def test_a_file_that_fails_is_listed_and_retried_only_when_it_changes(watch: Watch):
    bad = watch.folder / "empty.txt"
    bad.write_bytes(b"")
    os.utime(bad, (OLD, OLD))
    watch.add()
    report = watch.sync()
    assert report.failed == [("empty.txt", "empty file (0 bytes)")]
    assert watch.sync().failed == [] and watch.ingested == ["empty.txt"]  # not retried while unchanged
    write(bad, "Now it has text", mtime=OLD + 1)
    assert [rel for rel, _ in watch.sync().added] == ["empty.txt"]
    assert watch.ingested == ["empty.txt", "empty.txt"]


def test_the_state_file_is_json_written_atomically(watch: Watch):
    write(watch.folder / "a.txt", "A")
    watch.add()
    watch.sync()
    data_dir = watch.app.settings.data_dir
    assert (data_dir / STATE_FILE).stat().st_mode & 0o777 == 0o600
    assert not [p for p in data_dir.iterdir() if p.name.endswith(".tmp")]
    entry = load_state(data_dir).folders[str(watch.folder)].files["a.txt"]
    assert entry.name == "a.txt" and entry.owned and len(entry.sha256) == 64


def test_files_wait_while_the_library_needs_a_reindex(watch: Watch, monkeypatch):
    """A reason that is not the file's (another embedding model) must not stick to every file as a failure."""
    watch.add()
    write(watch.folder / "first.txt", "In the library before the model changed")
    watch.sync()
    write(watch.folder / "a.txt", "Waits for the re-index")
    monkeypatch.setattr(watch.app, "built_with", lambda: "all-MiniLM-L6-v2")
    report = watch.sync()
    assert "reindex" in report.paused and report.failed == [] and watch.ingested == ["first.txt"]
    monkeypatch.delattr(watch.app, "built_with")
    assert [rel for rel, _ in watch.sync().added] == ["a.txt"]
