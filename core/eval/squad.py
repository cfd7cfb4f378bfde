"""Retrieval eval on SQuAD v1.1 dev: every paragraph is a document, every question is asked,
and a question scores when its own paragraph comes back (hit@1, hit@5, MRR@10).

The library is built once per embedding model through the app's own split/embed/store path and
kept under ``<data dir>/eval/``, so comparing retrievers costs only the questions.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.eval.metrics import rank_scores
from core.store.records import Hit

if TYPE_CHECKING:
    from core.service import DocChat

BUILD_BATCH = 128


@dataclass(frozen=True)
class Paragraph:
    title: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.title}\n{self.text}".encode()).hexdigest()


@dataclass(frozen=True)
class Question:
    text: str
    paragraph: int  # index into the paragraph list
    answers: tuple[str, ...]
    id: str = ""


def load_squad(path: Path) -> tuple[list[Paragraph], list[Question]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    paragraphs: list[Paragraph] = []
    questions: list[Question] = []
    for article in data:
        title = article["title"].replace("_", " ")
        for para in article["paragraphs"]:
            paragraphs.append(Paragraph(title, para["context"]))
            for qa in para["qas"]:
                answers = tuple(a["text"] for a in qa["answers"])
                questions.append(Question(qa["question"], len(paragraphs) - 1, answers, qa.get("id", "")))
    return paragraphs, questions


def dataset_name(path: Path) -> str:
    """What a report calls the set in ``path``: SQuAD's files give a bare number as their "version" ("1.1"
    becomes "SQuAD v1.1"), KorQuAD's name themselves ("KorQuAD_v1.0_dev" becomes "KorQuAD v1.0 dev"); a file
    without a version is named by its file name, less the extension."""
    version = json.loads(Path(path).read_text(encoding="utf-8")).get("version")
    if not isinstance(version, str) or not version.strip():
        return Path(path).stem
    version = version.strip()
    if re.fullmatch(r"v?\d+(\.\d+)*", version):
        return f"SQuAD v{version.removeprefix('v')}"
    return version.replace("_", " ")


@dataclass(frozen=True)
class RetrievalReport:
    retriever: str
    questions: int
    hit_at_1: float
    hit_at_5: float
    mrr_at_10: float
    seconds: float
    dataset: str = ""  # which set was asked (dataset_name); empty where the caller did not say

    def to_json(self) -> dict:
        return {"retriever": self.retriever, "questions": self.questions, "hit@1": round(self.hit_at_1, 4),
                "hit@5": round(self.hit_at_5, 4), "mrr@10": round(self.mrr_at_10, 4),
                "seconds": round(self.seconds, 1), "dataset": self.dataset}


def rank_of(hits: list[Hit], sha256: str) -> int | None:
    """Rank of the first passage from the wanted document; later passages of it do not count again."""
    seen: list[str] = []
    for hit in hits:
        if hit.sha256 not in seen:
            seen.append(hit.sha256)
            if hit.sha256 == sha256:
                return len(seen)
    return None


def evaluate(name: str, questions: list[Question], paragraphs: list[Paragraph],
             search: Callable[[str, int], list[Hit]], progress: Callable[[Iterable], Iterable] = iter,
             dataset: str = "") -> RetrievalReport:
    started = time.perf_counter()
    ranks = [rank_of(search(q.text, 10), paragraphs[q.paragraph].sha256) for q in progress(questions)]
    return RetrievalReport(name, len(questions), *rank_scores(ranks), time.perf_counter() - started, dataset)


def build_library(docchat: DocChat, paragraphs: list[Paragraph],
                  progress: Callable[[Iterable], Iterable] = iter) -> int:
    """Add the paragraphs not yet in the eval library (so an interrupted build resumes); returns
    how many were added. Each paragraph is a document titled by its article, as a file would be."""
    from core.ingest.pipeline import add_texts
    from core.ingest.records import TextDocument

    have = {d.sha256 for d in docchat.documents()}
    # KorQuAD's dev set holds some paragraphs twice: each document once
    todo = list({p.sha256: p for p in paragraphs if p.sha256 not in have}.values())
    batches = [todo[i:i + BUILD_BATCH] for i in range(0, len(todo), BUILD_BATCH)]
    for batch in progress(batches):
        add_texts(docchat.store, docchat.embeddings, docchat.settings,
                  [TextDocument(f"{p.title} ({p.sha256[:8]})", p.sha256, p.text, p.title) for p in batch])
    return len(todo)
