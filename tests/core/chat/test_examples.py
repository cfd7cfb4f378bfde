"""Example questions for an empty chat: headings first, else the noun phrases a document repeats
(the real spaCy pipeline the app ships), one question per document, none for a Korean text without
headings."""

import pytest

from core.chat.examples import Opening, example_questions, heading_question, subjects

PAPER = [
    "The Transformer relies on multi-head attention. Multi-head attention lets the model attend to "
    "information from different positions.",
    "Scaled dot-product attention computes the weights. In practice, multi-head attention runs several "
    "attention layers in parallel.",
    "The encoder is composed of a stack of six identical layers. Scaled dot-product attention is fast.",
]


def test_a_heading_makes_the_question_in_its_own_language():
    assert heading_question("Travel expenses") == "What do your documents say about “Travel expenses”?"
    assert heading_question("출장 경비") == "‘출장 경비’에 대해 문서에는 무엇이 나와 있나요?"
    assert heading_question("x" * 61) is None  # a paragraph mistaken for a heading
    assert heading_question("  ") is None


def test_headings_come_first_one_question_per_document_and_no_repeats():
    openings = [Opening(["Travel expenses", "Hotels"], []), Opening(["Travel expenses"], []),
                Opening(["출장 경비"], []), Opening(["Meals"], [])]
    assert example_questions(openings, limit=2) == ["What do your documents say about “Travel expenses”?",
                                                    "‘출장 경비’에 대해 문서에는 무엇이 나와 있나요?"]


def test_a_korean_text_without_headings_gets_no_example_yet():
    assert example_questions([Opening([], ["트랜스포머는 어텐션만으로 이루어진 모델이다. " * 3])]) == []


@pytest.mark.integration
def test_the_noun_phrases_a_document_repeats_become_its_subject():
    assert subjects(PAPER, limit=2) == ["multi-head attention", "scaled dot-product attention"]
    assert example_questions([Opening([], PAPER)]) == ["What do your documents say about multi-head attention?"]
    assert subjects(["The cat sat. A dog ran."]) == []  # nothing repeated: no example
