"""Which documents a question names by their file names (core.chat.naming)."""

import pytest

from core.chat.naming import name_words, named_documents
from core.store.records import DocumentRecord

NAMES = ["hwpxlib_press-release-mcst-2024.hwpx", "paper_attention-is-all-you-need_1706.03762.pdf",
         "wikipedia-duck.html", "2024_보도자료_올림픽.hwpx", "travel-policy.pdf", "notes.txt", "여행규정.pdf",
         "대한민국 아파트의 역사 (1b4b03fd)", "김정남 (조선민주주의인민공화국) (ef8e0133)"]
DOCUMENTS = [DocumentRecord(name, name, "x", None, 1, 1, "") for name in NAMES]


@pytest.mark.parametrize(("question", "named"), [
    ("Summarize the press release in three sentences.", ["hwpxlib_press-release-mcst-2024.hwpx"]),
    ("What does the attention paper say about heads?", ["paper_attention-is-all-you-need_1706.03762.pdf"]),
    ("What do the travel policies say about taxis?", ["travel-policy.pdf"]),  # compared by stem
    ("보도자료를 세 줄로 요약해 주세요", ["2024_보도자료_올림픽.hwpx"]),  # a Korean compound counts twice
    ("여행규정을 요약해 줘", ["여행규정.pdf"]),  # the kind (규정) ends the compound
    ("How many attention heads does the Transformer use?", []),  # one shared word is a topic
    ("What do ducks eat?", []),
    ("What did my notes say in 2024?", []),  # numbers never count
    ("언제 보도했나요?", []),  # 보도 starts 보도자료, but a name word must start a question's word whole
    # KorQuAD questions whose words are another article's title: no document is spoken of, so they are topics
    ("환경권이 실질적 권리로 인정받은 최초의 사건의 발단이 된 아파트의 이름은?", []),
    ("조선민주주의인민공화국이 황강댐을 무단으로 방류하여 우리나라에서 발생한 사건은?", []),
    ("What do the attention and the need say?", []),
])
def test_a_question_that_speaks_of_a_document_names_it_by_two_words_of_its_name(question, named):
    assert named_documents(question, DOCUMENTS) == named


def test_a_file_names_words_leave_out_its_extension_numbers_and_short_words():
    assert name_words("hwpxlib_press-release-mcst-2024.hwpx") == ({"hwpxlib", "press", "releas", "mcst"}, set())
    assert name_words("all-you-need.pdf") == ({"need"}, set())
