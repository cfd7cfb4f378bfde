from core.service import DocChat


def test_documents_are_found_by_name_hash_or_hash_prefix(app: DocChat, lighthouse_pdf):
    [result] = app.ingest_paths([lighthouse_pdf])
    assert [d.name for d in app.find_documents("lighthouse.pdf")] == ["lighthouse.pdf"]
    assert [d.sha256 for d in app.find_documents(result.sha256)] == [result.sha256]
    assert [d.sha256 for d in app.find_documents(result.sha256[:8].upper())] == [result.sha256]
    assert app.find_documents(result.sha256[:3]) == []  # too short to be a hash, not a name either
    assert app.find_documents("nothing.pdf") == []


def test_delete_then_the_same_file_can_be_added_again(app: DocChat, lighthouse_pdf):
    [first] = app.ingest_paths([lighthouse_pdf])
    assert app.delete(first.sha256).name == "lighthouse.pdf"
    assert app.store.documents() == [] and app.store.vector_count() == 0
    assert app.search("lighthouse") == []
    [again] = app.ingest_paths([lighthouse_pdf])
    assert again.ok and not again.duplicate


def test_empty_library_search_does_not_load_the_embedder(settings):
    app = DocChat(settings)  # no embeddings given: loading the real model would be slow
    assert app.search("anything") == []
    assert app._embeddings is None


def test_reindex_switches_the_library_to_the_configured_model(settings, lighthouse_pdf, tmp_path):
    from langchain_core.embeddings import DeterministicFakeEmbedding

    class Named(DeterministicFakeEmbedding):
        name: str

    old = DocChat(settings, embeddings=Named(size=32, name="old-model"))
    old.ingest_paths([lighthouse_pdf])
    chunks = old.store.chunk_count()
    new_model = str(tmp_path)  # a local model directory: any name but a shipped one must be one
    new = DocChat(settings.replace(embedding_model=new_model), embeddings=Named(size=16, name=new_model))
    assert new.needs_reindex() == "old-model"
    refused = new.ingest_file("more.txt", b"More text about the harbour.")
    assert not refused.ok and "re-index" in refused.message
    progress: list[float] = []
    assert new.reindex(progress.append) == chunks
    assert progress[-1] == 1.0
    assert new.needs_reindex() is None and new.store.meta("dimension") == "16"
    assert new.store.vector_count() == chunks
    assert new.search("lighthouse", mode="vector")
    assert new.ingest_file("more.txt", b"More text about the harbour.").ok
