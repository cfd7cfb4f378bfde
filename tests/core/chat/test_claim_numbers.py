"""The claim check's numbers: digits and English number words, Korean counts and their counters, and which
passages a numeric sentence can be tied to (core.chat.claims, core.chat.citations)."""

import numpy as np
import pytest

from core.chat.citations import count_agrees, counts, numbers
from core.chat.claims import check_claims
from tests.core.chat.test_claims import PASSAGES, bag_of_words


def test_a_number_the_passage_sentence_does_not_state_is_never_supported():
    check = check_claims("It was built in 1875 by the harbour board.", PASSAGES, bag_of_words, similarity=0.5)
    assert not check.claims[0].supported
    assert not check.supported


def test_a_number_stated_elsewhere_in_the_passage_does_not_support_a_sentence():
    """The browser walk's wrong Korean count: the passage says "시즌 3호 홈런", and a 7 stands two
    sentences away, so "시즌 7호" must not be tied to the home-run sentence (issue 18)."""
    passage = ["7회말 김하성이 타석에 섰다. 풀카운트에서 공을 쳤다. 시즌 5호 2루타. 관중이 환호했다. "
               "8회에 다시 나왔다. 김하성의 시즌 3호 홈런."]
    wrong = check_claims("김하성의 홈런은 시즌 7호였습니다.", passage, bag_of_words, similarity=0.3)
    assert not wrong.supported
    right = check_claims("김하성의 홈런은 시즌 3호였습니다.", passage, bag_of_words, similarity=0.3)
    assert right.supported and right.claims[0].piece == 5


def test_a_piece_with_its_own_number_does_not_lend_its_neighbours_number():
    """The browser walk's wrong count: over penguins.csv's counts the model answered "152 Gentoo", and the
    check tied it to "124 rows have species Gentoo." because the 152 of the Adelie sentence stands next to
    it. A piece that states numbers of its own, none of them the sentence's, lends none of its neighbours'."""
    passage = ["152 rows have species Adelie. 124 penguins in the data have species Gentoo. 68 rows have species "
               "Chinstrap."]
    wrong = check_claims("152 penguins in the data have species Gentoo.", passage, bag_of_words, similarity=0.8)
    assert not wrong.supported
    right = check_claims("124 penguins in the data have species Gentoo.", passage, bag_of_words, similarity=0.8)
    assert right.supported and right.claims[0].piece == 1
    # a piece without a number of its own still takes its neighbour's: the fact here, its number next
    split = ["The model has several parallel attention layers. It uses 8 of them."]
    assert check_claims("The model has 8 parallel attention layers.", split, bag_of_words, similarity=0.8).supported


def test_a_korean_number_is_matched_with_its_counter():
    """The walk's passage itself: "7회말" (the 7th inning) stands in a sentence about 김하성 that the
    embedder finds close, and "시즌 7호" (the 7th of the season) is still not what it says."""
    passage = ["김하성의 시즌 3호 홈런. 7회말 김하성의 홈런은 나오지 않았습니다."]
    wrong = check_claims("김하성의 홈런은 시즌 7호였습니다.", passage, bag_of_words, similarity=0.3)
    assert not wrong.supported
    right = check_claims("김하성의 홈런은 시즌 3호였습니다.", passage, bag_of_words, similarity=0.3)
    assert right.supported
    assert numbers("시즌 1,874호") == {"1874"}
    assert counts("시즌 1,874호, 7회말 3 GPUs") == {("1874", "호"), ("7", "회말")}


def test_a_two_syllable_counter_is_told_apart_from_another_that_shares_its_first():
    """The walk's RBI answer: "4타수 2안타 3타점" (4 at-bats, 3 RBIs) does not say "4타점" (4 RBIs);
    the documents' own "3타점을" tells that the counter is 타점, not 타."""
    passage = ["김하성은 이날 4타수 2안타 3타점 2득점을 기록했다. 홈런 한방으로 3타점을 추가했다."]
    wrong = check_claims("김하성은 이날 4타점을 올렸습니다.", passage, bag_of_words, similarity=0.3)
    assert not wrong.supported
    right = check_claims("김하성은 이날 3타점을 올렸습니다.", passage, bag_of_words, similarity=0.3)
    assert right.supported and right.claims[0].piece == 0


@pytest.mark.parametrize(("claimed", "written", "lexicon", "agrees"), [
    ("타점을", "타수", {"타수", "타점", "안타"}, False),  # 타점 is a counter the documents write
    ("타점으로", "타점을", {"타점을"}, True),  # the particles differ, the counter does not
    ("명이", "명을", {"명을"}, True),
    ("명의", "명", {"명", "명의"}, True),  # the claim added an ending the documents' word lacks
    ("호였습니다", "회말", {"호", "회말"}, False),
    ("호였습니다", "호", {"호", "회말"}, True),
    ("년에", "년", {"년"}, True),
])
def test_a_counter_ends_where_the_documents_words_after_numbers_stop_agreeing(claimed, written, lexicon, agrees):
    assert count_agrees(claimed, written, lexicon) is agrees


def test_numbers_ignore_thousands_separators():
    assert numbers("304,016 companies in 2010") == {"304016", "2010"}


def test_numbers_read_english_number_words_as_digits_but_not_one():
    assert numbers("on one machine with eight P100 GPUs for twelve hours, twenty-one days") == {"8", "100", "12", "21"}


def test_a_count_in_digits_is_supported_by_the_same_count_in_words():
    """The walk's Korean question about the attention paper: the model's right "8개의 P100 GPU" was refused,
    because the paper writes "eight P100 GPUs" and a number was matched only as digits."""
    passage = ["We trained our models on one machine with eight NVIDIA P100 GPUs."]
    right = check_claims("Our models were trained on 8 P100 GPUs.", passage, bag_of_words, similarity=0.3)
    assert right.supported and right.claims[0].passage == 1
    assert not check_claims("Our models were trained on 6 P100 GPUs.", passage, bag_of_words, similarity=0.3).supported


def test_a_korean_count_is_held_to_its_counter_by_korean_text_only():
    """English writes no counter: "8개의 P100 GPU" stands on the paper's "eight P100 GPUs" by the number
    alone (refused before: every Korean count about an English document was). A Korean passage still has
    to write the same counter: "8장" is not "8개"."""
    def alike(texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 4), 0.5, dtype="float32")

    claim = "트랜스포머는 8개의 P100 GPU로 학습했어요."
    english = ["We trained our models on one machine with eight NVIDIA P100 GPUs."]
    assert check_claims(claim, english, alike).supported
    assert not check_claims(claim.replace("8개", "6개"), english, alike).supported
    assert check_claims(claim, ["모델은 P100 GPU 8개로 학습했다."], alike).supported
    assert not check_claims(claim, ["모델은 P100 GPU 8장으로 학습했다."], alike).supported


def test_a_huge_text_is_read_for_number_words_in_bounded_pieces(monkeypatch):
    """text2num's time grows faster than its input (1 MB of number words took 3 minutes in one call)."""
    from core.chat import citations

    seen: list[int] = []
    real = citations.alpha2digit
    monkeypatch.setattr(citations, "alpha2digit", lambda text, *a, **kw: seen.append(len(text)) or real(text, *a, **kw))
    assert numbers("eight " * 100_000) == {"8"}
    assert len(seen) > 1 and max(seen) <= citations.SPELLED_SPAN


def test_only_passages_that_state_every_number_of_some_sentence_are_embedded():
    embedded: list[str] = []

    def counting(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return bag_of_words(texts)

    answer = "It was built in 1874 by the harbour board."
    check = check_claims(answer, PASSAGES, counting, similarity=0.8)
    assert [c.passage for c in check.claims] == [1] and check.used(1) == {1}
    assert not [t for t in embedded if "ferry" in t or "crowns" in t]  # passage 2 lacks 1874: never embedded
    embedded.clear()
    wordy = check_claims("The harbour board built it. Tickets cost 40 crowns.", PASSAGES, counting, similarity=0.8)
    assert any("ferry" in t for t in embedded)  # a sentence without numbers may be tied to any passage
    assert [c.passage for c in wordy.claims] == [1, 2]


def test_a_passage_that_states_the_number_with_another_counter_is_not_embedded():
    embedded: list[str] = []

    def counting(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return bag_of_words(texts)

    passages = ["김하성은 7회말 타석에 섰다.", "김하성의 시즌 7호 홈런이 나왔다."]
    check = check_claims("김하성의 홈런은 시즌 7호였습니다.", passages, counting, similarity=0.3)
    assert check.supported and check.claims[0].passage == 2
    assert not [t for t in embedded if "7회말" in t]  # states a 7, but of innings: never embedded
