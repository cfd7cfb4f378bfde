"""The follow-up rewrite bench's scores (bench/followup_rewrite.py), without a model."""

from __future__ import annotations

import pytest

from bench.followup_rewrite import (
    Case,
    korean_stem,
    language_kept,
    load_cases,
    referent_recovery,
    referents,
    run,
    stays_question,
    summaries,
    turns,
)
from core.chat.engine import Turn

LIGHTHOUSE = Case("en", ("Who keeps the Skarvoy lighthouse?", "Marta Quell [1]."), "When was it built?",
                  "When was the Skarvoy lighthouse built?")
DECODER_KO = Case("ko", ("트랜스포머 인코더는 몇 개의 층으로 되어 있나요?", "6개입니다 [1]."), "디코더는요?",
                  "트랜스포머 디코더는 몇 개의 층으로 되어 있나요?")


def test_the_set_has_at_least_twenty_rewrites_in_both_languages():
    cases = load_cases()
    assert len(cases) >= 20
    assert {c.language for c in cases} == {"en", "ko"}
    assert all(referents(c) for c in cases), "every gold rewrite brings something back from the history"
    assert all(referent_recovery(c.standalone, referents(c), c.language) == 1.0 for c in cases)
    assert all(stays_question(c.standalone, c.language) and language_kept(c.standalone, c.language) for c in cases)


def test_referents_are_the_gold_words_the_history_holds_and_the_follow_up_lacks():
    assert referents(LIGHTHOUSE) == ["lighthouse", "skarvoy"]  # "when", "built" are in the follow-up
    # the decoder is in the follow-up; 몇 개의 ... 되어 있나요 only frames the question
    assert referents(DECODER_KO) == ["층으로", "트랜스포머"]


def test_recovery_is_the_share_of_referents_in_the_rewrite():
    words = referents(LIGHTHOUSE)
    assert referent_recovery("When was the Skarvoy lighthouse built?", words, "en") == 1.0
    assert referent_recovery("When was the LIGHTHOUSE built?", words, "en") == 0.5  # case-insensitive
    assert referent_recovery("When was it built?", words, "en") == 0.0
    assert referent_recovery("When were lighthouses built?", ["lighthouse"], "en") == 0.0  # whole words in English
    assert referent_recovery("anything", [], "en") is None


def test_korean_words_match_inside_words_and_without_their_particle():
    words = referents(DECODER_KO)
    assert referent_recovery("트랜스포머의 디코더는 몇 층인가요?", words, "ko") == 1.0  # 층으로 -> 층
    assert referent_recovery("디코더는 몇 개의 층인가요?", words, "ko") == 0.5
    assert korean_stem("등대는") == "등대" and korean_stem("데이터셋에서") == "데이터셋" and korean_stem("는") == "는"


def test_language_kept():
    assert language_kept("When was the Skarvoy lighthouse built?", "en")
    assert language_kept("Skarvoy 등대는 언제 지어졌나요?", "ko")
    assert not language_kept("When was the Skarvoy lighthouse built?", "ko")
    assert not language_kept("?", "en")


@pytest.mark.parametrize("rewrite, language, expected", [
    ("When was the Skarvoy lighthouse built?", "en", True),
    ("When was the Skarvoy lighthouse built", "en", False),
    ("The Skarvoy lighthouse was built in 1874.", "en", False),
    ("스카르뵈이 등대는 언제 지어졌나요?", "ko", True),
    ("스카르뵈이 등대는 언제 지어졌나요", "ko", True),
    ("스카르뵈이 등대는 언제 지어졌습니까.", "ko", True),
    ("등대는 1874년에 지어졌습니다.", "ko", False),
    ("When was it built", "ko", False),
])
def test_stays_a_question(rewrite, language, expected):
    assert stays_question(rewrite, language) is expected


def test_turns_alternate_from_the_user():
    assert turns(["q1", "a1", "q2"]) == [Turn("user", "q1"), Turn("assistant", "a1"), Turn("user", "q2")]


class ScriptedLLM:
    """A LoadedLLM stand-in whose runnable returns the gold rewrite of the case it is asked about."""

    def __init__(self, replies: dict[str, str]) -> None:
        import threading

        from langchain_core.messages import AIMessage
        from langchain_core.runnables import RunnableLambda

        self.name = "scripted"
        self.lock = threading.Lock()
        self.asked: list[str] = []

        def reply(prompt) -> AIMessage:
            text = prompt.to_string()
            self.asked.append(text)
            return AIMessage(content=next(r for q, r in replies.items() if f"Follow-up: {q}" in text))

        self.runnable = RunnableLambda(reply)


def test_run_goes_through_the_engine_and_summarises_per_language():
    lost = Case("en", ("Which GPUs were used?", "8 P100 GPUs [3]."), "How long?",
                "How long was the model trained on P100 GPUs?")
    standing = Case("en", ("Where was Chopin born?", "Żelazowa Wola."), "Where did Chopin die?",
                    "Where did Chopin die?")  # stands alone: never sent to the model
    llm = ScriptedLLM({LIGHTHOUSE.question: f'"{LIGHTHOUSE.standalone}"',  # quotes removed
                       DECODER_KO.question: "디코더는 6개입니다.",  # an answer, not a question
                       lost.question: "How long did it take?\nIt took 3.5 days."})  # first line kept
    scores = run(llm, [LIGHTHOUSE, DECODER_KO, lost, standing])
    # "How long did it take?" brings back nothing of the conversation: the last question and the follow-up
    # are searched together instead (core.chat.followup.rewrite_resolves)
    assert [s["rewrite"] for s in scores] == [LIGHTHOUSE.standalone, "디코더는 6개입니다.",
                                              "Which GPUs were used? How long?", "Where did Chopin die?"]
    assert len(llm.asked) == 3 and "User: Who keeps the Skarvoy lighthouse?" in llm.asked[0]
    assert "[1]" not in llm.asked[0]  # the app's history formatting, citations removed
    # the prompt names a Korean follow-up's language in its last line; an English one's is as it was
    assert llm.asked[0].endswith("Standalone question:")
    assert llm.asked[1].endswith("Standalone question in Korean (한국어로):")
    assert not scores[3]["model_asked"] and scores[3]["seconds"] == 0.0
    summary = summaries(scores)
    assert summary["ko"]["language_kept"] == 1.0 and summary["ko"]["stays_question"] == 0.0
    assert summary["en"]["cases"] == 3 and summary["en"]["model_asked"] == 2
    assert summary["en"]["referent_recovery"] == pytest.approx(0.75)  # 1.0 and 0.5 ("p100" missed); "standing" none
    assert summary["en"]["all_referents"] == 0.5 and summary["en"]["stays_question"] == 1.0
    assert summary["all"]["cases"] == 4


def test_the_condense_example_shares_nothing_with_the_bench_conversations_but_question_words():
    """An example drawn from tests/data/followups.json would flatter the bench (and a real one already
    leaks: "얼마나 걸렸나요?" -> "How long did it take to paint the Mona Lisa?")."""
    import json

    from bench.followup_rewrite import DATA
    from core.chat.citations import content_words
    from core.chat.prompts import CONDENSE_PROMPT

    system = CONDENSE_PROMPT.steps[1].messages[0].prompt.template
    examples = system[system.index("Example"):]
    conversations = json.loads(DATA.read_text(encoding="utf-8"))["conversations"]
    bench_words = {w for c in conversations
                   for w in content_words(" ".join([*c["history"], c["question"], c.get("standalone") or ""]))}
    assert set(content_words(examples)) & bench_words <= {"when", "where", "what", "which", "누가", "언제"}
