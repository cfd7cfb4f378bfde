import json
from pathlib import Path

import pytest

from core.eval.squad import build_library, dataset_name, evaluate, load_squad, rank_of
from core.service import DocChat
from core.store.records import Hit

SQUAD = {"data": [
    {"title": "Skarvoy_Lighthouse", "paragraphs": [
        {"context": "The Skarvoy lighthouse was built in 1874 by the harbour board.",
         "qas": [{"id": "1", "question": "When was the Skarvoy lighthouse built?", "answers": [{"text": "1874"}]}]},
        {"context": "Its lamp burns whale oil and can be seen for twenty miles.",
         "qas": [{"id": "2", "question": "What does the lamp burn?", "answers": [{"text": "whale oil"}]}]},
    ]},
    {"title": "Ducks", "paragraphs": [
        {"context": "Ducks are water birds with broad flat bills.",
         "qas": [{"id": "3", "question": "What kind of bills do ducks have?", "answers": [{"text": "broad flat"}]}]},
    ]},
]}


def _squad_file(tmp_path: Path) -> Path:
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")
    return path


def test_every_paragraph_is_a_document_titled_by_its_article(tmp_path, app: DocChat):
    paragraphs, questions = load_squad(_squad_file(tmp_path))
    assert len(paragraphs) == 3 and [q.paragraph for q in questions] == [0, 1, 2]
    assert build_library(app, paragraphs) == 3
    assert build_library(app, paragraphs) == 0  # built once, then reused
    assert {d.name.split(" (")[0] for d in app.store.documents()} == {"Skarvoy Lighthouse", "Ducks"}


def test_keyword_retrieval_finds_each_questions_paragraph(tmp_path, app: DocChat):
    paragraphs, questions = load_squad(_squad_file(tmp_path))
    build_library(app, paragraphs)
    report = evaluate("keyword", questions, paragraphs, app.retrieval("keyword").search, dataset="SQuAD v1.1")
    assert report.to_json()["hit@1"] == 1.0
    assert set(report.to_json()) == {"retriever", "questions", "hit@1", "hit@5", "mrr@10", "seconds", "dataset"}
    assert report.to_json()["dataset"] == "SQuAD v1.1"


@pytest.mark.parametrize(("version", "name"), [
    ("1.1", "SQuAD v1.1"),  # SQuAD's dev-v1.1.json
    ("v2.0", "SQuAD v2.0"),  # SQuAD 2.0 writes its version with a v
    ("KorQuAD_v1.0_dev", "KorQuAD v1.0 dev"),  # KorQuAD names itself
    (None, "my-set"),  # no version: the file's stem
    ("", "my-set"),
])
def test_the_data_set_is_named_by_its_version_else_by_its_file(tmp_path, version, name):
    path = tmp_path / "my-set.json"
    path.write_text(json.dumps({**SQUAD, **({} if version is None else {"version": version})}), encoding="utf-8")
    assert dataset_name(path) == name


def test_a_document_counts_once_however_many_of_its_chunks_come_back():
    hits = [Hit("a", None, "", 1, "A", 1), Hit("a", None, "", 1, "A", 2), Hit("b", None, "", 1, "B", 3)]
    assert rank_of(hits, "B") == 2
    assert rank_of(hits, "C") is None


def test_a_paragraph_the_set_holds_twice_is_one_document(tmp_path, app: DocChat):
    """KorQuAD's dev set repeats some paragraphs; the build failed on the library's unique sha256."""
    twice = json.loads(json.dumps(SQUAD))
    twice["data"][1]["paragraphs"].append(twice["data"][1]["paragraphs"][0])
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(twice), encoding="utf-8")
    paragraphs, _ = load_squad(path)
    assert len(paragraphs) == 4
    assert build_library(app, paragraphs) == 3
    assert len(app.store.documents()) == 3


def test_paragraphs_removed_deletes_them_for_the_block_and_puts_them_back(tmp_path, app: DocChat):
    from core.eval.answer_records import paragraphs_removed

    paragraphs, _ = load_squad(_squad_file(tmp_path))
    build_library(app, paragraphs)
    with paragraphs_removed(app, {paragraphs[0].sha256}, lambda: build_library(app, paragraphs)) as deleted:
        assert deleted == 1
        assert paragraphs[0].sha256 not in {d.sha256 for d in app.store.documents()}
        assert len(app.store.documents()) == 2
    assert {d.sha256 for d in app.store.documents()} == {p.sha256 for p in paragraphs}
