from core.chat.language import ENGLISH, KOREAN, detect_language, hangul_share, written_in


def test_korean_questions_are_korean_even_with_english_terms():
    assert detect_language("트랜스포머는 몇 개의 GPU로 학습했나요?") == KOREAN
    assert detect_language("Transformer는 몇 개의 GPU로 학습했나요?") == KOREAN  # 10 Hangul of 24 letters
    assert detect_language("ㅋㅋ 그래서 몇 개?") == KOREAN


def test_english_and_unknown():
    assert detect_language("How many GPUs was the Transformer trained on?") == ENGLISH
    assert detect_language("Who was Frédéric Chopin?") == ENGLISH
    assert detect_language("Сколько слоёв у декодера?") is None  # neither: the prompt keeps its fallback
    assert detect_language("1874?") is None and hangul_share("42") is None


def test_an_answer_is_judged_in_the_questions_language():
    assert written_in("8개의 P100 GPU로 학습했습니다 [1].", KOREAN)
    assert not written_in("It was trained on 8 P100 GPUs [1].", KOREAN)
    assert written_in("1874", KOREAN) and written_in("1874", ENGLISH)  # a number reads the same in both
    for terse in ("2.13m", "59.94 Hz [1]", "40 km/h", "12%", "약 2.13m입니다."):  # and with its unit
        assert written_in(terse, KOREAN), terse
    assert not written_in("8 GPUs", KOREAN) and not written_in("3.5 days", KOREAN)  # words, not units
    assert not written_in("Обучали на восьми GPU.", ENGLISH)
    assert written_in("anything", None)
