import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from core.llms.loaded import LoadedLLM
from core.service import DocChat
from core.store.scope import Scope


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


def _three_notes(app: DocChat) -> tuple[str, str, str]:
    harbour = app.ingest_file("harbour.txt", b"The harbour master keeps the tide tables. " * 5, collection="work")
    docks = app.ingest_file("docks.txt", b"The tide at the docks turns at noon. " * 5, collection="work")
    garden = app.ingest_file("garden.txt", b"The tide of weeds rises in the garden. " * 5, collection="home")
    return harbour.sha256, docks.sha256, garden.sha256


def test_a_scope_limits_search_retrieve_and_answers_and_the_collections_argument_still_works(app: DocChat):
    harbour, docks, garden = _three_notes(app)
    one = Scope.of(documents=[docks])
    assert {h.source for h in app.search("tide", k=5, mode="keyword", scope=one)} == {"docks.txt"}
    assert {h.source for h in app.search("tide", k=5, scope=one)} == {"docks.txt"}
    assert {h.source for h in app.retrieve("tide tables", scope=one).hits} == {"docks.txt"}
    mixed = app.search("tide", k=5, mode="keyword", collections=["work"], scope=Scope.of(documents=[harbour, garden]))
    assert {h.source for h in mixed} == {"harbour.txt"}  # in the collection and among the documents
    llm = LoadedLLM("fake", FakeListChatModel(responses=["x"]))
    assert {h.source for h in app.engine(llm, scope=one).retrieve("tide").hits} == {"docks.txt"}
    assert {h.source for h in app.engine(llm, ["home"]).retrieve("tide").hits} == {"garden.txt"}  # as the page calls it
    with pytest.raises(ValueError, match="twice"):
        app.search("tide", collections=["work"], scope=Scope.of(["home"]))


def test_the_documents_a_scope_searches_are_listed_as_its_questions_search_them(app: DocChat):
    harbour, docks, garden = _three_notes(app)
    def names(scope: Scope | None) -> list[str]:
        return [d.name for d in app.documents_in(scope)]

    assert names(None) == names(Scope.of()) == [d.name for d in app.documents()]
    assert names(Scope.of(documents=[garden, docks])) == ["docks.txt", "garden.txt"]  # oldest first
    assert names(Scope.of(["home"])) == ["garden.txt"]
    assert names(Scope.of(["work"], [harbour, garden])) == ["harbour.txt"]  # both limits, as search applies them


def test_a_conversation_is_saved_with_its_scope_and_reopened_with_it(app: DocChat, fake_embeddings):
    scope = Scope.of(["work"], ["a" * 64])
    record = app.save_turn(None, "What does it say?", {"role": "assistant", "content": "Figures."}, scope=scope)
    assert record.scope == scope
    app.save_turn(record.id, "And then?", {"role": "assistant", "content": "More."})
    reopened = DocChat(app.settings, embeddings=fake_embeddings).conversation(record.id)
    assert reopened is not None and reopened.record.scope == scope and reopened.record.turns == 2
    plain = app.save_turn(None, "Anything?", {"role": "assistant", "content": "No."})
    assert app.conversation(plain.id).record.scope is None


def test_a_question_that_names_documents_by_file_name_is_answered_from_them(app: DocChat):
    """The walk's "Summarize the press release in three sentences.": searched among all passages, a
    paper's reference list ("Ofir Press…") came first and the model summarized that."""
    press = app.ingest_file("press-release-2024.txt", b"The ministry sends 140 athletes to the Paris games. " * 5)
    paper = app.ingest_file("paper.txt", b"Ofir Press wrote on output embeddings; the code release followed. " * 5)
    engine = app.engine(LoadedLLM("fake", FakeListChatModel(responses=["x"])))
    named = engine.retrieve("Summarize the press release in three sentences.")
    assert {h.source for h in named.hits} == {"press-release-2024.txt"} and named.grounded
    assert "paper.txt" in {h.source for h in engine.retrieve("Who wrote on output embeddings and the release?").hits}
    # a scope stands: a document named outside it is not searched
    inside = app.engine(engine.llm, scope=Scope.of(documents=[paper.sha256]))
    assert {h.source for h in inside.retrieve("Summarize the press release.").hits} == {"paper.txt"}
    assert press.ok


def test_a_question_that_speaks_of_no_document_does_not_list_the_library(app: DocChat, monkeypatch):
    app.ingest_file("press-release-2024.txt", b"The ministry sends 140 athletes to the Paris games. " * 5)
    listed: list[object] = []
    monkeypatch.setattr(app, "documents_in", lambda scope: listed.append(scope) or [])
    engine = app.engine(LoadedLLM("fake", FakeListChatModel(responses=["x"])))
    assert engine.retrieve("How many athletes go to Paris?").hits and listed == []
