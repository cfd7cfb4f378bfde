"""The mixed-language eval on the real corpus with the real embedder: a floor under retrieval quality,
so a change that loses Korean, German or English questions fails here rather than in a user's chat."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from core.eval.mixed import corpus_files, load_cases, run_mixed
from core.service import DocChat
from core.settings import Settings

pytestmark = pytest.mark.integration

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "mixed_eval.json"

# Measured at d5eee68 (dense-only all-MiniLM-L6-v2, chunks 700/100, k=10; 30 cases, 671 chunks):
# hit@1 0.633, hit@5 0.700, MRR@10 0.658; hit@5 by language: en 0.867 (13/15), de 0.667 (4/6), ko 0.444 (4/9).
# Four of the five Korean misses ask about English documents. About 80 s on 2 busy CPU cores, mostly ingest.
HIT_AT_5_FLOOR = 0.5  # floor: set from the measured default


def test_mixed_language_questions_find_their_file_and_page(settings, real_embeddings, corpus):
    cases = load_cases(CASES_FILE)
    # The fixture's small chunks suit tiny generated files; the eval measures the chunking users get.
    defaults = Settings()
    app = DocChat(replace(settings, chunk_size=defaults.chunk_size, chunk_overlap=defaults.chunk_overlap),
                  embeddings=real_embeddings)
    paths = [next(corpus.glob(f"*/{name}")) for name in corpus_files(cases)]
    results = app.ingest_paths(paths)
    assert all(r.ok for r in results), [r.line() for r in results]

    report = run_mixed(cases, lambda question, k: app.search(question, k), k=10)

    print(json.dumps(report.to_json(), indent=2))  # pytest -s shows the numbers to put in a decision record
    for case in report.missed_at_5:
        print(f"missed@5 [{case.language}] {case.question} -> {case.file} p.{case.page}")
    assert report.hit_at_5 >= HIT_AT_5_FLOOR, report.to_json()
