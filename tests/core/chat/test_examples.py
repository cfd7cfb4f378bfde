"""Example subjects for an empty chat: headings first, else the noun phrases a document repeats
(the real spaCy pipeline the app ships), one per document, none for a Korean text without headings."""

import pytest

from core.chat.examples import Opening, Subject, example_subjects, heading_subject, subjects

PAPER = [
    "The Transformer relies on multi-head attention. Multi-head attention lets the model attend to "
    "information from different positions.",
    "Scaled dot-product attention computes the weights. In practice, multi-head attention runs several "
    "attention layers in parallel.",
    "The encoder is composed of a stack of six identical layers. Scaled dot-product attention is fast.",
]


def test_a_heading_is_a_subject_in_its_own_language():
    assert heading_subject("Travel  expenses") == Subject("Travel expenses", heading=True, korean=False)
    assert heading_subject("출장 경비") == Subject("출장 경비", heading=True, korean=True)
    assert heading_subject("x" * 61) is None  # a paragraph mistaken for a heading
    assert heading_subject("  ") is None


def test_headings_come_first_one_subject_per_document_and_no_repeats():
    openings = [Opening(["Travel expenses", "Hotels"], []), Opening(["Travel expenses"], []),
                Opening(["출장 경비"], []), Opening(["Meals"], [])]
    assert [s.text for s in example_subjects(openings, limit=2)] == ["Travel expenses", "출장 경비"]


def test_a_korean_text_without_headings_gets_no_example_yet():
    assert example_subjects([Opening([], ["트랜스포머는 어텐션만으로 이루어진 모델이다. " * 3])]) == []


@pytest.mark.integration
def test_the_noun_phrases_a_document_repeats_become_its_subject():
    assert subjects(PAPER, limit=2) == ["multi-head attention", "scaled dot-product attention"]
    assert example_subjects([Opening([], PAPER)]) == [Subject("multi-head attention", heading=False, korean=False)]
    assert subjects(["The cat sat. A dog ran."]) == []  # nothing repeated: no example
