"""Documents committed keyword-first and embedded afterwards (core.ingest.background): searchable by
their words at once, by meaning once their vectors land; batches committed one by one, so a failure
half way keeps what landed and the next run finishes without embedding anything twice."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from core.ingest import background
from core.ingest.records import Upload
from core.llms.loaded import ModelLock, generating
from core.service import DocChat

NOTES = {f"note-{n}.txt": " ".join(f"Note {n} sentence {i} about the lighthouse keeper number {n}." for i in range(40))
         .encode() for n in range(3)}


def _add_later(app: DocChat) -> list[str]:
    results = list(app.ingest_uploads([Upload(name, data, defer_vectors=True) for name, data in NOTES.items()]))
    assert all(r.ok for r in results), [r.message for r in results]
    return [r.sha256 for r in results]


class Counting(DeterministicFakeEmbedding):
    """Counts the texts it embeds; raises once ``fail_after`` texts went through (a crash half way)."""

    texts: list[str] = []
    fail_after: int | None = None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.fail_after is not None and len(self.texts) + len(texts) > self.fail_after:
            raise RuntimeError("the embedder died")
        self.texts.extend(texts)
        return super().embed_documents(texts)


def _commits(app: DocChat, monkeypatch) -> list[set[int]]:
    """The chunk ids of each ``add_vectors`` commit from now on, in order."""
    commits: list[set[int]] = []
    add_vectors = app.store.add_vectors

    def recorded(vectors, ids, sentences=None):
        commits.append(set(ids.tolist()))
        return add_vectors(vectors, ids, sentences)

    monkeypatch.setattr(app.store, "add_vectors", recorded)
    return commits


def test_a_document_added_for_later_is_found_by_its_words_at_once_and_by_meaning_after(app: DocChat):
    shas = _add_later(app)
    chunks = app.store.chunk_count()
    assert app.store.vector_count() == 0 and len(app.store.missing_vectors()) == chunks
    assert app.pending() == {sha: (n, n) for sha, n in ((d.sha256, d.chunks) for d in app.documents())}
    assert set(app.pending()) == set(shas)
    assert app.search("lighthouse keeper number 1", k=1, mode="keyword")[0].source == "note-1.txt"
    assert app.search("lighthouse keeper", k=3, mode="vector") == []  # no vectors yet

    progress: list[tuple[int, int]] = []
    assert app.embed_pending(lambda done, total: progress.append((done, total))) == chunks
    assert app.pending() == {} and app.store.vector_count() == chunks
    assert progress[0] == (0, chunks) and progress[-1] == (chunks, chunks)
    assert len(app.search("lighthouse keeper", k=3, mode="vector")) == 3
    assert app.embed_pending() == 0  # nothing left, nothing embedded twice


def test_a_failure_half_way_keeps_the_committed_batches_and_the_next_run_embeds_only_the_rest(
        settings, monkeypatch):
    monkeypatch.setattr(background, "COMMIT_CHUNKS", 4)
    embedder = Counting(size=32)
    embedder.texts, embedder.fail_after = [], None
    app = DocChat(settings.replace(sentence_weight=0), embeddings=embedder)
    _add_later(app)
    chunks = app.store.chunk_count()
    assert chunks > 8
    embedder.fail_after = 6  # dies in the second batch of 4
    with pytest.raises(RuntimeError, match="embedder died"):
        app.embed_pending()
    assert app.store.vector_count() == 4  # the first batch was committed
    assert len(app.store.missing_vectors()) == chunks - 4
    assert sorted(d.name for d in app.documents()) == sorted(NOTES)  # no document lost

    embedder.fail_after = None
    reopened = DocChat(settings.replace(sentence_weight=0), embeddings=embedder)  # a restart
    before = len(embedder.texts)
    assert reopened.embed_pending() == chunks - 4
    assert len(embedder.texts) - before == chunks - 4  # the committed ones are not embedded again
    assert reopened.store.vector_count() == chunks and reopened.pending() == {}


def test_a_file_added_while_others_wait_is_embedded_next_in_reading_order(settings, monkeypatch):
    """A folder of notes fills, newest first; the user adds one more file: its vectors come right after the
    commit in flight, not after every note before it, and nothing is embedded twice or left out."""
    monkeypatch.setattr(background, "COMMIT_SECONDS", 1e9)  # no commit for time: the arrival alone redraws the line
    monkeypatch.setattr(background, "SLICE", 2)
    embedder = Counting(size=32)
    embedder.texts, embedder.fail_after = [], None
    app = DocChat(settings.replace(sentence_weight=0), embeddings=embedder)
    _add_later(app)
    late = " ".join(f"Late line {i} about the ferry timetable." for i in range(40)).encode()

    def add_one_more(done: int, _total: int) -> None:
        if done == 2 and "late.txt" not in {d.name for d in app.documents()}:
            assert list(app.ingest_uploads([Upload("late.txt", late, defer_vectors=True)]))[0].ok

    chunks_before = app.store.chunk_count()
    assert app.embed_pending(add_one_more) == app.store.chunk_count() > chunks_before
    [late_doc] = [d for d in app.documents() if d.name == "late.txt"]
    late_texts = [chunk.text for _, chunk in app.store.document_chunks(late_doc.sha256)]
    assert all(text.startswith("Note 2 ") for text in embedder.texts[:2])  # the newest waiting note went first
    assert sorted(embedder.texts[2:2 + len(late_texts)]) == sorted(late_texts)  # then the file added meanwhile
    assert len(embedder.texts) == app.store.chunk_count() and app.pending() == {}


def test_the_newest_document_is_committed_as_soon_as_its_vectors_are_in(settings, monkeypatch):
    """It does not wait for the rest of its batch: the vectors of what the user added last are searchable at once."""
    monkeypatch.setattr(background, "COMMIT_SECONDS", 1e9)  # otherwise one commit for the whole batch
    app = DocChat(settings.replace(sentence_weight=0), embeddings=DeterministicFakeEmbedding(size=32))
    shas = _add_later(app)
    commits = _commits(app, monkeypatch)
    assert app.embed_pending() == app.store.chunk_count()
    assert commits[0] == {i for i, _ in app.store.document_chunks(shas[-1])}  # the newest note, alone
    assert len(commits) == 2 and set().union(*commits) == {i for d in shas for i, _ in app.store.document_chunks(d)}


def test_files_landing_one_after_another_redraw_the_line_once_per_commit_window(settings, monkeypatch):
    """A folder whose files land every second must not turn every slice into a commit (each rewrites the
    index file): after one redraw, the next arrival waits for the round to end."""
    monkeypatch.setattr(background, "COMMIT_SECONDS", 1e9)
    monkeypatch.setattr(background, "SLICE", 2)
    app = DocChat(settings.replace(sentence_weight=0), embeddings=DeterministicFakeEmbedding(size=32))
    _add_later(app)
    arrivals = {2: "first.txt", 4: "second.txt"}

    def arrive(done: int, _total: int) -> None:
        name = arrivals.pop(done, None)
        if name:
            body = " ".join(f"{name} line {i} about the tide tables." for i in range(30)).encode()
            assert list(app.ingest_uploads([Upload(name, body, defer_vectors=True)]))[0].ok

    commits = _commits(app, monkeypatch)
    app.embed_pending(arrive)
    chunks = {d.name: {i for i, _ in app.store.document_chunks(d.sha256)} for d in app.documents()}
    assert len(commits[0]) == 2  # the slice in flight when the first file landed
    assert commits[1] == chunks["first.txt"]  # then that file, alone
    assert chunks["second.txt"] <= commits[-1] and len(commits) == 4  # the second waited for the round's end
    assert app.pending() == {}


def test_the_embedder_steps_aside_while_a_model_answers_and_stops_when_told(app: DocChat, monkeypatch):
    monkeypatch.setattr(background, "PAUSE_SECONDS", 0.01)
    _add_later(app)
    model = ModelLock()
    model.acquire()
    assert generating()
    stop = threading.Event()
    done: list[int | None] = []
    worker = threading.Thread(target=lambda: done.append(app.embed_pending(stop=stop)))
    worker.start()
    worker.join(0.5)
    assert worker.is_alive() and app.store.vector_count() == 0  # waits for the answer to finish
    model.release()
    assert not generating()
    worker.join(30)
    assert done == [app.store.chunk_count()]

    _add_later_again = list(app.ingest_uploads([Upload("more.txt", b"More about the keeper. " * 40,
                                                       defer_vectors=True)]))
    assert _add_later_again[0].ok
    stop.set()
    assert app.embed_pending(stop=stop) == 0  # told to stop before the first slice
    assert app.pending()


def test_one_embedder_per_data_dir(app: DocChat):
    _add_later(app)
    with background.claim(app.settings.data_dir) as mine:
        assert mine
        assert app.embedding_elsewhere()
        assert app.embed_pending() is None  # left to the one that holds it
        assert app.repair() == 0
    assert not app.embedding_elsewhere()
    assert app.embed_pending() == app.store.chunk_count()


def test_the_chunks_are_listed_once_under_the_claim_so_another_embedders_work_is_not_done_again(
        settings, monkeypatch):
    """Another process (``watch run`` beside the app) commits the vectors just before this one claims the
    data dir: they are not listed, embedded or added again, and the list is taken once, not twice."""
    embedder = Counting(size=32)
    embedder.texts, embedder.fail_after = [], None
    app = DocChat(settings.replace(sentence_weight=0), embeddings=embedder)
    _add_later(app)
    chunks = app.store.chunk_count()
    listed: list[int] = []
    missing_vectors = app.store.missing_vectors
    monkeypatch.setattr(app.store, "missing_vectors", lambda: listed.append(1) or missing_vectors())
    claim = background.claim

    @contextmanager
    def claimed_after_another_embedder(data_dir):
        monkeypatch.setattr(background, "claim", claim)  # the other process claims as usual
        elsewhere = Counting(size=32)  # the same model, in another process
        elsewhere.texts, elsewhere.fail_after = [], None
        assert DocChat(settings.replace(sentence_weight=0), embeddings=elsewhere).embed_pending() == chunks
        with claim(data_dir) as mine:
            yield mine

    monkeypatch.setattr(background, "claim", claimed_after_another_embedder)
    assert app.embed_pending() == 0
    assert len(listed) == 1 and embedder.texts == []
    assert app.store.vector_count() == chunks and app.pending() == {}


def test_an_upload_waits_for_its_vectors_unless_asked_not_to(app: DocChat):
    app.ingest_file("now.txt", b"Embedded before it is committed, as always. " * 20)
    assert app.pending() == {} and app.store.vector_count() == app.store.chunk_count()


def test_the_embedder_thread_runs_when_poked_says_why_it_failed_and_stops(app: DocChat, monkeypatch):
    monkeypatch.setattr(background, "IDLE_SECONDS", 0.05)
    _add_later(app)
    runs: list[int] = []

    def run(stop: threading.Event) -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("the disk is full")
        app.embed_pending(stop=stop)

    thread = background.Embedder(run)
    try:
        thread.poke()
        deadline = 200
        while app.pending() and deadline:
            threading.Event().wait(0.05)
            deadline -= 1
        assert app.pending() == {} and len(runs) >= 2  # the failed run was tried again
    finally:
        thread.close()
    assert thread.failure == ""
    ran = len(runs)
    thread.poke()  # a closed embedder starts nothing
    threading.Event().wait(0.2)
    assert len(runs) == ran


def test_hits_still_waiting_for_vectors_are_judged_on_the_same_scale_as_the_rest(app: DocChat):
    """Their cosine to the question is embedded on the spot (only the k hits), so "is it in the library"
    and the claim check do not refuse a document that is still being indexed; it equals the stored one."""
    _add_later(app)
    question = "lighthouse keeper number 2"
    waiting = app.search(question, k=3, mode="hybrid")
    assert waiting and all(h.similarity is not None for h in waiting)
    app.embed_pending()
    stored = {h.chunk_id: h.similarity for h in app.search(question, k=3, mode="hybrid")}
    for hit in waiting:
        if hit.chunk_id in stored:
            assert hit.similarity == pytest.approx(stored[hit.chunk_id], abs=1e-5)
    assert set(stored) & {h.chunk_id for h in waiting}


def test_a_question_arriving_mid_slice_pauses_the_embedder_before_its_next_call(settings, monkeypatch):
    """The embedder looks before each call of ``BATCH`` texts, not only between slices: a question's own
    vector needs the embedder's lock, and a slice holds it for seconds on a loaded machine."""
    from core.llms.loaded import answering

    monkeypatch.setattr(background, "PAUSE_SECONDS", 0.01)
    monkeypatch.setattr(background, "BATCH", 2)
    question = answering()
    calls: list[bool] = []

    class AskedMidSlice(DeterministicFakeEmbedding):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            calls.append(generating())
            if len(calls) == 1:
                question.__enter__()  # a question arrives during the slice's first call
                threading.Timer(0.2, question.__exit__, (None, None, None)).start()
            return super().embed_documents(texts)

    app = DocChat(settings.replace(sentence_weight=0), embeddings=AskedMidSlice(size=32))
    _add_later(app)
    assert background.SLICE > 2  # so the second call is inside the first slice
    assert app.embed_pending() == app.store.chunk_count()
    assert len(calls) > 2 and not any(calls)  # no call started while the question was being answered


def test_the_embedder_works_in_small_calls_while_someone_is_chatting_and_full_ones_otherwise(settings, monkeypatch):
    """Small calls keep a question's wait for the call in flight short; full ones keep the encoder's speed."""
    from core.llms import loaded

    sizes: list[int] = []

    class Sizes(DeterministicFakeEmbedding):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            sizes.append(len(texts))
            return super().embed_documents(texts)

    monkeypatch.setattr(background, "SLICE", 40)  # slices of many texts, so the call size shows
    app = DocChat(settings.replace(sentence_weight=0), embeddings=Sizes(size=32))
    list(app.ingest_uploads([Upload("first.txt", b"First about the keeper. " * 400, defer_vectors=True)]))
    monkeypatch.setattr(background, "seconds_since_asked", lambda: float("inf"))  # nobody asked anything
    app.embed_pending()
    assert max(sizes) > background.CHATTING_BATCH
    with loaded.answering():
        assert loaded.seconds_since_asked() == 0.0
    assert 0.0 <= loaded.seconds_since_asked() < background.CHATTING_SECONDS
    monkeypatch.setattr(background, "seconds_since_asked", loaded.seconds_since_asked)
    sizes.clear()
    list(app.ingest_uploads([Upload("more.txt", b"More about the keeper. " * 400, defer_vectors=True)]))
    app.embed_pending()
    assert sizes and max(sizes) <= background.CHATTING_BATCH  # a question a moment ago: small calls
