import pytest

from core.retrieval.keyword import build_query, out_of_reach
from core.store.fts import expression
from core.store.keyword_query import KeywordQuery, Term
from tests.pg_server import postgres_server, postgres_url  # noqa: F401 - fixtures


def test_words_are_quoted_so_user_text_is_never_fts5_syntax():
    query = build_query('What is "NEAR" OR AND* (x)?')
    assert expression(query.words, False) == '"what" OR "is" OR "near" OR "or" OR "and"'  # one-letter words: nothing
    assert query.trigrams == ()


def test_numbers_and_identifiers_stay_whole():
    assert [t.text for t in build_query("BLEU 28.4 on WMT 2014, § 1326").words] == [
        "bleu", "28.4", "on", "wmt", "2014", "1326"]


def test_korean_words_go_to_trigrams_and_a_two_character_prefix():
    query = build_query("트랜스포머는 몇 개")
    assert Term("트랜", prefix=True) in query.words
    assert expression(query.trigrams, False) == '"트랜스" OR "랜스포" OR "스포머" OR "포머는"'


def test_every_word_mode_joins_with_and_and_empty_questions_give_nothing():
    query = build_query("lamp oil", every_word=True)
    assert query.every_word and expression(query.words, query.every_word) == '"lamp" AND "oil"'
    assert not build_query("?! ...")


def test_a_question_of_numbers_and_codes_only():
    from core.retrieval.keyword import only_codes

    assert only_codes("84,012") and only_codes("§ 1326") and only_codes("28.4 BLEU2")
    assert not only_codes("WMT 2014") and not only_codes("how many checks?") and not only_codes("  ")


def test_korean_trigrams_are_capped_like_words():
    """A long Korean question (one run of syllables, or many words) used to give one trigram per
    character: thousands of FTS5 terms, and more bind parameters than PostgreSQL accepts."""
    from core.retrieval.keyword import MAX_TERMS

    syllables = "".join(chr(0xAC00 + i * 3) for i in range(3000))  # 3,000 distinct syllables, no spaces
    for question in (syllables, " ".join(syllables[i : i + 5] for i in range(0, 3000, 5))):
        query = build_query(question)
        assert 0 < len(query.trigrams) <= MAX_TERMS
        assert len(query.words) <= MAX_TERMS
    assert build_query(syllables).trigrams[0] == Term(syllables[:3])  # the question's start is kept


@pytest.mark.parametrize("every_word", [False, True])
def test_the_postgresql_keyword_leg_stays_under_its_parameter_limit(every_word):
    """Whatever query reaches the PostgreSQL store, its statements bind a bounded number of
    parameters (PostgreSQL refuses more than 65,535 in one statement)."""
    from core.store.postgres_keyword import MAX_TERMS, trigram_query, words_query

    query = KeywordQuery(tuple(Term(f"가{i}") for i in range(40_000)), tuple(Term(f"가{i}") for i in range(40_000)),
                         every_word)
    words = words_query(query.words, every_word, "FROM docchat.chunks c", "", [], 5)
    grams = trigram_query(query.trigrams, every_word, "FROM docchat.chunks c", "", [], 5)
    assert words is not None and grams is not None
    for sql, params in (words, grams):
        assert len(params) <= 3 * MAX_TERMS + 1
        assert sql.count("%s") == len(params)


@pytest.mark.integration  # a real PostgreSQL server
def test_a_very_long_korean_question_searches_postgresql(request):
    """The real thing: 40,000 characters of Korean used to bind ~80,000 parameters and fail."""
    import random

    import numpy as np

    from core.ingest.records import Chunk
    from core.store.postgres import PostgresStore
    from core.store.records import NewDocument

    passage = "서울에서 부산까지 기차로 세 시간"
    store = PostgresStore(request.getfixturevalue("postgres_url"))
    try:
        store.add_documents([NewDocument(
            name="trip.txt", sha256="a" * 64, kind="txt", pages=None, original=passage.encode(),
            chunks=[Chunk(text=passage, page=None, ordinal=0)], vectors=np.ones((1, 8), dtype="float32") / np.sqrt(8),
            embedding_model="fake")])
        rng = random.Random(7)
        noise = "".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(40_000))
        query = build_query(passage.split()[0] + noise)
        [hit] = store.keyword_search(query, k=3)
        assert hit.text == passage
    finally:
        store.close()


def test_hits_in_another_script_than_the_question_are_out_of_the_keyword_legs_reach():
    from core.store.records import Hit

    texts = {1: "삼성카드 빅포인트는 5년 동안 유효합니다 (LPG 제외).", 2: "Big Points expire after five years.",
             3: "2024 — 15 %"}
    hits = [Hit("f", None, text, 1.0, "s" * 64, i) for i, text in texts.items()]
    assert out_of_reach("How long are Big Points valid?", hits) == {1}
    assert out_of_reach("빅포인트 유효기간은?", hits) == {2}  # a text of numbers alone is in reach of both
    assert out_of_reach("2024?", hits) == frozenset()
