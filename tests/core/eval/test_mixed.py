"""The mixed-language eval's metric maths, with a scripted search (no models), and the gold file's shape."""

import json
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.eval.mixed import MixedCase, corpus_files, load_cases, run_mixed
from core.store.records import Hit

CASES_FILE = Path(__file__).resolve().parents[2] / "data" / "mixed_eval.json"


def hit(source: str, page: int | None = None) -> Hit:
    return Hit(source=source, page=page, text="", score=0.0, sha256="0" * 64, chunk_id=0)


def scripted(results: dict[str, list[Hit]]):
    """A search that answers each question with its fixed ranking, and records the k it was asked for."""
    asked: list[int] = []

    def search(question: str, k: int) -> list[Hit]:
        asked.append(k)
        return results[question]

    search.asked = asked
    return search


def test_hit_at_1_hit_at_5_and_mrr_follow_the_rank_of_the_first_right_hit():
    cases = [MixedCase("q1", "en", "a.pdf", 2), MixedCase("q2", "en", "a.pdf", 2),
             MixedCase("q3", "de", "a.pdf", 2), MixedCase("q4", "de", "a.pdf", 2)]
    wrong = [hit("a.pdf", 1), hit("b.pdf", 2)]  # right file wrong page, right page wrong file
    search = scripted({
        "q1": [hit("a.pdf", 2)],  # rank 1
        "q2": [*wrong, hit("c.pdf"), hit("a.pdf", 2)],  # rank 4
        "q3": [*wrong * 3, hit("a.pdf", 2)],  # rank 7: counts for MRR@10, not for hit@5
        "q4": wrong,  # never
    })
    report = run_mixed(cases, search, k=10)
    assert report.questions == 4
    assert report.hit_at_1 == pytest.approx(1 / 4)
    assert report.hit_at_5 == pytest.approx(2 / 4)
    assert report.mrr_at_10 == pytest.approx((1 + 1 / 4 + 1 / 7) / 4)
    assert report.by_language == {"en": 1.0, "de": 0.0}
    assert [c.question for c in report.missed_at_5] == ["q3", "q4"]
    assert search.asked == [10] * 4


def test_hits_beyond_k_do_not_count_even_if_search_returns_them():
    case = MixedCase("q", "en", "a.pdf", 1)
    search = scripted({"q": [hit("b.pdf", 1)] * 5 + [hit("a.pdf", 1)]})
    report = run_mixed([case], search, k=5)
    assert report.hit_at_5 == 0.0 and report.mrr_at_10 == 0.0


def test_a_case_without_page_is_answered_by_any_chunk_of_its_file():
    cases = [MixedCase("q", "ko", "duck.html", None)]
    report = run_mixed(cases, scripted({"q": [hit("other.html"), hit("duck.html", None)]}))
    assert report.hit_at_1 == 0.0 and report.hit_at_5 == 1.0 and report.mrr_at_10 == 0.5
    assert report.by_language == {"ko": 1.0}


def test_a_paged_case_is_not_answered_by_a_hit_without_page():
    report = run_mixed([MixedCase("q", "en", "a.pdf", 3)], scripted({"q": [hit("a.pdf", None)]}))
    assert report.hit_at_5 == 0.0


def test_report_json_uses_the_metric_names():
    report = run_mixed([MixedCase("q", "en", "a.pdf", None)], scripted({"q": [hit("b"), hit("a.pdf")]}))
    assert report.to_json() == {"questions": 1, "hit@1": 0.0, "hit@5": 1.0, "mrr@10": 0.5, "by_language": {"en": 1.0},
                                "by_pair": {"en→en": {"questions": 1, "hit@1": 0.0, "hit@5": 1.0, "mrr@10": 0.5}}}


def test_a_case_is_in_its_own_languages_document_unless_told_otherwise():
    assert MixedCase("q", "ko", "a.pdf", 1).pair == "ko→ko"
    assert MixedCase("q", "ko", "a.pdf", 1, document_language="en").pair == "ko→en"


def test_each_question_language_to_document_language_pair_is_its_own_row():
    cases = [MixedCase("k1", "ko", "paper.pdf", 1, document_language="en"),
             MixedCase("k2", "ko", "paper.pdf", 2, document_language="en"),
             MixedCase("e1", "en", "card.pdf", 1, document_language="ko"),
             MixedCase("e2", "en", "paper.pdf", 1),
             MixedCase("k3", "ko", "card.pdf", 1)]
    far = [hit("x.pdf", 1)] * 6
    search = scripted({
        "k1": [hit("paper.pdf", 1)],  # rank 1
        "k2": [hit("x.pdf", 1), hit("paper.pdf", 2)],  # rank 2
        "e1": [*far, hit("card.pdf", 1)],  # rank 7
        "e2": [hit("paper.pdf", 1)],
        "k3": [],
    })
    report = run_mixed(cases, search)
    assert list(report.by_pair) == ["en→en", "ko→ko", "en→ko", "ko→en"]  # same-language rows first
    ko_en, en_ko = report.by_pair["ko→en"], report.by_pair["en→ko"]
    assert (ko_en.questions, ko_en.hit_at_1, ko_en.hit_at_5) == (2, 0.5, 1.0)
    assert ko_en.mrr_at_10 == pytest.approx((1 + 1 / 2) / 2)
    assert (en_ko.questions, en_ko.hit_at_1, en_ko.hit_at_5) == (1, 0.0, 0.0)
    assert en_ko.mrr_at_10 == pytest.approx(1 / 7)
    assert report.by_pair["ko→ko"].hit_at_5 == 0.0
    # the question-language view is unchanged: ko counts its Korean questions whatever they ask about
    assert report.by_language == {"ko": pytest.approx(2 / 3), "en": 0.5}
    assert report.to_json()["by_pair"]["ko→en"] == {"questions": 2, "hit@1": 0.5, "hit@5": 1.0, "mrr@10": 0.75}


def test_no_cases_or_a_too_small_k_is_an_error():
    with pytest.raises(ValueError):
        run_mixed([], scripted({}))
    with pytest.raises(ValueError):
        run_mixed([MixedCase("q", "en", "a.pdf", 1)], scripted({"q": []}), k=3)


def test_load_cases_rejects_an_unknown_language(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([{"question": "q", "language": "kr", "file": "a.pdf", "page": 1, "note": ""}]))
    with pytest.raises(ValueError, match="kr"):
        load_cases(path)
    path.write_text(json.dumps([{"question": "q", "language": "ko", "document_language": "english", "file": "a.pdf"}]))
    with pytest.raises(ValueError, match="english"):
        load_cases(path)


def test_load_cases_defaults_the_document_language_to_the_questions(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([{"question": "q1", "language": "de", "file": "a.pdf", "page": 1},
                                {"question": "q2", "language": "en", "document_language": "ko", "file": "b.hwpx"}]))
    cases = load_cases(path)
    assert [(c.language, c.document_language, c.page) for c in cases] == [("de", "de", 1), ("en", "ko", None)]


def test_the_gold_file_loads_with_enough_cases_per_language():
    cases = load_cases(CASES_FILE)
    languages = Counter(case.language for case in cases)
    assert len(cases) >= 20
    assert languages["ko"] >= 6 and languages["de"] >= 4
    assert all(case.question.strip() and case.note.strip() for case in cases)
    assert all(case.page is None or case.page >= 1 for case in cases)
    assert len({case.question for case in cases}) == len(cases)


def test_the_gold_file_has_enough_cross_language_cases():
    """Issue 19: Korean questions about English documents, and English ones about Korean documents."""
    pairs = Counter(case.pair for case in load_cases(CASES_FILE))
    assert pairs["ko→en"] >= 15 and pairs["en→ko"] >= 15


def test_corpus_files_lists_each_file_once():
    cases = [MixedCase("q1", "en", "a.pdf", 1), MixedCase("q2", "ko", "b.md", None), MixedCase("q3", "de", "a.pdf", 2)]
    assert corpus_files(cases) == ["a.pdf", "b.md"]


def test_every_gold_file_is_in_the_corpus_and_only_pdfs_have_pages(corpus):
    cases = load_cases(CASES_FILE)
    for name in corpus_files(cases):
        assert list(corpus.glob(f"*/{name}")), f"{name} is not in {corpus}"
    for case in cases:
        assert (case.page is not None) == case.file.endswith(".pdf"), case
    for name in {case.file for case in cases if case.page is not None}:
        pages = len(PdfReader(corpus / "pdf" / name).pages)
        assert all(case.page <= pages for case in cases if case.file == name), name
