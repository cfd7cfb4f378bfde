import numpy as np
import pytest

from core.chat.packing import GAP, packed, packed_to_budget, reading_cost
from core.chat.passages import split_passages
from tests.core.chat.test_claims import bag_of_words

PASSAGE = ("The lighthouse stands on Skarvoy. Its lamp burned whale oil. It was built in 1874 by the harbour "
           "board. The keeper rows to the mainland on Sundays. Gulls nest on the rocks.")


def question(text: str) -> np.ndarray:
    return bag_of_words([text])[0]


def test_a_packed_passage_keeps_the_pieces_closest_to_the_question_in_their_order():
    [passage] = split_passages([PASSAGE], bag_of_words)
    asked = "Which board built it?"
    assert packed(passage, question(asked), asked, keep=1) == f"{GAP}It was built in 1874 by the harbour board."
    asked = "Where does the lighthouse stand, and who built it?"
    text = packed(passage, question(asked), asked, keep=2)
    assert text == f"The lighthouse stands on Skarvoy. {GAP}It was built in 1874 by the harbour board."


def test_a_piece_stating_a_number_the_question_states_is_kept_too():
    [passage] = split_passages([PASSAGE], bag_of_words)
    asked = "Where do gulls nest since 1874?"
    text = packed(passage, question(asked), asked, keep=1)
    assert text == f"{GAP}It was built in 1874 by the harbour board. {GAP}Gulls nest on the rocks."


def test_no_packing_or_a_short_passage_gives_it_whole():
    [passage] = split_passages([PASSAGE], bag_of_words)
    assert packed(passage, question("gulls"), "gulls", keep=0) == PASSAGE
    assert packed(passage, question("gulls"), "gulls", keep=9) == PASSAGE


KOREAN = "스카르뵈위 등대는 1874년에 항만 위원회가 지었습니다. 등대지기는 일요일마다 본토로 노를 저어 갑니다."


def test_reading_cost_counts_a_hangul_syllable_as_about_one_token_and_english_as_about_a_quarter():
    assert reading_cost("") == 0
    assert reading_cost("a" * 100) == pytest.approx(22)
    assert reading_cost("등" * 100) == pytest.approx(95)
    assert reading_cost(KOREAN) > 2 * reading_cost(PASSAGE[:len(KOREAN)])


def test_passages_that_fit_the_budget_are_given_whole():
    passages = split_passages([PASSAGE, KOREAN], bag_of_words)
    asked = "Who built it?"
    whole = [PASSAGE, KOREAN]
    assert packed_to_budget(passages, question(asked), asked, budget=0) == whole
    assert packed_to_budget(passages, question(asked), asked, budget=reading_cost(PASSAGE + KOREAN) + 1) == whole


def test_over_the_budget_each_passage_keeps_its_closest_piece_then_the_closest_of_all_fill_it():
    second = "The harbour board met in 1874. The harbour board built the pier. Fish are sold on the quay."
    passages = split_passages([PASSAGE, second], bag_of_words)
    asked = "Which harbour board built it?"
    built = "It was built in 1874 by the harbour board."
    budget = reading_cost(built + "The harbour board built the pier.") + 1
    assert packed_to_budget(passages, question(asked), asked, budget) == [
        f"{GAP}{built}", f"{GAP}The harbour board built the pier."]
    # more room: the next closest pieces of either passage come in, each in its own passage's order
    texts = packed_to_budget(passages, question(asked), asked, budget + reading_cost("The harbour board met in 1874. "))
    assert texts[1] == "The harbour board met in 1874. The harbour board built the pier."
    assert sum(map(reading_cost, texts)) <= budget + reading_cost("The harbour board met in 1874. ") + 2


def test_the_first_passage_keeps_its_closest_piece_even_when_it_alone_is_over_the_budget():
    passages = split_passages([PASSAGE, KOREAN], bag_of_words)
    asked = "Which board built it?"
    assert packed_to_budget(passages, question(asked), asked, budget=1) == [
        f"{GAP}It was built in 1874 by the harbour board.", GAP.strip()]
