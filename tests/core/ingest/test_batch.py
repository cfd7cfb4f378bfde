"""Several files at once: the next file is read while this one is embedded, results come in
upload order, and progress reaches the caller's thread only, moving forward."""

import threading

from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

from core.ingest import batch
from core.ingest.batch import ingest_all
from core.ingest.records import Progress, Upload


class GatedEmbedding(Embeddings):
    """Embedding waits until the gate opens, so a test can make an event of the reader thread come
    first for certain. The wait's limit only ends a test whose gate never opens (a failure)."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate, self.opened, self.inner = gate, [], DeterministicFakeEmbedding(size=16)

    def embed_documents(self, texts):
        self.opened.append(self.gate.wait(timeout=30))
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def _uploads(count: int) -> list[Upload]:
    return [Upload(f"note{i}.txt", f"Note {i}: the keeper of lighthouse {i} logs the weather. ".encode() * 20)
            for i in range(count)]


def test_results_come_in_upload_order_with_duplicates_and_failures_among_them(app):
    uploads = [*_uploads(3), Upload("copy.txt", _uploads(1)[0].data), Upload("empty.txt", b"")]
    results = list(ingest_all(app.store, app.embeddings, app.settings, uploads))
    assert [r.name for r in results] == ["note0.txt", "note1.txt", "note2.txt", "copy.txt", "empty.txt"]
    assert [r.ok for r in results] == [True, True, True, True, False]
    assert results[3].duplicate and "note0.txt" in results[3].message
    assert app.store.chunk_count() == app.store.vector_count() == sum(r.chunks for r in results[:3])


def test_the_next_file_is_read_while_this_one_is_embedded(app, monkeypatch):
    """note0.txt's embedding holds until the reader thread has reported splitting note1.txt: that
    can only happen if reading the next file overlaps embedding this one."""
    note1_split = threading.Event()
    real_read_upload = batch.read_upload

    def read_upload(library, settings, upload, report):
        def reported(event: Progress) -> None:
            report(event)  # queued for the caller's thread first, then the gate opens
            if (event.name, event.stage) == ("note1.txt", "split"):
                note1_split.set()
        return real_read_upload(library, settings, upload, reported)

    monkeypatch.setattr(batch, "read_upload", read_upload)
    embeddings = GatedEmbedding(note1_split)
    events: list[Progress] = []
    threads = set()

    def on_progress(event: Progress) -> None:
        threads.add(threading.current_thread().name)
        events.append(event)

    results = list(ingest_all(app.store, embeddings, app.settings, _uploads(3), on_progress))
    assert embeddings.opened and all(embeddings.opened), "note1.txt was not read while note0.txt was embedded"
    assert all(r.ok for r in results)
    order = [(e.name, e.stage) for e in events]
    # note1.txt was read (in the reader thread) before note0.txt was stored
    assert order.index(("note1.txt", "split")) < order.index(("note0.txt", "store"))
    assert threads == {threading.current_thread().name}  # the callback ran on the caller's thread
    overall = [e.overall for e in events]
    assert overall == sorted(overall) and overall[-1] == 1.0


def test_reading_one_after_the_other_gives_the_same_library(app, settings, fake_embeddings, tmp_path):
    from core.service import DocChat

    other = DocChat(settings.replace(data_dir=tmp_path / "other"), fake_embeddings)
    uploads = _uploads(3)
    overlapped = list(ingest_all(app.store, app.embeddings, app.settings, uploads))
    in_turn = list(ingest_all(other.store, other.embeddings, other.settings, uploads, read_ahead=0))
    assert [(r.name, r.ok, r.chunks) for r in overlapped] == [(r.name, r.ok, r.chunks) for r in in_turn]
    assert [d.sha256 for d in app.store.documents()] == [d.sha256 for d in other.store.documents()]


def test_two_new_versions_of_one_name_in_a_batch_ask_before_the_second_replaces(app):
    first, second = Upload("plan.txt", b"Version one of the plan. " * 30), Upload("plan.txt", b"Version two. " * 30)
    results = list(ingest_all(app.store, app.embeddings, app.settings, [first, second]))
    assert results[0].ok and not results[1].ok and results[1].needs == "replace"
    assert [d.name for d in app.store.documents()] == ["plan.txt"]


def test_each_event_says_which_file_of_the_batch_and_how_many_are_left(app, tmp_path):
    """The upload bar's words (issue 17): no stage jargon, the file in work and what is left."""
    paths = []
    for n in range(3):
        paths.append(tmp_path / f"note{n}.txt")
        paths[-1].write_text(f"Note {n}: the bakery opens at six and the harbour closes at nine.", encoding="utf-8")
    events: list[Progress] = []
    results = app.ingest_paths(paths, on_progress=events.append)
    assert all(r.ok for r in results)
    assert {(e.file, e.files) for e in events} == {(1, 3), (2, 3), (3, 3)}
    assert [e.done for e in events] == sorted(e.done for e in events) and events[-1].done == 3
    first_embed = next(e for e in events if e.stage == "embed")
    assert first_embed.words().startswith(f"File {first_embed.file} of 3, note")
    assert "indexing its passages for search" in first_embed.words() and "still to finish" in first_embed.words()
    assert events[-1].words().endswith(": finished")
    assert Progress("a.pdf", "split", 0.3).words() == "a.pdf: cutting it into passages"
