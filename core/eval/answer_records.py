"""What ``eval answers --record`` keeps of each answer, so the claim check can be tuned and scored
offline: the model's raw text (citations kept), the passages it was given, and where the gold answer
lives. A run of the 1.5B model costs about 5 s a question; re-scoring its records costs only
embeddings. The "removed" pass asks again with each sampled question's paragraph deleted from the
eval library, where the right reply is a refusal.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core.chat.engine import ChatEngine
from core.eval.squad import Paragraph, Question

if TYPE_CHECKING:
    from core.service import DocChat

Pass = Literal["present", "removed"]


@dataclass(frozen=True)
class RecordedSource:
    text: str
    sha256: str
    source: str
    page: int | None


@dataclass(frozen=True)
class AnswerRecord:
    id: str
    question: str
    answers: tuple[str, ...]  # the gold answers
    gold_sha256: str  # the paragraph that holds them
    passage: Pass
    text: str  # the model's reply as streamed, citations kept; the refusal sentence when not found
    found: bool  # False: retrieval found nothing close enough and the model was not asked
    sources: tuple[RecordedSource, ...]
    seconds: float

    @property
    def retrieved(self) -> bool:
        return any(s.sha256 == self.gold_sha256 for s in self.sources)


def ask_one(engine: ChatEngine, question: Question, paragraphs: list[Paragraph], passage: Pass) -> AnswerRecord:
    started = time.perf_counter()
    answer = engine.answer(question.text)
    text = "".join(answer.tokens)
    return AnswerRecord(question.id, question.text, question.answers, paragraphs[question.paragraph].sha256,
                        passage, text, answer.found,
                        tuple(RecordedSource(h.text, h.sha256, h.source, h.page) for h in answer.sources),
                        time.perf_counter() - started)


@contextmanager
def paragraphs_removed(app: DocChat, sha256s: set[str], restore: Callable[[], object]) -> Iterator[int]:
    """The eval library without these paragraphs for the block, then ``restore()`` (which re-adds
    what is missing); yields how many were deleted."""
    deleted = 0
    try:
        for sha in sha256s:
            deleted += app.delete(sha) is not None
        yield deleted
    finally:
        restore()


def write_record(path: Path, record: AnswerRecord) -> None:
    """Append one line and flush it to disk before the next (slow) question is asked."""
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())


def read_records(path: Path) -> list[AnswerRecord]:
    """The records in FILE. A run stopped while it wrote leaves a torn last line (perhaps cut inside a
    Korean character): that answer is dropped (and asked again by ``--resume``) and the line cut off,
    so the next append starts clean; a torn line anywhere else is damage, and raises."""
    records = []
    lines = path.read_bytes().split(b"\n")
    for number, line in enumerate(lines):
        if line.strip():
            try:
                data = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                if number != len(lines) - 1:
                    raise
                _cut_torn_tail(path, len(line))
                break
            data["answers"] = tuple(data["answers"])
            data["sources"] = tuple(RecordedSource(**s) for s in data["sources"])
            records.append(AnswerRecord(**data))
    return records


def _cut_torn_tail(path: Path, torn_bytes: int) -> None:
    print(f"{path}: its last line was cut off by a stopped run; that answer will be asked again", file=sys.stderr)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size - torn_bytes)
