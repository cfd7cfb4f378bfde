import numpy as np

from core.chat.packing import GAP, packed
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
