"""The passage window (core/chat/window.py): what a passage borrows from its neighbours."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from core.chat.window import GAP, MAX_SIDE_CHARS, neighbours, overlap, touches, widen, widened, window
from core.llms.loaded import LoadedLLM
from core.retrieval.retriever import Retrieved
from core.service import DocChat
from core.settings import Settings
from core.store.records import Chunk, Hit

# The attention paper's page 5 as the app cuts it (abridged): the heads sentence sits in the chunk of
# formulas; the chunk that wins the heads question starts with the overlap line after it.
FORMULAS = ("Multi-head attention allows the model to jointly attend to information from different representation\n"
            "subspaces at different positions. With a single attention head, averaging inhibits this.\n"
            "MultiHead(Q,K,V ) = Concat(head1,..., headh)W O\n"
            "where headi = Attention(QW Q i ,KW K i ,VW V i )\n"
            "and W O ∈ Rhdv ×dmodel .\n"
            "In this work we employ h = 8 parallel attention layers, or heads. For each of these we use\n"
            "dk = dv = dmodel/h = 64. Due to the reduced dimension of each head, the total computational cost\n"
            "is similar to that of single-head attention with full dimensionality.")
WINNER = ("is similar to that of single-head attention with full dimensionality.\n"
          "3.2.3 Applications of Attention in our Model\n"
          "The Transformer uses multi-head attention in three different ways:\n"
          "• In encoder-decoder attention layers, the queries come from the previous decoder layer.")
NEXT = ("• The encoder contains self-attention layers. Each position in the encoder can attend to all positions.\n"
        "• Similarly, self-attention layers in the decoder allow each position to attend to earlier ones.")
HEADS = "How many attention heads does the Transformer use?"


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_touched_sentence_of_the_chunk_before_is_borrowed_and_the_gap_marked():
    text = window(FORMULAS, WINNER, NEXT, 2, question=HEADS)
    assert "h = 8 parallel attention layers, or heads." in text
    assert text.endswith(WINNER) or WINNER in text
    assert "MultiHead(Q,K,V )" not in text and "dk = dv" not in text  # formulas the question does not touch
    assert f"or heads.{GAP}is similar to" in text  # a line "…" for the sentences left out between
    assert text.count("is similar to that of single-head attention") == 1  # the overlap once


def test_without_a_question_the_nearest_sentences_are_borrowed_whole():
    text = window(FORMULAS, WINNER, None, 2, finish=True)
    assert flat(text).startswith("In this work we employ h = 8 parallel attention layers, or heads. For each")
    assert GAP not in text


def test_a_question_touching_nothing_borrows_nothing():
    assert window(FORMULAS, WINNER, NEXT, 2, question="Who wrote the paper?") == WINNER
    finished = window(FORMULAS, WINNER, NEXT, 2, question="Who wrote the paper?", finish=True)  # bench only
    assert finished == "Due to the reduced dimension of each head, the total computational cost\n" + WINNER


def test_with_finish_a_sentence_the_passage_cuts_is_finished_from_the_neighbour():
    before = ("The encoder maps inputs to a sequence.\n"
              "To facilitate these connections, all sub-layers, as well as the embedding")
    text = window(before, "layers, produce outputs of dimension dmodel = 512.", None, 2, question="Who?", finish=True)
    assert flat(text) == ("To facilitate these connections, all sub-layers, as well as the embedding "
                          "layers, produce outputs of dimension dmodel = 512.")
    after = "were chosen on the development set. Other sentences follow here."
    text = window(None, "These hyperparameters", after, 2, question="Who?", finish=True)
    assert flat(text) == "These hyperparameters were chosen on the development set."


def test_a_table_row_or_a_heading_is_not_taken_for_a_cut_sentence():
    rows = "NO | 항목명 | 설명\n1 | 환승센터명 | 복합환승센터의 명칭"
    row = "2 | 환승센터유형코드 | 유형"
    assert window(rows, row, None, 2, question="누가?", finish=True) == row
    after = "We used the Adam optimizer. It worked."
    assert window(None, "5.3 Optimizer", after, 2, question="Who?", finish=True) == "5.3 Optimizer"


def test_a_number_the_question_states_is_enough_to_touch():
    assert touches("Stale checks must be reissued within 120 days.", set(), {"120"})
    assert not touches("Stale checks must be reissued within 120 days.", {"check"}, set())
    assert window("Checks are stale after 120 days. Other text.", "Next passage.", None, 1,
                  question="What happens at 120?").startswith("Checks are stale after 120 days.")


def test_korean_words_match_without_their_particles():
    before = "김하성은 홈런을 쳤다. 시즌 타율은 .222로 상승했다. 날씨는 맑았다."
    text = window(before, "한편 샌디에이고는 승리했다.", None, 2, question="김하성의 시즌 타율은 얼마로 올랐나요?")
    assert "시즌 타율은 .222로 상승했다." in text and "날씨는" not in text


def test_what_a_side_borrows_is_capped():
    long_sentence = "attention heads " * 60 + "end."
    text = window(f"Start. {long_sentence}", "Passage.", None, 2, question=HEADS)
    assert len(text) <= MAX_SIDE_CHARS + len("Passage.") + 1


def test_overlap_is_the_shared_end_and_start():
    assert overlap("abc\nthe shared line.", "the shared line.\nnext") == len("the shared line.")
    assert overlap("ends with a dot.", ". starts with one") == 0  # too short to be the splitter's overlap


def chunks(*specs: tuple[str, int | None, str | None]) -> list[tuple[int, Chunk]]:
    return [(10 + i, Chunk(text, page, i, heading)) for i, (text, page, heading) in enumerate(specs)]


def test_neighbours_stay_on_the_page_and_in_the_section_and_skip_passages_already_given():
    doc = chunks(("page four", 4, None), ("first", 5, None), ("second", 5, None), ("third", 5, "3.3"))
    assert neighbours(doc, 11, set()) == (None, "second")  # page 4 is another page
    assert neighbours(doc, 12, set()) == ("first", None)  # 3.3 is another section
    assert neighbours(doc, 12, {11}) == (None, None)
    assert neighbours(doc, 11, set(), pages_apart=1) == ("page four", "second")
    assert neighbours(doc, 99, set()) == (None, None)


class FakeStore:
    def __init__(self, documents: dict[str, list[tuple[int, Chunk]]]) -> None:
        self.documents = documents
        self.asked: list[str] = []

    def document_chunks(self, sha256: str) -> list[tuple[int, Chunk]]:
        self.asked.append(sha256)
        return self.documents[sha256]


def hit(chunk_id: int, text: str, sha256: str = "paper", page: int | None = 5) -> Hit:
    return Hit("paper.pdf", page, text, 0.5, sha256, chunk_id)


def test_widen_keeps_the_hits_and_their_order_and_reads_each_document_once():
    store = FakeStore({"paper": chunks((FORMULAS, 5, None), (WINNER, 5, None), (NEXT, 5, None))})
    hits = [hit(11, WINNER), hit(12, NEXT)]
    wide = widen(hits, store, 2, HEADS)  # type: ignore[arg-type]
    assert [h.chunk_id for h in wide] == [11, 12] and [h.page for h in wide] == [5, 5]
    assert "h = 8" in wide[0].text and wide[1].text == NEXT  # 12's neighbour 11 is given already
    assert store.asked == ["paper"]
    assert widen(hits, store, 0, HEADS) == hits  # type: ignore[arg-type]


def test_a_refusal_keeps_its_closest_passages_as_stored():
    store = FakeStore({"paper": chunks((FORMULAS, 5, None), (WINNER, 5, None))})
    refused = Retrieved([hit(11, WINNER)], grounded=False)
    assert widened(refused, store, 2, HEADS) is refused  # type: ignore[arg-type]
    answered = widened(Retrieved([hit(11, WINNER)], grounded=True), store, 2, HEADS)  # type: ignore[arg-type]
    assert "h = 8" in answered.hits[0].text


def paper_app(settings: Settings, fake_embeddings: Embeddings, sentences: int) -> DocChat:
    app = DocChat(settings.replace(chunk_size=400, chunk_overlap=80, k=1, window_sentences=sentences),
                  embeddings=fake_embeddings)
    text = (FORMULAS + "\n" + WINNER[len("is similar to that of single-head attention with full dimensionality.\n"):]
            + "\n" + NEXT)
    assert app.ingest_file("paper.txt", text.encode()).ok
    return app


def test_the_answer_engine_gives_the_model_and_the_sources_the_widened_passages(settings, fake_embeddings):
    llm = LoadedLLM("fake", FakeListChatModel(responses=["8 [1]"]))
    app = paper_app(settings, fake_embeddings, 2)
    engine = app.engine(llm)
    question = "Transformer multi-head attention"  # grounded by its words, whatever the fake vectors say
    stored = app.retrieve(question)
    given = engine.retrieve(question)
    assert given.grounded and [h.chunk_id for h in given.hits] == [h.chunk_id for h in stored.hits]
    assert stored.hits[0].text in given.hits[0].text and len(given.hits[0].text) > len(stored.hits[0].text)
    answer = engine.answer(question)
    assert [h.text for h in answer.sources] == [h.text for h in given.hits]  # shown as the model read them


def test_window_sentences_zero_gives_the_chunks_as_stored(settings, fake_embeddings):
    llm = LoadedLLM("fake", FakeListChatModel(responses=["8 [1]"]))
    app = paper_app(settings, fake_embeddings, 0)
    question = "Transformer multi-head attention"
    assert app.engine(llm).retrieve(question).hits == app.retrieve(question).hits
