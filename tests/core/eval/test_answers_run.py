"""``eval answers --removed --record FILE --resume`` with fake models: each question is asked with its
paragraph, then at once without it, and a resumed run asks only what FILE lacks."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from core.eval.answer_records import read_records
from core.eval.answers import run_answers, sample
from core.eval.squad import build_library, load_squad
from core.llms.loaded import LoadedLLM
from core.service import DocChat
from tests.core.eval.test_squad import _squad_file


@pytest.fixture
def asked(app: DocChat, monkeypatch) -> list[tuple[str, frozenset[str]]]:
    """Each question the fake model is asked, with the documents in the library at that moment."""
    seen: list[tuple[str, frozenset[str]]] = []
    real_engine = app.engine

    def engine(llm):
        chat = real_engine(llm)
        answer = chat.answer

        def watched(question, *a, **k):
            seen.append((question, frozenset(d.sha256 for d in app.store.documents())))
            return answer(question, *a, **k)
        chat.answer = watched
        return chat
    monkeypatch.setattr(app, "engine", engine)
    monkeypatch.setattr("core.llms.registry.load_llm", lambda name, settings: LoadedLLM(
        "fake", FakeListChatModel(responses=["It was built in 1874 [1]."])))
    return seen


def _args(record: Path, questions: int, resume: bool = False) -> argparse.Namespace:
    return argparse.Namespace(llm="fake", questions=questions, record=record, removed=True, resume=resume,
                              json=True, verbose=False)


def test_each_question_is_asked_without_its_paragraph_and_a_resumed_run_asks_only_the_rest(
        tmp_path, app: DocChat, asked, capsys):
    paragraphs, questions = load_squad(_squad_file(tmp_path))
    build_library(app, paragraphs)
    everything = frozenset(p.sha256 for p in paragraphs)
    record = tmp_path / "answers.jsonl"

    assert run_answers(_args(record, 2), app, paragraphs, questions) == 0
    first_two = sample(questions, 3)[:2]  # the sample is seeded: a bigger run begins with the smaller one
    assert [q for q, _ in asked] == [first_two[0].text, first_two[0].text, first_two[1].text, first_two[1].text]
    for (_, library), passage, question in zip(asked, ["present", "removed"] * 2,
                                               [first_two[0]] * 2 + [first_two[1]] * 2, strict=True):
        gone = paragraphs[question.paragraph].sha256
        assert library == (everything if passage == "present" else everything - {gone})
    assert {d.sha256 for d in app.store.documents()} == everything  # put back
    written = record.read_text(encoding="utf-8")
    assert [(r.id, r.passage) for r in read_records(record)] == [
        (first_two[0].id, "present"), (first_two[0].id, "removed"), (first_two[1].id, "present"),
        (first_two[1].id, "removed")]
    capsys.readouterr()

    asked.clear()
    assert run_answers(_args(record, 3, resume=True), app, paragraphs, questions) == 0
    third = sample(questions, 3)[2]
    assert [q for q, _ in asked] == [third.text, third.text]
    assert record.read_text(encoding="utf-8").startswith(written)
    assert len(read_records(record)) == 6
    report, removed = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert report["questions"] == 3 and removed["removed_pass"]["questions"] == 3
