import threading

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.retrievers import BaseRetriever

from core.chat.engine import ChatEngine, Turn, format_context
from core.llms.loaded import LoadedLLM


class RecordingRetriever(BaseRetriever):
    queries: list[str] = []

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun):
        self.queries.append(query)
        return [Document(page_content="The decoder has 6 layers.", metadata={"source": "paper.pdf", "page": 3})]


def _engine(responses: list[str]) -> tuple[ChatEngine, RecordingRetriever]:
    retriever = RecordingRetriever(queries=[])
    return ChatEngine(retriever, LoadedLLM("fake", FakeListChatModel(responses=responses))), retriever


def test_first_turn_skips_the_condense_call_and_streams_with_sources():
    engine, retriever = _engine(["It has 6 layers [1]."])
    answer = engine.answer("How many layers does the decoder have?")
    assert retriever.queries == ["How many layers does the decoder have?"]
    assert answer.sources[0].metadata == {"source": "paper.pdf", "page": 3}
    tokens = list(answer.tokens)
    assert len(tokens) > 1 and "".join(tokens) == "It has 6 layers [1]."


def test_follow_up_is_rewritten_with_the_history_before_retrieval():
    engine, retriever = _engine(["How many layers does the decoder of the Transformer have?", "6 [1]."])
    history = [Turn("user", "How many layers does the Transformer encoder have?"), Turn("assistant", "6.")]
    answer = engine.answer("and what about its decoder?", history)
    assert retriever.queries == ["How many layers does the decoder of the Transformer have?"]
    assert answer.standalone == retriever.queries[0]
    assert "".join(answer.tokens) == "6 [1]."


def test_an_empty_rewrite_falls_back_to_the_question():
    engine, retriever = _engine(["   ", "ok"])
    engine.answer("and then?", [Turn("user", "first"), Turn("assistant", "reply")])
    assert retriever.queries == ["and then?"]


def test_context_numbers_passages_with_file_and_page():
    docs = [Document(page_content="A", metadata={"source": "a.pdf", "page": 2}),
            Document(page_content="B", metadata={"source": "b.md", "page": None})]
    assert format_context(docs) == "[1] (a.pdf, page 2)\nA\n\n[2] (b.md)\nB"


def test_the_model_serves_one_question_at_a_time():
    engine, _ = _engine(["first answer", "second answer"])
    first = engine.answer("one?")
    next(first.tokens)  # holding the model mid-stream
    assert engine.llm.busy()
    second = engine.answer("two?")
    done = threading.Event()

    def consume():
        list(second.tokens)
        done.set()

    worker = threading.Thread(target=consume)
    worker.start()
    assert not done.wait(0.3)  # waits for the first answer to finish
    list(first.tokens)
    assert done.wait(5)
    worker.join()
    assert not engine.llm.busy()
