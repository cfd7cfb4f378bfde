import json
from pathlib import Path

import pytest

from core.chat.followup import needs_history, rewrite_resolves

CONVERSATIONS = json.loads((Path(__file__).parents[2] / "data" / "followups.json").read_text(encoding="utf-8"))[
    "conversations"]


def test_the_labelled_set_is_balanced_and_large_enough():
    english = [c for c in CONVERSATIONS if c["language"] == "en"]
    korean = [c for c in CONVERSATIONS if c["language"] == "ko"]
    assert len(english) >= 12 and len(korean) >= 12 and len(english) == len(korean)
    assert sum(c["needs_history"] for c in CONVERSATIONS) == len(CONVERSATIONS) // 2


@pytest.mark.parametrize("language", ["en", "ko", None])
def test_the_decision_is_right_on_at_least_nine_in_ten_conversations(language):
    cases = [c for c in CONVERSATIONS if language in (None, c["language"])]
    right = sum(needs_history(c["question"]) == c["needs_history"] for c in cases)
    assert right / len(cases) >= 0.9, f"{right}/{len(cases)}"


@pytest.mark.parametrize("question", [
    "When was it built?", "And the decoder?", "What about meals?", "Why?", "How big is that dataset?",
    "디코더는요?", "그럼 그것은 언제 지어졌나요?", "그 옵티마이저의 학습률은 얼마였나요?",
    "해당 데이터셋은 얼마나 큰가요?", "?",
    "그 책임자는 누구인가요?",  # 책임자 (the person in charge) is no 책 (book)
])
def test_follow_ups_that_point_back(question):
    assert needs_history(question)


@pytest.mark.parametrize("question", [
    "How many layers does the decoder of the Transformer have?",
    "Which paper showed that attention alone is enough for translation?",
    "트랜스포머 디코더는 몇 개의 층으로 되어 있나요?",
    "그래프 신경망은 무엇인가요?",  # starts with 그 but is not a demonstrative
    # a demonstrative before a kind of document names a file of the library: searched as asked
    "이 보도자료는 어느 기관에서 발표했나요?", "그 보도자료의 주요 내용을 세 줄로 요약해 주세요.",
    "What is this paper about?", "Summarize this document in three sentences.",
])
def test_follow_ups_that_stand_alone(question):
    assert not needs_history(question)


HISTORY_TEXT = ("Who was the Denver Broncos' quarterback in Super Bowl 50? Peyton Manning [1]. "
                "슈퍼볼 50에서 덴버 브롱코스의 쿼터백은 누구였나요? 페이턴 매닝입니다 [1].")


@pytest.mark.parametrize(("question", "rewritten", "last", "kept"), [
    # brings back the subject from the conversation: kept
    ("Who was their coach?", "Who was the Denver Broncos' coach?", "Who was the Broncos' quarterback?", True),
    ("그들의 감독은 누구였나요?", "덴버 브롱코스의 감독은 누구였나요?", "덴버 브롱코스의 쿼터백은 누구였나요?", True),
    # the follow-up back unchanged, or a rewrite that brings nothing of the conversation: not kept
    ("그들의 쿼터백은 누구였나요?", "그들의 쿼터백은 누구였나요?", "슈퍼볼 50에서 누가 이겼나요?", False),
    ("What about meals?", "What about meals?", "What is the travel policy's limit for hotels?", False),
    # the last question back, the follow-up's new word dropped: not kept
    ("그건 어떤 GPU였나요?", "슈퍼볼 50에서 덴버 브롱코스의 쿼터백은 누구였나요?",
     "슈퍼볼 50에서 덴버 브롱코스의 쿼터백은 누구였나요?", False),
    # a Korean follow-up rewritten in the English of the last question keeps its words in other words
    ("그럼 코치는요?", "Who was the Denver Broncos' coach?", "Who was the Broncos' quarterback?", True),
])
def test_a_rewrite_is_kept_when_it_brings_back_the_conversation_and_keeps_the_new_words(question, rewritten,
                                                                                        last, kept):
    assert rewrite_resolves(question, rewritten, last, HISTORY_TEXT) is kept
