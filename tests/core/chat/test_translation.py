"""A Korean question about English passages is searched in English too (core/chat/translation.py)."""

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableLambda

from core.chat.engine import ChatEngine
from core.chat.prompts import NOT_FOUND_KO
from core.chat.translation import needs_translation, taken_in_turn, usable_translation
from core.llms.loaded import LoadedLLM
from core.retrieval.retriever import Retrieved
from core.store.records import Hit

QUESTION = "피드포워드 네트워크의 안쪽 층은 몇 차원인가요?"
TRANSLATION = "How many dimensions does the inner layer of the feed-forward network have?"


def _hit(chunk_id: int, text: str, similarity: float = 0.8) -> Hit:
    return Hit("paper.pdf", chunk_id, text, 0.5, "ab" * 32, chunk_id, similarity=similarity)


ASKED = [_hit(1, "The Transformer uses 8 heads."), _hit(2, "We used 8 P100 GPUs."), _hit(3, "Dropout 0.1.")]
TRANSLATED = [_hit(4, "The inner layer has dimensionality 2048."), _hit(1, "The Transformer uses 8 heads."),
              _hit(5, "Each layer has two sub-layers.")]


class Library:
    """Gives the asked question's passages to it and the translation's to anything else."""

    def __init__(self, asked: list[Hit], translated: list[Hit], grounded: tuple[bool, bool] = (True, True)) -> None:
        self.asked, self.translated, self.grounded = asked, translated, grounded
        self.queries: list[str] = []

    def __call__(self, query: str) -> Retrieved:
        self.queries.append(query)
        if query == QUESTION:
            return Retrieved(self.asked, self.grounded[0])
        return Retrieved(self.translated, self.grounded[1])


class Model:
    def __init__(self, replies: list[str]) -> None:
        self.replies, self.prompts = list(replies), []  # type: ignore[var-annotated]

    def __call__(self, prompt) -> AIMessage:  # noqa: ANN001 - a LangChain prompt value
        self.prompts.append(prompt.to_string())
        return AIMessage(self.replies.pop(0))


def _engine(library: Library, replies: list[str]) -> tuple[ChatEngine, Model]:
    model = Model(replies)
    return ChatEngine(library, LoadedLLM("fake", RunnableLambda(model))), model


def test_a_korean_question_near_english_passages_is_searched_in_english_too_and_answered_in_korean():
    library = Library(ASKED, TRANSLATED)
    engine, model = _engine(library, [TRANSLATION, "2048차원입니다 [1]."])
    answer = engine.answer(QUESTION)
    assert "".join(answer.tokens) == "2048차원입니다 [1]."
    assert library.queries == [QUESTION, TRANSLATION] and answer.translation == TRANSLATION
    assert "Translate" in model.prompts[0] and QUESTION in model.prompts[0]
    # the translation's passages and the question's own in turn, without repeats, as many as were asked for
    assert [h.chunk_id for h in answer.sources] == [4, 1, 2]
    assert f"Question: {QUESTION}" in model.prompts[1] and "Answer in Korean" in model.prompts[1]
    assert answer.standalone == QUESTION  # the page says "searched for" the rewrite; the translation apart


def test_a_question_refused_as_asked_stays_refused_without_a_translation():
    """An English question is nearer any English passage than a Korean one is, related or not, and the default
    model mistranslates everyday words ("오리는 무엇을 먹나요?": "What do you eat?"): the refusal stands."""
    library = Library(ASKED, TRANSLATED, grounded=(False, True))
    engine, model = _engine(library, [])
    answer = engine.answer(QUESTION)
    assert not answer.found and "".join(answer.tokens) == NOT_FOUND_KO
    assert library.queries == [QUESTION] and not model.prompts and answer.translation is None


def test_no_model_call_for_an_english_question_or_korean_passages():
    korean = [_hit(6, "빅포인트의 유효기간은 5년입니다.")]
    for question, library in (("How many heads?", Library(ASKED, TRANSLATED)), (QUESTION, Library(korean, []))):
        engine, model = _engine(library, ["8 [1]."])
        list(engine.answer(question).tokens)
        assert library.queries == [question] and len(model.prompts) == 1 and "Translate" not in model.prompts[0]


def test_a_reply_that_is_not_an_english_question_is_not_searched():
    library = Library(ASKED, TRANSLATED)
    engine, model = _engine(library, ["안쪽 층은 2048차원입니다.", "2048 [1]."])
    answer = engine.answer(QUESTION)
    assert library.queries == [QUESTION] and answer.translation is None
    assert [h.chunk_id for h in answer.sources] == [1, 2, 3] and "".join(answer.tokens) == "2048 [1]."


def test_usable_translation_takes_the_first_english_line_unquoted():
    assert usable_translation(f'"{TRANSLATION}"\n\n(번역)') == TRANSLATION
    assert usable_translation("  \n") is None
    assert usable_translation("피드포워드 네트워크") is None
    assert len(usable_translation("Why " * 500) or "") == 400


def test_taken_in_turn_keeps_every_passage_once_and_the_questions_own_verdict():
    for grounded in (True, False):
        both = taken_in_turn(Retrieved(ASKED, grounded), Retrieved(TRANSLATED[:1], not grounded))
        assert [h.chunk_id for h in both.hits] == [4, 1, 2] and both.grounded == grounded


def test_needs_translation_looks_at_the_passages_found():
    assert needs_translation(QUESTION, Retrieved(ASKED, True))
    assert not needs_translation(QUESTION, Retrieved(ASKED, False))
    assert not needs_translation(QUESTION, Retrieved([], False))
    assert not needs_translation("How many heads?", Retrieved(ASKED, True))
    assert not needs_translation(QUESTION, Retrieved([_hit(6, "빅포인트의 유효기간은 5년입니다.")], True))


def test_a_korean_question_whose_best_passage_is_korean_is_not_translated():
    """The walk's 장미란 question over a Korean press release beside English papers: its best passage is the
    press release, an English one came third, and the model's translation ("…a player from the Kwanza
    region?") was shown on the page for nothing."""
    korean = _hit(7, "장미란 차관은 진천 국가대표 선수촌을 방문했다.")
    assert not needs_translation("장미란 차관은 어느 선수촌을 방문했나요?", Retrieved([korean, *ASKED[:2]], True))
    assert needs_translation("장미란 차관은 어느 선수촌을 방문했나요?", Retrieved([ASKED[0], korean], True))
