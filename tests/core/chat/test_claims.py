import re
import zlib

import numpy as np
import pytest

from core.chat.citations import asked_kind, names, pieces
from core.chat.claims import annotate, check_claims

PASSAGES = [
    "The lighthouse stands on Skarvoy. It was built in 1874 by the harbour board. Its lamp burned whale oil.",
    "The ferry leaves twice a day. Tickets cost 40 crowns.",
]


def bag_of_words(texts: list[str]) -> np.ndarray:
    """A stand-in for the embedder: texts that share words are close, others are not. Words go to
    buckets by CRC-32, not ``hash()``: Python salts str hashes per process, so collisions (and with
    them which piece is closest) changed from run to run."""
    vectors = np.zeros((len(texts), 4096), dtype="float32")
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            vectors[row, zlib.crc32(word.encode()) % 4096] += 1.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def test_a_supported_sentence_is_tied_to_the_passage_sentence_that_says_it():
    check = check_claims("It was built in 1874 by the harbour board.", PASSAGES, bag_of_words, similarity=0.8)
    [claim] = check.claims
    assert (claim.passage, claim.piece) == (1, 1)
    assert check.supported and check.cited() == [1] and check.used(1) == {1}


def test_a_bare_short_answer_whose_words_are_all_in_a_sentence_is_supported():
    check = check_claims("Skarvoy [1].", PASSAGES, bag_of_words, similarity=0.99)
    assert check.claims[0].passage == 1


def test_an_invented_answer_has_no_support_and_a_contentless_one_is_left_alone():
    invented = check_claims("The keeper's daughter painted murals inside.", PASSAGES, bag_of_words, 0.8)
    assert not invented.supported and invented.cited() == []
    assert check_claims("Yes.", PASSAGES, bag_of_words, 0.8).supported


def test_annotate_adds_missing_citations_and_marks_unsupported_sentences():
    answer = "1874. It was built by the harbour board.\nThe keeper's daughter painted murals inside."
    check = check_claims(answer, PASSAGES, bag_of_words, similarity=0.6)
    text = annotate(answer, check)
    assert text.startswith("1874 [1]. It was built by the harbour board [1].\n")
    assert text.endswith("painted murals inside. ⚠ (not in your documents)")
    assert "문서에 없는 내용" in annotate(answer, check, "ko")


def test_a_numbered_list_stays_a_list_once_annotated():
    """The browser walk's summary: "1. " was a sentence of its own, cited as "1 [1]." and no longer a list
    marker, so the three items ran together in one paragraph with a stray "3. ⚠"."""
    answer = ("It has two parts:\n1. It was built in 1874 by the harbour board.\n2. Its lamp burned whale oil\n"
              "3. It has a café.")
    assert pieces(answer)[1:3] == ["1. It was built in 1874 by the harbour board.\n", "2. Its lamp burned whale oil\n"]
    check = check_claims(answer, PASSAGES, bag_of_words, similarity=0.6)
    assert [c.text for c in check.claims][1:] == ["1. It was built in 1874 by the harbour board.\n",
                                                  "2. Its lamp burned whale oil\n", "3. It has a café."]
    assert annotate(answer, check).splitlines()[1:] == ["1. It was built in 1874 by the harbour board [1].",
                                                        "2. Its lamp burned whale oil [1]",
                                                        "3. It has a café. ⚠ (not in your documents)"]
    assert pieces("It was 3. Then 4. done") == ["It was 3. ", "Then 4. ", "done"]  # not at a line's start


def test_a_korean_sentence_needs_less_similarity_to_an_english_passage_than_to_a_korean_one():
    claim = "등대의 탑은 화강암으로 만들어졌습니다."

    def at_085(texts: list[str]) -> np.ndarray:  # the answer sentence 0.85 from every passage piece
        other = [0.85, (1 - 0.85 ** 2) ** 0.5]
        return np.array([[1.0, 0.0] if text == claim else other for text in texts], dtype="float32")

    assert check_claims(claim, ["The tower is made of grey granite."], at_085, 0.88, 0.81).supported
    assert not check_claims(claim, ["탑은 회색 화강암으로 지어졌다."], at_085, 0.88, 0.81).supported


def test_each_embedder_gets_the_thresholds_at_the_same_place_on_its_own_scale():
    from core.chat.claims import CROSS_SUPPORT_SIMILARITY, SUPPORT_SIMILARITY, TUNED_FLOOR, claim_similarities

    assert claim_similarities(TUNED_FLOOR) == pytest.approx((SUPPORT_SIMILARITY, CROSS_SUPPORT_SIMILARITY))
    same, cross = claim_similarities(0.30)  # all-MiniLM-L6-v2's floor
    assert 0.30 < cross < same < SUPPORT_SIMILARITY


LONG_PASSAGES = [
    "The lighthouse stands on Skarvoy. Its lamp burned whale oil until 1921. The keepers rowed to the mainland "
    "for supplies. Storms cut the island off for weeks each winter.",
    "The ferry leaves the harbour twice a day. Tickets cost 40 crowns. The crossing takes an hour.",
]


def test_a_supported_sentence_from_text_not_about_the_question_does_not_answer_it():
    """The small model, asked what the passages do not hold, copies a true sentence from a neighbouring
    paragraph: supported, and no answer (docs/decisions/018-answers-on-topic.md)."""
    copied, asked = "The ferry leaves the harbour twice a day.", "Who designed the lighthouse lamp?"
    off = check_claims(copied, LONG_PASSAGES, bag_of_words, similarity=0.8, question=asked)
    assert off.supported and not off.on_topic and not off.answers
    assert off.claims[0].covers == 0.0
    on = check_claims("Its lamp burned whale oil until 1921.", LONG_PASSAGES, bag_of_words, similarity=0.8,
                      question="What did the lighthouse lamp burn?")
    # lighthouse (in the piece before), lamp, and "burn" for "burned" (English words by their stem)
    assert on.answers and on.claims[0].covers == 1.0
    assert check_claims(copied, LONG_PASSAGES, bag_of_words, similarity=0.8, question=asked,
                        coverage=0.0).answers  # the test switched off


def test_the_question_coverage_counts_the_neighbouring_pieces_and_skips_what_it_cannot_compare():
    # "Storms" and "island" are in the pieces after "keepers rowed": the question's words are around it
    check = check_claims("The keepers rowed to the mainland for supplies.", LONG_PASSAGES, bag_of_words,
                         similarity=0.8, question="Why did storms keep the lighthouse keepers on the island?")
    assert check.answers and check.claims[0].covers is not None and check.claims[0].covers >= 0.5
    for question in ("", "What is it?", "등대지기는 무엇을 했나요?"):  # no words to compare, or another language
        unknown = check_claims("The keepers rowed to the mainland for supplies.", LONG_PASSAGES, bag_of_words,
                               similarity=0.8, question=question)
        assert unknown.claims[0].covers is None and unknown.answers


PRESS = ["이 보도자료는 문화체육관광부에서 배포했습니다. 보도시점 2024. 1. 2.(화) 08:00.",
         "문화체육관광부 장미란 제2차관은 1월 2일 진천 국가대표 선수촌을 방문해 선수단을 격려한다."]


@pytest.mark.parametrize(("question", "answer"), [
    ("이 보도자료는 어느 기관에서 발표했나요?", "이 보도자료는 문화체육관광부에서 발표했습니다."),
    ("Which agency announced the visit?", "The Culture Ministry announced the visit."),
])
def test_the_kind_of_thing_asked_for_need_not_be_written_where_the_answer_is(question, answer):
    """The browser walk's press release: "기관" (agency) is what the answer names, not a word its text
    repeats; counting it left one of three words covered and refused a right answer."""
    passages = PRESS if "보도" in question else ["The Culture Ministry said on 2 January that its vice minister "
                                                  "will visit the national training centre."]
    check = check_claims(answer, passages, bag_of_words, similarity=0.3, question=question)
    assert check.supported and check.on_topic and check.answers


def test_a_summary_asked_for_is_judged_by_what_it_is_about_not_by_the_words_of_the_request():
    """"주요 내용을 세 줄로 요약해 주세요" (summarize its main content in three lines): no passage writes 요약 or
    주요 내용, and a summary made of the passages' own sentences was refused as off topic. What the request is
    about still counts: a summary of another document is not about the press release."""
    summary = "이 보도자료는 문화체육관광부에서 배포했습니다. 문화체육관광부 장미란 제2차관은 선수단을 격려한다."
    check = check_claims(summary, PRESS, bag_of_words, similarity=0.3,
                         question="이 보도자료의 주요 내용을 세 줄로 요약해 주세요.")
    assert check.supported and check.on_topic and check.answers
    other = check_claims("The lighthouse stands on Skarvoy. Its lamp burned whale oil until 1921.", LONG_PASSAGES,
                         bag_of_words, similarity=0.5, question="Summarize the press release in three sentences.")
    assert other.supported and not other.on_topic and not other.answers


@pytest.mark.parametrize(("question", "kind"), [
    ("이 보도자료는 어느 기관에서 발표했나요?", {"기관"}),
    ("무슨 상을 받았나?", {"상을"}),
    ("Which agency published it?", {"agency"}),
    ("What year did the war end?", {"year"}),
    ("What kind of engine was used?", {"kind"}),
    ("What caused the fire?", set()),  # a verb after "what": still asked of the text
    ("How many heads does it use?", set()),
])
def test_the_kind_of_thing_asked_for_is_the_word_a_question_word_picks_out(question, kind):
    assert asked_kind(question) == kind


HIDEKO = ["히데코는 숙희와 함께 남장을 하고 상해로 도피했다. 두 사람은 배를 타고 떠났다."]
WHERE = "히데코가 남장을 하고 숙희와 도피한 곳은 어디인가?"


@pytest.mark.parametrize("answer", [
    "히데코가 남장을 하고 숙희와 도피한 곳은 히데코입니다.",  # a word of the question where the answer goes
    '히데코가 남장을 하고 숙희와 도피한 곳은 "숙희"입니다.',  # the same, in quotation marks
    "히데코가 남장을 하고 숙희와 도피한 곳은 일본입니다.",  # a place the passage does not name
])
def test_an_answer_that_copies_the_question_around_no_word_of_the_passage_does_not_answer_it(answer):
    """KorQuAD's wrong answers: the question copied with a word of its own, or of nowhere, in the
    answer's place. The embedder finds the sentence close to the passage it was copied from."""
    check = check_claims(answer, HIDEKO, bag_of_words, similarity=0.3, question=WHERE)
    assert check.supported and check.on_topic
    assert not check.adds and not check.answers


def test_an_answer_that_names_a_word_of_its_passage_or_a_number_answers():
    right = check_claims("히데코가 남장을 하고 숙희와 도피한 곳은 상해입니다.", HIDEKO, bag_of_words, 0.3,
                         question=WHERE)
    assert right.adds and right.answers
    when = "When was the lighthouse built?"
    assert check_claims("It was built in 1874.", PASSAGES, bag_of_words, 0.5, question=when).answers


def test_an_answer_in_another_language_than_its_passage_is_not_asked_to_share_its_words():
    """The e2e conversation: a Korean question about an English document, answered in Korean. The
    answer's "화강암" (granite) cannot stand in the English passage; the embedder alone ties it."""
    def translating(texts: list[str]) -> np.ndarray:
        return bag_of_words([t.replace("회색 화강암", "grey granite").replace("탑은", "tower") for t in texts])

    passage = ["The Skarvoy lighthouse was built in 1874. Its tower is made of grey granite."]
    check = check_claims("Skarvoy 등대의 탑은 회색 화강암으로 만들어졌습니다.", passage, translating, 0.3, 0.3,
                         question="Skarvoy 등대의 탑은 무엇으로 만들어졌나요?")
    assert check.supported and check.adds and check.answers


@pytest.mark.parametrize(("question", "answer"), [
    ("Does the lighthouse stand on Skarvoy?", "Yes, the lighthouse stands on Skarvoy."),
    ("Which built it, the harbour board or the town?", "The harbour board built it."),
])
def test_a_yes_or_no_question_or_a_choice_may_be_answered_in_its_own_words(question, answer):
    assert check_claims(answer, PASSAGES, bag_of_words, 0.5, question=question).answers


STEAM = ["The duty of an engine is the number of foot-pounds of work delivered by burning one bushel of coal."]


def test_a_sentence_that_puts_the_asked_about_name_on_text_about_something_else_does_not_answer():
    """SQuAD with the paragraph removed: asked about the CJEU's duty, the model copied a steam engine's
    "duty" and put the CJEU on it. Supported, and about the question's words, but not its name."""
    answer = "The CJEU's duty is the number of foot-pounds of work delivered by burning one bushel of coal."
    check = check_claims(answer, STEAM, bag_of_words, 0.5, question="What is the CJEU's duty?")
    assert check.supported and not check.claims[0].named
    assert not check.on_topic and not check.answers
    asked = "What is the engine's duty in Cornwall?"  # the same answer, the name written in the passage
    assert check_claims(answer, [STEAM[0] + " Engines in Cornwall did best."], bag_of_words, 0.5,
                        question=asked).claims[0].named


def test_a_two_letter_name_of_the_question_is_an_abbreviation_the_passage_may_spell_out():
    """SQuAD: "Which of ABC's main production facilities is located in Hollywood, CA?" was answered right
    from a passage that writes "Hollywood, California", and refused because "CA" is written nowhere. The
    longer names ("ABC", "Hollywood") are still looked for, as is a short one with a digit ("S8", the
    Galaxy test below)."""
    passage = ["ABC's main production facility, the ABC Television Center, is located on Prospect Avenue in "
               "Hollywood, California."]
    answer = "The ABC Television Center on Prospect Avenue in Hollywood, California."
    question = "Which of ABC's main production facilities is located in Hollywood, CA?"
    check = check_claims(answer, passage, bag_of_words, 0.5, question=question)
    assert check.claims[0].named and check.answers
    other = check_claims(answer, passage, bag_of_words, 0.5, question="Which facility does NBC have in Hollywood, CA?")
    assert not other.claims[0].named and not other.answers


def test_a_name_is_looked_for_in_every_retrieved_passage_of_the_supporting_ones_document():
    """A paper names its model once in a while, not in the sentence that holds the fact asked for."""
    passages = ["We employ h = 8 parallel attention layers, or heads.", "The Transformer follows this design.",
                "A ferry to Skarvoy leaves twice a day."]
    question = "How many heads does the Transformer use?"
    answer = "It uses 8 parallel attention layers."
    assert not check_claims(answer, passages, bag_of_words, 0.3, question=question).claims[0].named
    together = check_claims(answer, passages, bag_of_words, 0.3, question=question,
                            documents=["a.pdf", "a.pdf", "b.pdf"])
    assert together.claims[0].named and together.answers
    apart = check_claims(answer, passages, bag_of_words, 0.3, question=question,
                         documents=["a.pdf", "c.pdf", "c.pdf"])
    assert not apart.claims[0].named and not apart.answers


@pytest.mark.parametrize(("question", "asked"), [
    ("In 1517 who was Luther's bishop?", {"luther"}),  # not the first word; no possessive
    ("How many GPUs trained the Transformers?", {"gpu", "transformer"}),  # compared in the singular
    ("What is the Chinese name for the Yuán dynasty?", {"chinese", "yuán"}),
    ("김하성은 LG전에서 몇 타점을 올렸나요?", {"lg"}),  # Latin letters only
    ("히데코가 도피한 곳은 어디인가?", set()),
])
def test_a_questions_names_are_its_capitalised_latin_words_after_the_first(question, asked):
    assert names(question) == asked


def test_a_name_in_the_documents_own_name_counts():
    """KorQuAD's "갤럭시 S8에 설치된 전면 카메라의 화소수는?": the article is titled "갤럭시 S8"; its
    paragraph about the camera never repeats it."""
    passage = ["전면 카메라는 800만 화소이다."]
    question = "갤럭시 S8에 설치된 전면 카메라의 화소수는 얼마인가?"
    answer = "전면 카메라의 화소수는 800만 화소입니다."
    assert not check_claims(answer, passage, bag_of_words, 0.3, question=question).claims[0].named
    titled = check_claims(answer, passage, bag_of_words, 0.3, question=question, documents=["갤럭시 S8 (1f2e3d4c)"])
    assert titled.claims[0].named and titled.answers


YUAN = ["Kublai declared the Great Yuan (Chinese: 大元). He proclaimed Khanbaliq the Great Capital, or Daidu."]


def test_a_name_the_answer_states_that_no_passage_writes_is_not_supported():
    """SQuAD with the paragraph removed: "The Chinese name for the Yuan dynasty is 大元 (Da Yu)." is close
    to the passage that writes 大元, but "Da Yu" is the model's own; a number it invents is refused the same
    way."""
    question = "What is the Chinese name for the Yuan dynasty?"
    invented = check_claims("The Chinese name for the Yuan dynasty is 大元 (Da Yu).", YUAN, bag_of_words, 0.3,
                            question=question)
    assert not invented.supported and not invented.answers
    written = check_claims("The Chinese name for the Yuan dynasty is the Great Yuan (大元).", YUAN, bag_of_words,
                           0.3, question=question)
    assert written.supported and written.answers
    # written in another retrieved passage, or in a document's name, is written
    assert check_claims("Kublai named Daidu the Great Capital of Cathay.", [*YUAN, "Marco Polo called it Cathay."],
                        bag_of_words, 0.3).supported
    assert check_claims("Kublai named Daidu the Great Capital of Cathay.", YUAN, bag_of_words, 0.3,
                        documents=["Cathay (9d495fa7)"]).supported


def test_a_latin_name_is_not_asked_of_a_passage_in_another_language():
    """An English answer about a Korean passage writes its names in Latin letters ("Kim Ha-seong"); the
    passage writes them in Hangul."""
    passage = ["김하성은 이날 시즌 3호 홈런을 쳤다."]
    check = check_claims("Kim Ha-seong hit his 3rd home run of the season.", passage, bag_of_words, 0.0,
                         cross_similarity=0.0)
    assert check.supported
