"""Which language a question (or an answer) is written in, so the answer prompt can name it.

A 1.5B model told only "answer in the language of the question" answers a Korean question over English
passages in English (issue 18). Naming the language explicitly fixes that; detecting it needs no model:
the app's users write Korean or English, and Hangul is its own script. Text with no letters (a number,
"?") has no language: callers keep their default. langdetect is installed (a dependency of a dependency)
but is random unless seeded, unmaintained since 2021 and slow to load, so it is not used here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Share of Hangul among the letters above which a text is Korean. Korean questions about English papers
# mix in Latin terms ("Transformer는 몇 개의 GPU로 학습했나요?": 10 Hangul of 24 letters, 0.42), and a
# Latin word spends a letter per sound where a Hangul syllable packs two or three; on the 5,774 KorQuAD
# dev questions the lowest share is 0.25 (13 under 0.5), on the 10,570 SQuAD dev questions the highest
# is 0.0. 0.2 keeps a margin on both sides; all 16,344 are then detected right.
KOREAN_MIN_SHARE = 0.2
# Share of ASCII Latin among the letters from which a non-Korean text is English; below it (Cyrillic,
# kana, Han) the prompt keeps "the language of the question". On SQuAD dev the lowest share is 0.90
# ("Who was Frédéric Chopin?"); 0.5 takes all of them and leaves room for quoted foreign names.
ENGLISH_MIN_SHARE = 0.5
# A number with the short unit written after it ("2.13m", "59.94 Hz", "40 km/h", "12%"): a terse answer
# reads the same in every language. Longer words after a number ("8 GPUs", "3 days") stay words.
NUMBER_WITH_UNIT = re.compile(r"\d[\d.,]*(?:\s?(?:[A-Za-z]{1,3}(?:/[A-Za-z]{1,3})?|%|°[CF]?)(?![A-Za-z]))?")


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name: str  # as the prompt says it: "Answer in Korean."


KOREAN = Language("ko", "Korean")
ENGLISH = Language("en", "English")


def is_hangul(ch: str) -> bool:
    """Syllables and both jamo blocks: a question typed with a bare jamo ("ㅋㅋ") is still Korean."""
    return "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"


def hangul_share(text: str) -> float | None:
    """Share of Hangul among the letters of ``text``; None when it has no letters."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum(map(is_hangul, letters)) / len(letters) if letters else None


def detect_language(text: str) -> Language | None:
    """Korean, English, or None when the text has no letters or is neither (the prompt then falls back)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    if sum(map(is_hangul, letters)) / len(letters) >= KOREAN_MIN_SHARE:
        return KOREAN
    if sum(ch.isascii() for ch in letters) / len(letters) >= ENGLISH_MIN_SHARE:
        return ENGLISH
    return None


def written_in(text: str, language: Language | None) -> bool:
    """Whether an answer is in ``language``. An answer without letters besides its numbers and their
    units ("1874", "2.13m", "59.94 Hz") reads the same in every language and counts as written in it, as
    does any answer to a question of unknown language."""
    words = NUMBER_WITH_UNIT.sub(" ", text)
    if language is None or not any(ch.isalpha() for ch in words):
        return True
    return detect_language(words) == language
