"""The table-count bench's verdicts (bench/table_counts.py), without a model."""

from bench.table_counts import QUESTIONS, verdict


def test_an_answer_is_right_when_it_states_the_gold_number_and_refusals_count_apart():
    assert verdict("There are 152 penguins.", False, "152") == "right"
    assert verdict("The mean is 4,201.75 g.", False, "4201") == "right"  # thousands separators read as digits
    assert verdict("There are 12 penguins.", False, "152") == "wrong"
    assert verdict("I couldn't find that in your documents.", True, "152") == "refused"
    assert len(QUESTIONS) == 13 and sum(q.isascii() for q, _ in QUESTIONS) == 10  # three Korean questions
    # not only the first value of a column: Gentoo (124), Chinstrap (68) and Torgersen (52) come later
    assert {"124", "68", "52"} <= {gold for _, gold in QUESTIONS}
