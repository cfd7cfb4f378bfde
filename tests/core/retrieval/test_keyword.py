from core.retrieval.keyword import build_query


def test_words_are_quoted_so_user_text_is_never_fts5_syntax():
    query = build_query('What is "NEAR" OR AND* (x)?')
    assert query.words == '"what" OR "is" OR "near" OR "or" OR "and"'  # one-letter words carry nothing
    assert query.trigrams is None


def test_numbers_and_identifiers_stay_whole():
    assert build_query("BLEU 28.4 on WMT 2014, § 1326").words == '"bleu" OR "28.4" OR "on" OR "wmt" OR "2014" OR "1326"'


def test_korean_words_go_to_trigrams_and_a_two_character_prefix():
    query = build_query("트랜스포머는 몇 개")
    assert '"트랜"*' in query.words
    assert query.trigrams == '"트랜스" OR "랜스포" OR "스포머" OR "포머는"'


def test_every_word_mode_joins_with_and_and_empty_questions_give_nothing():
    assert build_query("lamp oil", every_word=True).words == '"lamp" AND "oil"'
    assert not build_query("?! ...")


def test_a_question_of_numbers_and_codes_only():
    from core.retrieval.keyword import only_codes

    assert only_codes("84,012") and only_codes("§ 1326") and only_codes("28.4 BLEU2")
    assert not only_codes("WMT 2014") and not only_codes("how many checks?") and not only_codes("  ")
