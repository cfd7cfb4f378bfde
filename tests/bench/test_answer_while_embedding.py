"""The answer-while-embedding bench (bench/answer_while_embedding.py) at a tiny size, with a fake embedder
that takes its time and a fake model that streams slowly: every question is asked under every condition
with chunks still waiting, and the pause shows (the embedder steps aside while the model writes)."""

from __future__ import annotations

import time

from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bench.answer_while_embedding import (
    CONDITIONS,
    IDLE,
    NO_PAUSE,
    PAUSING,
    build_library,
    report,
    run_questions,
    summary,
)
from core.ingest.background import SLICE
from core.llms.loaded import LoadedLLM

BIG = "\n\n".join(f"Paragraph {n}: the harbour board met on day {n} and agreed on item {n * 7}. "
                  f"The keeper rowed to island {n % 13} and back." for n in range(3000)).encode()


class Slow(DeterministicFakeEmbedding):
    """0.05 s a call: a slice of the big document takes about as long as a few streamed characters."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        time.sleep(0.05)
        return super().embed_documents(texts)


def test_every_condition_is_measured_with_chunks_waiting_and_the_pause_shows(tmp_path, settings, lighthouse_pdf):
    app, scope, about = build_library(tmp_path / "data", 0, Slow(size=32), ("big.txt", BIG), paper=lighthouse_pdf,
                                      settings=settings.replace(min_similarity=0))  # fake vectors ground nothing
    assert about["big_chunks"] > 40 * SLICE and app.pending()
    llm = LoadedLLM("fake", FakeListChatModel(responses=["Marta Quell keeps the lighthouse [1]."], sleep=0.03))
    records = run_questions(app, llm, scope, ["Who keeps the lighthouse?"])
    assert [r["condition"] for r in records] == list(CONDITIONS)
    assert all(r["tokens"] > 1 and r["ttft_s"] > 0 for r in records)
    for r in records[1:]:
        assert r["pending_before"] >= r["pending_after"] > 0, r  # committed every 256 chunks or 15 s
    by = {r["condition"]: r for r in records}
    assert by[IDLE]["chunks"]["total"] == 0
    assert by[PAUSING]["chunks"]["generation"] <= SLICE  # at most the slice in flight when the model began
    assert by[NO_PAUSE]["chunks"]["generation"] > SLICE
    rows = summary(records)
    assert [r["condition"] for r in rows] == list(CONDITIONS) and rows[0]["ttft_over_idle"] == 1.0
    assert "x idle" in report(rows, records)
