from core.eval.answers import best_scores, f1, normalize_answer, sample
from core.eval.squad import Question


def test_normalisation_follows_squad():
    assert normalize_answer("The  Denver Broncos!") == "denver broncos"
    assert normalize_answer("an apple, a pear") == "apple pear"


def test_exact_match_and_f1_take_the_best_reference():
    assert best_scores("Denver Broncos", ("Denver Broncos", "Broncos")) == (1.0, 1.0)
    em, score = best_scores("the Broncos of Denver", ("Denver Broncos",))
    assert em == 0.0 and 0.5 < score < 1.0
    assert f1("nothing alike", "Denver Broncos") == 0.0


def test_the_sample_is_fixed():
    questions = [Question(f"q{i}", i, ("a",)) for i in range(1000)]
    assert sample(questions, 5) == sample(questions, 5)
    assert len(sample(questions, 2000)) == 1000
