"""A question that names a document of the library by its file name: "Summarize the press release"
with ``press-release-mcst-2024.hwpx`` among the files, "여행규정을 요약해 줘" with ``여행규정.pdf``.

People point at their files by what they called them. Searched as one question among all the library's
passages, "Summarize the press release in three sentences." found a reference list in an English paper
first ("Ofir Press and Lior Wolf…"), and the model summarized that (BENCHMARKS §30). A question that
names documents is searched inside them first (``core.service.DocChat._passages``).

A document is named when the question speaks of a document ("press release", "paper", "policy", 보도자료,
논문: the kinds ``core.chat.followup`` knows) and holds two words of its name. Without a kind, the words of
a name are a topic: titles such as 대한민국 아파트의 역사 took 4 of 200 KorQuAD questions away from the
paragraph that answers them (BENCHMARKS §30). English words are compared by their Snowball stem ("policies"
names ``travel-policy.pdf``); a Korean word of the name must start a word of the question, whole ("보도자료를"
holds 보도자료; "보도했다" does not), and one of three syllables or more counts twice: Korean writes a
compound such as 보도자료 (press release) or 여행규정 (travel rules) as one word. Numbers (years, versions)
and English words of under four letters never count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import PurePath

from core.chat.citations import FRAME_WORDS, stems
from core.chat.followup import EN_DOCUMENT_KINDS, KO_DOCUMENT_KINDS
from core.chat.language import hangul_share
from core.store.records import DocumentRecord

_LETTERS = re.compile(r"[^\W\d_]+")
MIN_SHARED = 2  # name words a question must hold
KOREAN_COMPOUND = 3  # syllables from which a Korean name word counts as two


def _words(text: str) -> tuple[set[str], set[str]]:
    """The English stems and the Korean words of ``text`` that could name something."""
    words = [w.lower() for w in _LETTERS.findall(text)]
    english = {w for w in words if w.isascii() and len(w) >= 4 and w not in FRAME_WORDS}
    korean = {w for w in words if len(w) >= 2 and hangul_share(w) == 1.0}
    return stems(english), korean


@lru_cache(maxsize=65_536)  # a question reads every name of its scope: 10,000 in a big library
def name_words(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words of a file name, without its extension ("press-release-2024.hwpx": press, release)."""
    english, korean = _words(PurePath(name).stem.replace("_", " "))
    return frozenset(english), frozenset(korean)


def speaks_of_a_document(question: str) -> bool:
    """Whether ``question`` names a kind of document ("the press release", "이 논문"); cheap, so a caller can
    ask it before listing the library's documents for ``named_documents``."""
    english, korean_words = _words(question)
    # a Korean kind often ends a compound (여행규정), so it is looked for anywhere in a word
    return bool(english & stems(set(EN_DOCUMENT_KINDS))) or any(
        kind in w for w in korean_words for kind in KO_DOCUMENT_KINDS)


def named_documents(question: str, documents: Sequence[DocumentRecord]) -> list[str]:
    """The sha256 of the documents ``question`` names, in library order."""
    if not speaks_of_a_document(question):
        return []
    english, korean_words = _words(question)
    named = []
    for document in documents:
        name_english, name_korean = name_words(document.name)
        shared = len(name_english & english) + sum(1 + (len(k) >= KOREAN_COMPOUND) for k in name_korean
                                                   if any(w.startswith(k) for w in korean_words))
        if shared >= MIN_SHARED:
            named.append(document.sha256)
    return named
