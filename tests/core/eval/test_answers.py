from core.chat.prompts import NOT_FOUND, NOT_FOUND_KO
from core.eval.answers import best_scores, contains_gold, f1, normalize_answer, sample, score, summarise
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


def test_the_gold_answer_contained_in_a_sentence_counts():
    assert contains_gold("The Broncos won the game in Santa Clara, California [1].", ("Santa Clara",))
    assert contains_gold("1874년에 지어졌습니다.", ("1874년",))
    assert not contains_gold("It was built in 1875.", ("1874",))
    assert not contains_gold("Denver", ("",))  # an empty reference is in every string: it must not count


def test_a_number_in_digits_holds_the_same_number_in_words_and_back():
    """Two right answers of the recorded SQuAD set were scored wrong: "10 Panthers…" against "Ten"."""
    assert contains_gold("10 Panthers went to the Pro Bowl.", ("Ten",))
    assert contains_gold("6", ("six", "six quadrangles"))
    assert contains_gold("There are six quadrangles.", ("6",))
    assert not contains_gold("It has 16 quadrangles.", ("six",))


def test_answers_are_scored_for_the_questions_language_refusals_included():
    korean = Question("등대는 언제 지어졌나요?", 0, ("1874년", "1874"))
    english = Question("When was the lighthouse built?", 0, ("1874",))
    scored = [
        score(korean, "1874년에 지어졌습니다.", True, True),
        score(korean, "It was built in 1874.", True, True),  # right fact, wrong language
        score(korean, NOT_FOUND_KO, True, False),  # the model's refusal, in Korean
        score(english, NOT_FOUND, False, False),
    ]
    assert [s.language for s in scored] == ["ko", "ko", "ko", "en"]
    assert [s.in_language for s in scored] == [True, False, True, True]
    assert [s.contained for s in scored] == [True, True, False, False]
    assert [s.refused for s in scored] == [False, False, True, True]
    report = summarise("fake", 3, scored, 8.0)
    assert report.by_language == {"en": 1.0, "ko": 2 / 3}
    assert report.in_language == 0.75 and report.contains_gold == 0.5 and report.refused == 0.5
    assert report.to_json()["seconds_per_question"] == 2.0
    assert "ko in ko 66.7%" in report.line()
