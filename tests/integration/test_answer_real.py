"""Ingest → search → ask with every real part, on small generated documents."""


import pytest

from core.llms.registry import load_llm
from core.service import DocChat

pytestmark = pytest.mark.integration

QUESTION = "When was the Skarvoy lighthouse built?"


@pytest.fixture
def real_app(settings, real_embeddings, lighthouse_pdf) -> DocChat:
    app = DocChat(settings, embeddings=real_embeddings)
    [result] = app.ingest_paths([lighthouse_pdf])
    assert result.ok, result.message
    return app


def test_search_finds_the_passage_and_its_page(real_app):
    hits = real_app.search(QUESTION, k=1)
    assert hits[0].source == "lighthouse.pdf" and hits[0].page == 2
    assert "1874" in hits[0].text


def test_the_default_model_answers_from_the_source_with_llama_cpp(real_app, default_llm_name):
    settings = real_app.settings.replace(max_tokens=64)
    answer = real_app.engine(load_llm(default_llm_name, settings)).answer(QUESTION)
    text = "".join(answer.tokens)
    assert "1874" in text
    assert answer.sources[0].source == "lighthouse.pdf"
    assert answer.sources[0].page == 2


def test_the_default_model_answers_with_gpt4all(real_app, default_llm_name):
    settings = real_app.settings.replace(max_tokens=48)
    name = default_llm_name.replace("llama.cpp:", "gpt4all:")
    answer = real_app.engine(load_llm(name, settings)).answer(QUESTION)
    assert "1874" in "".join(answer.tokens)


def test_the_default_model_says_when_the_documents_do_not_know(real_app, default_llm_name):
    settings = real_app.settings.replace(max_tokens=48)
    answer = real_app.engine(load_llm(default_llm_name, settings)).answer("What is the capital of Peru?")
    assert "couldn't find" in "".join(answer.tokens).lower()


def test_a_follow_up_question_is_condensed_with_the_history(real_app, default_llm_name):
    from core.chat.engine import Turn

    settings = real_app.settings.replace(max_tokens=48)
    engine = real_app.engine(load_llm(default_llm_name, settings))
    history = [Turn("user", "Who keeps the Skarvoy lighthouse?"), Turn("assistant", "Marta Quell [1].")]
    answer = engine.answer("And when was it built?", history)
    assert "lighthouse" in answer.standalone.lower()
    assert "1874" in "".join(answer.tokens)


def test_a_count_over_a_csv_is_answered_from_its_counts(settings, default_embeddings, default_llm_name, tmp_path):
    """Counting is not retrieval: three passages of rows hold no total, the table's counts do
    (core/ingest/table_summary.py), and the claim check finds the number there."""
    import random

    from core.chat.engine import ChatEngine

    rng = random.Random(7)
    fruits = ["apple"] * 23 + ["pear"] * 14 + ["plum"] * 9
    rng.shuffle(fruits)
    lines = ["order,fruit,city,kilograms"] + [f"{n},{fruit},{rng.choice(['Busan', 'Seoul', 'Daegu'])},"
                                               f"{rng.randint(1, 40)}" for n, fruit in enumerate(fruits, 1001)]
    orders = tmp_path / "orders.csv"
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = DocChat(settings.replace(max_tokens=64), embeddings=default_embeddings)
    assert app.ingest_paths([orders])[0].ok
    engine: ChatEngine = app.engine(load_llm(default_llm_name, app.settings))
    answer = engine.answer("How many orders were for pears?")
    assert any("14 rows have fruit pear." in h.text for h in answer.sources), [h.text[:80] for h in answer.sources]
    assert answer.sources[0].heading == "Counts of orders.csv"
    text = "".join(answer.tokens)
    verdict = engine.verdict(answer, text)
    assert "14" in verdict.text and not verdict.refused, text
