"""Korean morphology for the keyword leg (issue 19): Kiwi content morphemes against the app's
trigram leg, keyword leg alone, on KorQuAD 1.0 dev (and a SQuAD v1.1 dev sample for English).

Every paragraph is split into chunks by the app's own splitter (``split_pages``, chunk size and
overlap from the settings' defaults, the article title as each chunk's heading), and the chunks
go into in-memory SQLite FTS5 tables. A question scores when its own paragraph comes back
(hit@1, hit@5, MRR@10 over the top 10 chunks, a paragraph counted at its first chunk, as
``core.eval.squad.rank_of`` does). Paragraphs whose context repeats are merged into one, with
all their questions (KorQuAD's dev set holds 3 contexts twice).

- ``app (words + trigrams)``: the app's keyword leg as it is: the schema of
  ``core/store/keyword_schema.sql`` (a porter unicode61 word index and a trigram index),
  ``core.retrieval.keyword.build_query`` (Korean words: quoted trigrams plus a two-syllable
  prefix), common words left out by ``core.store.common_terms`` (decision 006) and
  ``core.store.fts.keyword_scores`` (BM25, heading weighted 2, the two indexes' scores added).
- ``kiwi unicode61``: each chunk (and heading) analysed by Kiwi, its content morphemes (NNG, NNP,
  NNB, VV, VA, SL, SN, XR) joined by spaces in a unicode61 FTS5 table; the question's content
  morphemes OR-ed, ranked by ``bm25(t, 2.0, 1.0)``.
- ``kiwi porter unicode61``: the same analysed text with the Porter stemmer (for English words).
- ``fused``: reciprocal-rank fusion (k=60) of the app's leg and ``kiwi unicode61``, each
  paragraph ranked from the legs' top 30 chunks.

    .venv/bin/python -m bench.korean_keywords [--questions N] [--squad-questions 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, median, now, table, write_result
from core.eval.metrics import rank_scores
from core.eval.squad import Paragraph, Question, load_squad
from core.ingest.records import Page
from core.ingest.splitting import split_pages
from core.retrieval.keyword import MAX_TERMS, build_query
from core.settings import Settings
from core.store.common_terms import CommonTerms
from core.store.fts import expression, keyword_scores
from core.store.keyword_query import Term

KORQUAD = CORPUS / "korquad" / "KorQuAD_v1.0_dev.json"
SQUAD = CORPUS / "squad" / "dev-v1.1.json"
SCHEMA = Path(__file__).resolve().parents[1] / "core" / "store" / "keyword_schema.sql"
# Kiwi tags that carry content: common, proper and bound nouns, verb and adjective stems, foreign
# (Latin) words, numbers, roots. Particles (J*), endings (E*), affixes and symbols stay out.
CONTENT_TAGS = frozenset({"NNG", "NNP", "NNB", "VV", "VA", "SL", "SN", "XR"})
TOP = 10  # chunks asked of a leg, as the app's eval asks
FUSION_TOP = 30  # chunks of each leg that the fusion sees
RRF_K = 60
KIWI_TABLES = {"kiwi unicode61": "unicode61 remove_diacritics 2",
               "kiwi porter unicode61": "porter unicode61 remove_diacritics 2"}
_WORD = re.compile(r"\w")


# ---- pure functions (tests/bench/test_korean_keywords.py) ----

def merge_contexts(paragraphs: Sequence[Paragraph], questions: Sequence[Question],
                   ) -> tuple[list[Paragraph], list[Question]]:
    """One paragraph per distinct context (the first title kept); every question points at it."""
    first: dict[str, int] = {}
    merged: list[Paragraph] = []
    where: list[int] = []
    for para in paragraphs:
        if para.text not in first:
            first[para.text] = len(merged)
            merged.append(para)
        where.append(first[para.text])
    return merged, [Question(q.text, where[q.paragraph], q.answers, q.id) for q in questions]


def sample(questions: Sequence[Question], n: int | None, seed: int = 0) -> list[Question]:
    """All questions, or ``n`` of them drawn with a fixed seed (in their original order)."""
    if n is None or n >= len(questions):
        return list(questions)
    keep = sorted(random.Random(seed).sample(range(len(questions)), n))
    return [questions[i] for i in keep]


def paragraph_order(chunk_ids: Iterable[int], paragraph_of: Callable[[int], int]) -> list[int]:
    """Paragraphs in the order their first chunk comes (later chunks of one do not count again)."""
    seen: dict[int, None] = {}
    for chunk_id in chunk_ids:
        seen.setdefault(paragraph_of(chunk_id), None)
    return list(seen)


def rank(order: Sequence[int], wanted: int, limit: int = TOP) -> int | None:
    """1-based rank of ``wanted`` among the first ``limit`` paragraphs; None when not there."""
    for i, para in enumerate(order[:limit], 1):
        if para == wanted:
            return i
    return None


def scores(ranks: Sequence[int | None]) -> dict[str, float]:
    hit1, hit5, mrr = rank_scores(list(ranks))
    return {"hit@1": round(hit1, 4), "hit@5": round(hit5, 4), "mrr@10": round(mrr, 4)}


def rrf(orders: Iterable[Sequence[int]], k: int = RRF_K) -> list[int]:
    """Reciprocal-rank fusion: each item scores the sum of 1 / (k + rank) over the lists."""
    fused: dict[int, float] = {}
    for order in orders:
        for i, item in enumerate(order, 1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + i)
    return sorted(fused, key=lambda item: -fused[item])


def content_terms(tokens: Iterable[tuple[str, str]]) -> list[str]:
    """The content morphemes of (form, tag) pairs, in order, each once; irregular-stem tags
    (VV-I, VA-R) count as their base tag; a form without a letter or digit is left out."""
    terms: dict[str, None] = {}
    for form, tag in tokens:
        if tag.split("-")[0] in CONTENT_TAGS and _WORD.search(form):
            terms.setdefault(form.lower(), None)
    return list(terms)


# ---- Kiwi ----

class Analyser:
    """Kiwi loaded once; ``terms`` gives a text's content morphemes, timing each call."""

    def __init__(self) -> None:
        started = now()
        from kiwipiepy import Kiwi  # the bench runs without it only to print why it cannot

        with warnings.catch_warnings():  # num_workers=0 is one thread since 0.21 (it warns of the change)
            warnings.simplefilter("ignore", DeprecationWarning)
            self.kiwi = Kiwi(num_workers=0)  # one thread: what one question costs the app
        self.load_s = now() - started
        started = now()
        self.kiwi.tokenize("첫 질문은 무엇인가?")  # the first call sets Kiwi up (seconds): timed apart
        self.first_call_s = now() - started
        self.seconds: list[float] = []

    def terms(self, text: str) -> list[str]:
        started = now()
        tokens = self.kiwi.tokenize(text)
        self.seconds.append(now() - started)
        return content_terms((t.form, t.tag) for t in tokens)


# ---- indexes and legs ----

@dataclass
class Library:
    conn: sqlite3.Connection
    paragraph_of_chunk: dict[int, int]
    paragraph_analysis_ms: list[float]
    common: CommonTerms

    def paragraph_of(self, chunk_id: int) -> int:
        return self.paragraph_of_chunk[chunk_id]


def build_library(paragraphs: Sequence[Paragraph], analyser: Analyser | None) -> Library:
    """The app's two keyword indexes over the paragraphs' chunks, and with an analyser the
    analysed-text tables; each paragraph's analysis time (its chunks and title) is kept."""
    settings = Settings()
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE chunks (id INTEGER PRIMARY KEY, heading TEXT, text TEXT)")
    conn.executescript(SCHEMA.read_text(encoding="utf-8"))
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts_vocab USING fts5vocab(chunks_fts, row)")
    for i, tokenize in enumerate(KIWI_TABLES.values()):
        conn.execute(f"CREATE VIRTUAL TABLE kiwi{i} USING fts5(heading, text, tokenize='{tokenize}')")
    paragraph_of: dict[int, int] = {}
    analysis_ms: list[float] = []
    conn.execute("BEGIN")
    for p, para in enumerate(paragraphs):
        chunks = split_pages([Page(para.text, None, heading=para.title)], settings.chunk_size, settings.chunk_overlap)
        heading_terms = analysed = ""
        spent = 0.0
        if analyser is not None:
            heading_terms = " ".join(analyser.terms(para.title))
            spent += analyser.seconds[-1]
        for chunk in chunks:
            cursor = conn.execute("INSERT INTO chunks (heading, text) VALUES (?, ?)", (chunk.heading, chunk.text))
            chunk_id = int(cursor.lastrowid or 0)
            paragraph_of[chunk_id] = p
            if analyser is not None:
                analysed = " ".join(analyser.terms(chunk.text))
                spent += analyser.seconds[-1]
                for i in range(len(KIWI_TABLES)):
                    conn.execute(f"INSERT INTO kiwi{i} (rowid, heading, text) VALUES (?, ?, ?)",
                                 (chunk_id, heading_terms, analysed))
        analysis_ms.append(spent * 1000)
    conn.execute("COMMIT")
    return Library(conn, paragraph_of, analysis_ms, CommonTerms())


def app_leg(library: Library, question: str, k: int) -> list[int]:
    """Chunk ids from the app's keyword leg: build_query, common words left out, keyword_scores."""
    query = library.common.leave_out(library.conn, build_query(question))
    return [chunk_id for chunk_id, _ in keyword_scores(library.conn, query, k, None, [])]


def kiwi_leg(library: Library, table_index: int, terms: Sequence[str], k: int) -> list[int]:
    """Chunk ids from an analysed-text table: the content morphemes OR-ed, BM25 ordered."""
    match = expression(tuple(Term(t) for t in terms[:MAX_TERMS]), False)
    if match is None:
        return []
    table_name = f"kiwi{table_index}"
    return [row[0] for row in library.conn.execute(
        f"SELECT rowid FROM {table_name} WHERE {table_name} MATCH ? ORDER BY bm25({table_name}, 2.0, 1.0) LIMIT ?",
        (match, k))]


def run(name: str, paragraphs: Sequence[Paragraph], questions: Sequence[Question],
        analyser: Analyser | None, fused: bool) -> dict[str, Any]:
    """Every leg's scores on ``questions`` and the costs of the analysis."""
    started = now()
    library = build_library(paragraphs, analyser)
    build_s = now() - started
    chunks = len(library.paragraph_of_chunk)
    ranks: dict[str, list[int | None]] = {"app (words + trigrams)": []}
    if analyser is not None:
        ranks |= {leg: [] for leg in KIWI_TABLES}
        if fused:
            ranks["fused (RRF app + kiwi unicode61)"] = []
    query_ms: list[float] = []
    leg_ms: dict[str, list[float]] = {leg: [] for leg in ranks}
    for q in questions:
        t = now()
        order = paragraph_order(app_leg(library, q.text, TOP), library.paragraph_of)
        leg_ms["app (words + trigrams)"].append((now() - t) * 1000)
        ranks["app (words + trigrams)"].append(rank(order, q.paragraph))
        if analyser is None:
            continue
        terms = analyser.terms(q.text)
        query_ms.append(analyser.seconds[-1] * 1000)
        for i, leg in enumerate(KIWI_TABLES):
            t = now()
            order = paragraph_order(kiwi_leg(library, i, terms, TOP), library.paragraph_of)
            leg_ms[leg].append((now() - t) * 1000)
            ranks[leg].append(rank(order, q.paragraph))
        if fused:
            t = now()
            both = [paragraph_order(app_leg(library, q.text, FUSION_TOP), library.paragraph_of),
                    paragraph_order(kiwi_leg(library, 0, terms, FUSION_TOP), library.paragraph_of)]
            leg_ms["fused (RRF app + kiwi unicode61)"].append((now() - t) * 1000)
            ranks["fused (RRF app + kiwi unicode61)"].append(rank(rrf(both), q.paragraph))
    result: dict[str, Any] = {
        "corpus": name, "paragraphs": len(paragraphs), "chunks": chunks, "questions": len(questions),
        "build_s": round(build_s, 1),
        "legs": {leg: {**scores(r), "median_search_ms": round(median(leg_ms[leg]), 2)} for leg, r in ranks.items()},
    }
    if analyser is not None:
        result["analysis"] = {
            "median_question_ms": round(median(query_ms), 2), "p95_question_ms": round(percentile(query_ms, 95), 2),
            "median_paragraph_ms": round(median(library.paragraph_analysis_ms), 2),
            "p95_paragraph_ms": round(percentile(library.paragraph_analysis_ms, 95), 2),
            "all_paragraphs_s": round(sum(library.paragraph_analysis_ms) / 1000, 1),
        }
    return result


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))] if ordered else 0.0


def versions() -> dict[str, str]:
    found = {}
    for package in ("kiwipiepy", "kiwipiepy_model"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.korean_keywords", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=None, help="KorQuAD questions sampled (default: all)")
    parser.add_argument("--squad-questions", type=int, default=1000, help="SQuAD questions sampled (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--korquad", type=Path, default=KORQUAD)
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--no-fusion", action="store_true")
    args = parser.parse_args(argv)
    try:
        analyser: Analyser | None = Analyser()
    except ImportError as error:
        print(f"kiwipiepy not installed ({error}): only the app's leg is measured")
        analyser = None
    if analyser is not None:
        print(f"Kiwi {versions()} loaded in {analyser.load_s:.2f} s (in this process; import included), "
              f"first call {analyser.first_call_s:.2f} s")
    runs = []
    for name, path, n in (("KorQuAD 1.0 dev", args.korquad, args.questions),
                          ("SQuAD v1.1 dev", args.squad, args.squad_questions)):
        if n == 0:
            continue
        paragraphs, questions = merge_contexts(*load_squad(path))
        runs.append(run(name, paragraphs, sample(questions, n, args.seed), analyser, not args.no_fusion))
        print(f"{name}: {runs[-1]['paragraphs']} paragraphs, {runs[-1]['chunks']} chunks, "
              f"{runs[-1]['questions']} questions, built in {runs[-1]['build_s']} s")
    rows = [[r["corpus"], leg, s["hit@1"], s["hit@5"], s["mrr@10"], s["median_search_ms"]]
            for r in runs for leg, s in r["legs"].items()]
    print(table(["corpus", "keyword leg", "hit@1", "hit@5", "MRR@10", "search ms (median)"], rows))
    costs = [[r["corpus"], a["median_question_ms"], a["p95_question_ms"], a["median_paragraph_ms"],
              a["p95_paragraph_ms"], a["all_paragraphs_s"]] for r in runs if (a := r.get("analysis"))]
    if costs:
        print(table(["corpus", "question ms (median)", "question ms (p95)", "paragraph ms (median)",
                     "paragraph ms (p95)", "all paragraphs s"], costs))
    out = write_result("korean-keywords", {
        "versions": versions(), "kiwi_load_s_in_process": round(analyser.load_s, 2) if analyser else None,
        "kiwi_first_call_s": round(analyser.first_call_s, 2) if analyser else None,
        "content_tags": sorted(CONTENT_TAGS), "seed": args.seed, "runs": runs})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
