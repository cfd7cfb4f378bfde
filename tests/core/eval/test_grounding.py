import json

import pytest

from core.chat.prompts import NOT_FOUND
from core.eval.answer_records import AnswerRecord, RecordedSource, read_records, write_record
from core.eval.grounding import grounding_scores, halves, judge
from tests.core.chat.test_claims import bag_of_words

GOLD = "a" * 64
OTHER = "b" * 64
PASSAGE = RecordedSource("The Skarvoy lighthouse was built in 1874 by the harbour board.", GOLD, "Skarvoy", None)
ELSEWHERE = RecordedSource("The ferry leaves twice a day from the harbour.", OTHER, "Ferry", None)


def record(n: int, passage: str, text: str, sources=(PASSAGE,)) -> AnswerRecord:
    return AnswerRecord(f"q{n}", "When was the Skarvoy lighthouse built?", ("1874",), GOLD, passage, text, True,
                        tuple(sources), 1.0)


def test_records_survive_the_file(tmp_path):
    path = tmp_path / "answers.jsonl"
    written = [record(1, "present", "1874 [1]."), record(1, "removed", NOT_FOUND, (ELSEWHERE,))]
    for r in written:
        write_record(path, r)
    assert read_records(path) == written
    assert written[0].retrieved and not written[1].retrieved


def test_a_line_torn_by_a_stopped_run_is_dropped_and_cut_off(tmp_path, capsys):
    path = tmp_path / "answers.jsonl"
    kept = record(1, "present", "1874 [1].")
    write_record(path, kept)
    with path.open("ab") as out:  # the run was killed halfway through its next line, inside a Korean character
        out.write('{"id": "q1", "question": "언제'.encode()[:-1])
    assert read_records(path) == [kept]
    assert "cut off" in capsys.readouterr().err
    write_record(path, again := record(1, "removed", NOT_FOUND, (ELSEWHERE,)))  # --resume asks it again
    assert read_records(path) == [kept, again]


def test_a_torn_line_before_the_last_is_damage_not_a_stop(tmp_path):
    path = tmp_path / "answers.jsonl"
    path.write_text('{"id": "q1", "quest\n', encoding="utf-8")
    write_record(path, record(1, "present", "1874 [1]."))
    with pytest.raises(json.JSONDecodeError):
        read_records(path)
    assert path.read_text(encoding="utf-8").startswith('{"id": "q1", "quest\n')  # nothing cut


def test_scores_count_refusals_lost_answers_and_citations():
    records = [
        record(1, "present", "1874 [1]."),  # right, supported by its words and number
        record(2, "present", "It was built in 1874 by a wizard from the moon."),  # right, but no support
        record(1, "removed", "It was built in 1901.", (ELSEWHERE,)),  # invented: refused by the check
        record(2, "removed", NOT_FOUND, (ELSEWHERE,)),  # the model's own refusal
    ]
    scores = grounding_scores(judge(records, bag_of_words, similarity=0.9))
    assert scores["gold_contained_when_retrieved"] == 0.5
    assert scores["right_answers_lost"] == 0.5 and scores["refused_present"] == 0.5
    assert scores["right_passage_cited"] == 1.0
    assert scores["refused_removed"] == 1.0 and scores["model_refused_removed"] == 0.5
    assert scores["unsupported_recall_removed"] == 1.0


def test_halves_keep_both_passes_of_a_question_together():
    records = [record(n, passage, "x") for passage in ("present", "removed") for n in range(4)]
    tune, report = halves(records)
    assert {r.id for r in tune} == {"q0", "q2"} and {r.id for r in report} == {"q1", "q3"}
    assert len(tune) == len(report) == 4
