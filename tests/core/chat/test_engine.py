import threading

import numpy as np
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableLambda

from core.chat.engine import ChatEngine, Turn, format_context, format_history
from core.chat.prompts import NOT_FOUND, NOT_FOUND_KO, TOO_LONG
from core.llms.loaded import LoadedLLM
from core.retrieval.retriever import Retrieved
from core.settings import Settings
from core.store.records import Hit

PASSAGE = Hit("paper.pdf", 3, "The decoder has 6 layers.", 0.9, "ab" * 32, 1)
KOREAN_PASSAGE = Hit("보도자료.hwpx", None, "문화체육관광부는 오늘 새 계획을 발표했다.", 0.9, "cd" * 32, 2)


class RecordingRetriever:
    def __init__(self, grounded: bool = True, passage: Hit = PASSAGE) -> None:
        self.queries: list[str] = []
        self.grounded = grounded
        self.passage = passage

    def __call__(self, query: str) -> Retrieved:
        self.queries.append(query)
        return Retrieved([self.passage], self.grounded)


def _engine(responses: list[str], grounded: bool = True) -> tuple[ChatEngine, RecordingRetriever]:
    retriever = RecordingRetriever(grounded)
    return ChatEngine(retriever, LoadedLLM("fake", FakeListChatModel(responses=responses))), retriever


def test_first_turn_skips_the_condense_call_and_streams_with_sources():
    engine, retriever = _engine(["It has 6 layers [1]."])
    answer = engine.answer("How many layers does the decoder have?")
    assert retriever.queries == ["How many layers does the decoder have?"]
    assert answer.sources == [PASSAGE] and answer.found
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


def test_context_numbers_passages_with_file_page_and_heading():
    hits = [Hit("a.pdf", 2, "A", 1.0, "a" * 64, 1), Hit("b.md", None, "B", 0.5, "b" * 64, 2, heading="Setup")]
    assert format_context(hits) == "[1] (a.pdf, page 2)\nA\n\n[2] (b.md, Setup)\nB"


def test_nothing_close_enough_answers_not_found_without_asking_the_model():
    engine, _ = _engine([], grounded=False)  # the fake model has no answer to give: it must not be called
    answer = engine.answer("What is the airspeed of a swallow?")
    assert not answer.found
    assert "".join(answer.tokens) == NOT_FOUND
    assert answer.sources == [PASSAGE]  # the closest passages are still shown


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


def test_a_question_over_the_limit_is_refused_in_one_sentence_without_the_model():
    engine, retriever = _engine([])  # the fake model has no answer: asking it would fail
    engine.max_question_chars = 20
    answer = engine.answer("x" * 21, [Turn("user", "earlier"), Turn("assistant", "reply")])
    assert retriever.queries == [] and answer.sources == [] and not answer.found
    assert "".join(answer.tokens) == TOO_LONG.format(length=21, limit=20)
    assert "21 characters" in TOO_LONG.format(length=21, limit=20)


def test_a_question_at_the_limit_is_answered_and_the_limit_defaults_to_the_setting():
    engine, retriever = _engine(["6 [1]."])
    assert engine.max_question_chars == Settings().max_question_chars == 4000
    engine.max_question_chars = 20
    assert "".join(engine.answer("y" * 20).tokens) == "6 [1]."
    assert retriever.queries == ["y" * 20]


def test_history_turns_are_cut_before_citations_are_removed():
    text = format_history([Turn("user", "Who? [1]" + " " * 1_000_000 + "[2]"), Turn("assistant", "A [1].")])
    assert text == "User: Who?" + " " * 296 + "\nAssistant: A."


class RecordingModel:
    """A fake chat model that keeps every prompt it is given, so a test can count the model calls."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []
        self.runnable = RunnableLambda(self._reply)

    def _reply(self, prompt) -> AIMessage:
        self.prompts.append(prompt.to_string())
        return AIMessage(self.replies.pop(0))


def _recording_engine(replies: list[str], grounded: bool = True, passage: Hit = PASSAGE
                      ) -> tuple[ChatEngine, RecordingRetriever, RecordingModel]:
    retriever, model = RecordingRetriever(grounded, passage), RecordingModel(replies)
    return ChatEngine(retriever, LoadedLLM("fake", model.runnable)), retriever, model


HISTORY = [Turn("user", "How many layers does the Transformer encoder have?"), Turn("assistant", "6 [1].")]


def test_a_self_contained_follow_up_is_not_rewritten():
    engine, retriever, model = _recording_engine(["8 [1]."])
    answer = engine.answer("How many attention heads does the Transformer use?", HISTORY)
    assert "".join(answer.tokens) == "8 [1]."
    assert retriever.queries == ["How many attention heads does the Transformer use?"]
    assert len(model.prompts) == 1 and "Rewrite" not in model.prompts[0]  # one call: the answer


def test_a_rewrite_that_returns_the_follow_up_unchanged_gives_way_to_both_questions():
    """The default model gave 6 of 22 follow-ups back as they were; searched alone, "그들의" finds nothing
    of the conversation."""
    history = [Turn("user", "슈퍼볼 50에서 덴버 브롱코스는 누구를 이겼나요?"),
               Turn("assistant", "캐롤라이나 팬서스 [1].")]
    engine, retriever, _model = _recording_engine(["그들의 쿼터백은 누구였나요?", "페이턴 매닝 [1]."])
    engine.answer("그들의 쿼터백은 누구였나요?", history)
    assert retriever.queries == ["슈퍼볼 50에서 덴버 브롱코스는 누구를 이겼나요? 그들의 쿼터백은 누구였나요?"]


def test_a_follow_up_that_points_back_is_rewritten_first():
    engine, retriever, model = _recording_engine(["How many layers does the Transformer decoder have?", "6 [1]."])
    answer = engine.answer("그럼 디코더는요?", HISTORY)
    assert "".join(answer.tokens) == "6 [1]."
    assert retriever.queries == ["How many layers does the Transformer decoder have?"]
    assert len(model.prompts) == 2 and "Rewrite" in model.prompts[0]


def test_a_korean_follow_up_rewritten_in_english_is_searched_in_the_askers_own_words():
    """The browser walk: "그 보도자료의 주요 내용을 세 줄로 요약해 주세요." after a Korean question came back
    as "What is the main content of that report?", which found nothing in the Korean press release. A
    rewrite in neither the follow-up's language nor the last question's is not used: the last question and
    the follow-up are searched for and answered. In the conversation's language, the rewrite is used."""
    engine, retriever, model = _recording_engine(["What is the main content of that report?", "요약입니다 [1]."],
                                                 passage=KOREAN_PASSAGE)
    history = [Turn("user", "이 보도자료는 어느 기관에서 발표했나요?"), Turn("assistant", "문체부입니다 [1].")]
    follow_up = "그것의 주요 내용을 세 줄로 요약해 주세요."  # "its main content": it points back
    answer = engine.answer(follow_up, history)
    assert "".join(answer.tokens) == "요약입니다 [1]."
    assert retriever.queries == [f"이 보도자료는 어느 기관에서 발표했나요? {follow_up}"] == [answer.standalone]
    assert f"Question: {retriever.queries[0]}" in model.prompts[1] and "main content" not in model.prompts[1]
    korean_rewrite = "이 보도자료의 주요 내용을 요약해 주세요?"
    engine, retriever, _ = _recording_engine([korean_rewrite, "요약입니다 [1]."], passage=KOREAN_PASSAGE)
    assert engine.answer(follow_up, history).standalone == korean_rewrite and retriever.queries == [korean_rewrite]


def test_the_answer_prompt_names_korean_and_leaves_english_as_it_was():
    """The Korean question about an English passage is also searched in English (core/chat/translation.py);
    the model is still asked it in Korean."""
    engine, _, model = _recording_engine(["How many GPUs was the Transformer trained on?", "8개입니다 [1].", "8 [1]."])
    list(engine.answer("트랜스포머는 몇 개의 GPU로 학습했나요?").tokens)
    list(engine.answer("How many GPUs was the Transformer trained on?").tokens)
    _translation, korean, english = model.prompts
    assert "Question: 트랜스포머는 몇 개의 GPU로 학습했나요?" in korean
    assert korean.rstrip().endswith("Answer in Korean (한국어로 답하세요).") and NOT_FOUND_KO in korean
    assert english.rstrip().endswith("Question: How many GPUs was the Transformer trained on?")  # as before


def test_not_found_is_said_in_the_askers_language():
    engine, _ = _engine([], grounded=False)
    assert "".join(engine.answer("트랜스포머는 몇 개의 GPU로 학습했나요?").tokens) == NOT_FOUND_KO
    assert "".join(engine.answer("How many GPUs?").tokens) == NOT_FOUND


def test_the_answer_prompt_needs_no_language_from_callers_that_do_not_know_it():
    """Benches and backend tests format it with context and question only (English, as before)."""
    from core.chat.prompts import ANSWER_PROMPT

    human = ANSWER_PROMPT.format_messages(context="[1] x", question="Why?")[-1].content
    assert human.endswith("Question: Why?")


def test_context_packing_sends_the_model_only_the_pieces_closest_to_the_question():
    from langchain_core.prompt_values import ChatPromptValue

    from tests.core.chat.test_claims import bag_of_words

    hit = Hit("paper.pdf", 3, "The decoder has 6 layers. Dropout is 0.1. Training took 3.5 days.", 0.9, "ab" * 32, 1)
    seen: list[str] = []

    def model(prompt: ChatPromptValue) -> AIMessage:
        seen.append(str(prompt.to_messages()[-1].content))
        return AIMessage("6 [1].")

    engine = ChatEngine(lambda q: Retrieved([hit], True), LoadedLLM("fake", RunnableLambda(model)),
                        encode=bag_of_words, encode_query=lambda t: bag_of_words([t])[0], context_sentences=1)
    answer = engine.answer("How many layers does the decoder have?")
    assert "".join(answer.tokens) == "6 [1]."
    assert "The decoder has 6 layers." in seen[0] and "Dropout" not in seen[0]
    assert engine.check(answer, "6 [1].").cited() == [1]  # the check reuses the packed passages' vectors


def test_passages_over_the_reading_budget_are_cut_to_it_and_those_under_it_are_given_whole():
    """A Korean passage costs the model about three times the tokens of an English one of the same length
    (``context_tokens``): over the budget the passages are packed together, under it nothing is embedded."""
    from langchain_core.prompt_values import ChatPromptValue

    from tests.core.chat.test_claims import bag_of_words

    text = "The decoder has 6 layers. Dropout is 0.1. Training took 3.5 days."
    hit = Hit("paper.pdf", 3, text, 0.9, "ab" * 32, 1)
    seen: list[str] = []
    embedded: list[list[str]] = []

    def model(prompt: ChatPromptValue) -> AIMessage:
        seen.append(str(prompt.to_messages()[-1].content))
        return AIMessage("6 [1].")

    def encode(texts: list[str]) -> np.ndarray:
        embedded.append(texts)
        return bag_of_words(texts)

    def engine(budget: int) -> ChatEngine:
        return ChatEngine(lambda q: Retrieved([hit], True), LoadedLLM("fake", RunnableLambda(model)), encode=encode,
                          encode_query=lambda t: bag_of_words([t])[0], context_tokens=budget)

    answer = engine(1000).answer("How many layers does the decoder have?")
    assert "".join(answer.tokens) == "6 [1]." and text in seen[-1] and not embedded and answer.passages is None
    answer = engine(8).answer("How many layers does the decoder have?")
    assert "".join(answer.tokens) == "6 [1]."
    assert "The decoder has 6 layers." in seen[-1] and "Dropout" not in seen[-1] and embedded
    assert answer.passages is not None  # embedded once, before the model: the claim check reuses them


def test_the_verdict_shows_a_supported_answer_and_refuses_one_the_passages_do_not_support():
    """What the Chat page and ``ask --json`` show, decided once: the model's text when the passages
    support it, the "not found" sentence in the asker's language (the model's text kept) when not."""
    from tests.core.chat.test_claims import bag_of_words

    hit = Hit("paper.pdf", 3, "The decoder has 6 layers. Dropout is 0.1.", 0.9, "ab" * 32, 1)
    engine = ChatEngine(lambda q: Retrieved([hit], True), LoadedLLM("fake", RunnableLambda(lambda p: AIMessage("x"))),
                        encode=bag_of_words, encode_query=lambda t: bag_of_words([t])[0])
    answer = engine.answer("How many layers does the decoder have?")
    supported = engine.verdict(answer, "The decoder has 6 layers.")
    assert (supported.text, supported.refused) == ("The decoder has 6 layers.", False)
    assert supported.check is not None and supported.check.supported
    invented = "The encoder was trained on 400 TPUs in Norway."
    refused = engine.verdict(answer, invented)
    assert (refused.text, refused.refused, refused.model_text) == (NOT_FOUND, True, invented)
    korean = engine.answer("디코더는 몇 개의 층으로 되어 있나요?")
    assert engine.verdict(korean, invented).text == NOT_FOUND_KO
    # a last line of nothing but a citation (the browser walk: "…4201.75입니다 [1].\n\n[1]") is not shown
    assert engine.verdict(answer, "The decoder has 6 layers [1].\n\n[1]").text == "The decoder has 6 layers [1]."


def test_background_work_steps_aside_from_the_question_to_the_checked_answer():
    """Retrieval (the question's vector) and the claim check run before and after the model holds its
    lock; background embedding must already be paused then (core.llms.loaded.generating)."""
    from core.llms.loaded import generating
    from tests.core.chat.test_claims import bag_of_words

    seen: dict[str, bool] = {}

    def retrieve(query: str) -> Retrieved:
        seen["retrieval"] = generating()
        return Retrieved([PASSAGE], True)

    def encode(texts: list[str]):
        seen["check"] = generating()
        return bag_of_words(texts)

    engine = ChatEngine(retrieve, LoadedLLM("fake", FakeListChatModel(responses=["It has 6 layers [1]."])),
                        encode=encode)
    answer = engine.answer("How many layers does the decoder have?")
    assert not generating()  # between retrieval and the stream, nothing is held
    text = "".join(answer.tokens)
    assert not generating()
    engine.verdict(answer, text)
    assert seen == {"retrieval": True, "check": True} and not generating()


def test_the_verdict_refuses_a_supported_answer_whose_passage_is_not_about_the_question():
    from tests.core.chat.test_claims import bag_of_words

    text = "The ferry leaves the harbour twice a day. Tickets cost 40 crowns."
    hit = Hit("harbour.txt", None, text, 0.9, "cd" * 32, 1)
    engine = ChatEngine(lambda q: Retrieved([hit], True), LoadedLLM("fake", RunnableLambda(lambda p: AIMessage("x"))),
                        encode=bag_of_words, claim_similarity=(0.8, 0.8))
    answer = engine.answer("Who designed the lighthouse lamp?")
    copied = "The ferry leaves the harbour twice a day."
    verdict = engine.verdict(answer, copied)
    assert verdict.check is not None and verdict.check.supported and not verdict.check.on_topic
    assert (verdict.text, verdict.refused, verdict.model_text) == (NOT_FOUND, True, copied)
    asked_about_it = engine.answer("How often does the ferry leave the harbour?")
    assert not engine.verdict(asked_about_it, copied).refused


def test_a_passage_copied_before_a_refusal_is_checked_and_not_shown_as_the_answer():
    """The browser walk: asked to summarize a press release, the model copied another document's title page,
    then wrote the refusal; the user saw the copy. What the model writes beside a refusal is checked like
    any answer: off the question, the refusal is shown, the model's text behind the click; on it, the
    text is shown without the refusal sentence. A plain refusal stays as it is."""
    from tests.core.chat.test_claims import bag_of_words

    text = "The ferry leaves the harbour twice a day. Tickets cost 40 crowns."
    hit = Hit("harbour.txt", None, text, 0.9, "cd" * 32, 1)
    engine = ChatEngine(lambda q: Retrieved([hit], True), LoadedLLM("fake", RunnableLambda(lambda p: AIMessage("x"))),
                        encode=bag_of_words, claim_similarity=(0.8, 0.8))
    copied = f"The ferry leaves the harbour twice a day.\n\n{NOT_FOUND}"
    verdict = engine.verdict(engine.answer("Summarize the press release in three sentences."), copied)
    assert (verdict.text, verdict.refused, verdict.model_text) == (NOT_FOUND, True, copied)
    assert verdict.off_topic  # labelled: the passages it draws on do not answer the question
    answered = engine.verdict(engine.answer("How often does the ferry leave the harbour?"), copied)
    assert not answered.refused and answered.text.startswith("The ferry leaves the harbour twice a day")
    assert NOT_FOUND not in answered.text
    plain = engine.verdict(engine.answer("Who designed the lighthouse lamp?"), NOT_FOUND)
    assert (plain.text, plain.check, plain.refused) == (NOT_FOUND, None, False)
