"""Issue 18: a follow-up is rewritten by the default model only when it points back at the conversation."""


import pytest

from core.chat.engine import Turn
from core.llms.registry import load_llm
from core.service import DocChat

pytestmark = pytest.mark.integration

HISTORY = [Turn("user", "Who keeps the Skarvoy lighthouse?"), Turn("assistant", "Marta Quell [1].")]


@pytest.fixture
def engine(settings, default_embeddings, lighthouse_pdf, default_llm_name):
    app = DocChat(settings.replace(max_tokens=48), embeddings=default_embeddings)
    [result] = app.ingest_paths([lighthouse_pdf])
    assert result.ok, result.message
    return app.engine(load_llm(default_llm_name, app.settings))


def test_a_self_contained_follow_up_goes_to_retrieval_as_asked(engine):
    answer = engine.answer("When was the Skarvoy lighthouse built?", HISTORY)
    assert answer.standalone == "When was the Skarvoy lighthouse built?"
    assert "1874" in "".join(answer.tokens)


def test_a_korean_follow_up_that_points_back_is_rewritten(engine):
    history = [Turn("user", "Skarvoy 등대는 누가 관리하나요?"), Turn("assistant", "Marta Quell입니다 [1].")]
    answer = engine.answer("그럼 그것은 언제 지어졌나요?", history)
    assert answer.standalone != "그럼 그것은 언제 지어졌나요?"
    assert "1874" in "".join(answer.tokens)
