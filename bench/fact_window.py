"""Does the fact reach the model? Short facts (sizes, durations, counts, names) in long real documents,
where a chunk boundary can cut the fact off the passage that retrieval finds.

Each case of tests/data/facts.json names a file of ../shared/corpus, its page and the exact ``fact`` the
model needs, as the app extracts it (compared with white space collapsed). The files are ingested with
the default settings into a library kept under ``<data dir>/eval/facts-<model>`` (reused: the 872-page
DOCX took 41 minutes on a busy 2-core machine), each question goes through the app's own retrieval
(``DocChat.retrieve``: the hybrid search and the "close enough to answer" decision), and each variant
builds the context the model would read (``core.chat.engine.format_context``: numbered passages with
file and page):

- ``k=3 as stored`` (before the window), ``k=4``, ``k=5``: more passages;
- ``cut sentences finished``: a passage that starts or stops mid-sentence gets the rest of it;
- ``+N sentences``: the N sentences of the chunks before and after each passage nearest to it (and the
  rest of a cut sentence), same document, page and section (``core.chat.window``);
- ``+whole chunks``: the neighbouring chunks whole (their overlap once), what a parent window gives;
- ``+2 touched``: up to 2 sentences a side that share two words or a number with the question, "…"
  for those left out (the app: ``window_sentences = 2``, ``DocChat._passages``; the bench checks that
  its variant is the app's path, and times that step);
- ``across pages``: a neighbour on the page before or after lends too (the app does not: the borrowed
  sentence would be cited and marked on the passage's page);
- ``packed 4`` (``--pack``): ``+2 sentences`` cut to the 4 pieces of each passage closest to the
  question (``core.chat.packing``, the ``context_sentences`` setting; it embeds every passage).

A fact counts as reaching the model when the question is answered from passages (grounded) and the
context holds it. Context length in characters over every question, and in the default model's tokens
when its GGUF is there. ``--squad N`` also asks N SQuAD dev questions (a seeded sample; each paragraph is
a document, and half of them are two chunks) against the SQuAD eval library: the paragraph among the 3
passages (no variant may change which passages come back: asserted), the gold answer in the context.

    nice .venv/bin/python -m bench.fact_window [--squad 300] [--pack] [--verbose] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, loadavg, median, now, table, write_result
from core.chat.engine import format_context
from core.chat.window import MAX_SIDE_CHARS, neighbours, widened, window
from core.service import DocChat
from core.settings import Settings
from core.store.base import Store
from core.store.records import Chunk, Hit

FACTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "facts.json"
K = 3  # the setting's default: what the model reads today


@dataclass(frozen=True)
class Fact:
    question: str
    language: str  # of the question: "en" or "ko"
    file: str
    page: int | None
    fact: str
    document_language: str = ""
    note: str = ""


def load_facts(path: Path = FACTS) -> list[Fact]:
    return [Fact(**item) for item in json.loads(path.read_text(encoding="utf-8"))]


def flat(text: str) -> str:
    """White space collapsed: a PDF line break inside a fact is a space to the model too."""
    return re.sub(r"\s+", " ", text).strip()


def holds(context: str, fact: str) -> bool:
    return flat(fact) in flat(context)


# -- variants: (question, the hits retrieved with k=3 and with k=5, the store) -> the passages the model reads
Variant = Callable[[str, list[Hit], list[Hit], Store], list[Hit]]


def windowed(hits: list[Hit], store: Store, sentences: int, question: str | None = None, across_pages: bool = False,
             limit: int | None = MAX_SIDE_CHARS, finish: bool = True) -> list[Hit]:
    """``core.chat.window.widen`` with the bench's knobs: ``across_pages`` lets a neighbour on the
    page before or after lend too, ``limit`` None takes whole neighbours, ``sentences`` 0 only finishes
    the sentences a passage cuts."""
    return [replace(h, text=window(before, h.text, after, sentences, limit, question, finish))
            for h, (before, after) in zip(hits, _neighbours(hits, store, across_pages), strict=True)]


def _neighbours(hits: list[Hit], store: Store, across_pages: bool) -> list[tuple[str | None, str | None]]:
    taken = {h.chunk_id for h in hits}
    documents: dict[str, list[tuple[int, Chunk]]] = {}
    for sha in dict.fromkeys(h.sha256 for h in hits):
        documents[sha] = store.document_chunks(sha)
    return [neighbours(documents[h.sha256], h.chunk_id, taken, 1 if across_pages else 0) for h in hits]


APP = "k=3 +2 touched (the app)"
VARIANTS: dict[str, Variant] = {
    "k=3 as stored": lambda q, h3, h5, store: h3,
    "k=4": lambda q, h3, h5, store: h5[:4],
    "k=5": lambda q, h3, h5, store: h5,
    "k=3, cut sentences finished": lambda q, h3, h5, store: windowed(h3, store, 0),
    "k=3 +1 sentence": lambda q, h3, h5, store: windowed(h3, store, 1),
    "k=3 +2 sentences": lambda q, h3, h5, store: windowed(h3, store, 2),
    "k=3 +2 sentences across pages": lambda q, h3, h5, store: windowed(h3, store, 2, across_pages=True),
    "k=3 +whole chunks": lambda q, h3, h5, store: windowed(h3, store, 10_000, limit=None),
    "k=3 +whole chunks across pages": lambda q, h3, h5, store: windowed(h3, store, 10_000, limit=None,
                                                                       across_pages=True),
    "k=3 +2 touched, cut sentences finished": lambda q, h3, h5, store: windowed(h3, store, 2, q),
    APP: lambda q, h3, h5, store: windowed(h3, store, 2, q, finish=False),
    "k=3 +2 touched across pages": lambda q, h3, h5, store: windowed(h3, store, 2, q, across_pages=True,
                                                                    finish=False),
    "k=4 +2 touched": lambda q, h3, h5, store: windowed(h5[:4], store, 2, q, finish=False),
}
MORE_PASSAGES = ("k=4", "k=5", "k=4 +2 touched")  # grounded as retrieved with k=5
PACKED = "k=3 +2 sentences, packed 4"


@dataclass
class Row:
    variant: str
    found: dict[str, list[bool]]  # by question language
    chars: list[int]
    tokens: list[int]

    def rate(self, language: str | None = None) -> float:
        values = [v for lang, vs in self.found.items() if language in (None, lang) for v in vs]
        return sum(values) / len(values) if values else 0.0

    def count(self, language: str | None = None) -> str:
        values = [v for lang, vs in self.found.items() if language in (None, lang) for v in vs]
        return f"{sum(values)}/{len(values)}"


def tokenizer() -> Callable[[str], int] | None:
    """The default model's token count of a text, or None when its GGUF is not assembled."""
    from core.llms.model_files import DEFAULT_GGUF
    from core.llms.registry import DEFAULT_MODELS_DIR

    path = DEFAULT_MODELS_DIR / DEFAULT_GGUF
    if not path.is_file():
        return None
    from bench.answer import prompt_tokens

    return lambda text: prompt_tokens(path, [{"content": text, "role": "user"}])


def fact_library(settings: Settings, facts: list[Fact], corpus: Path) -> DocChat:
    from core.eval.cli import eval_settings

    app = DocChat(eval_settings(settings, "facts"))
    paths = []
    for name in dict.fromkeys(f.file for f in facts):
        found = next(iter(corpus.glob(f"**/{name}")), None)
        if found is None:
            raise SystemExit(f"error: {name} is not under {corpus}")
        paths.append(found)
    started = now()
    for result in app.ingest_paths(paths):
        if not result.ok:
            raise SystemExit(f"error: {result.line()}")
    print(f"library: {len(paths)} files in {app.settings.data_dir} ({now() - started:.0f} s to bring up to date)")
    return app


def run_facts(app: DocChat, facts: list[Fact], count: Callable[[str], int] | None, pack: bool,
              verbose: bool, budgets: Sequence[int] = ()) -> tuple[list[Row], list[dict[str, Any]]]:
    from core.chat.packing import packed, packed_to_budget
    from core.chat.passages import split_passages
    from core.embeddings import embed_matrix, embed_query_vector

    budgeted = {f"{APP}, budget {b}": b for b in budgets}
    names = [*VARIANTS, *([PACKED] if pack else []), *budgeted]
    rows = {name: Row(name, {}, [], []) for name in names}
    details = []
    for fact in facts:
        three, five = app.retrieve(fact.question, k=K), app.retrieve(fact.question, k=5)
        started = now()  # the app's own step (DocChat._passages after retrieve), timed
        given = widened(three, app.store, app.settings.window_sentences, fact.question)
        window_ms = 1000 * (now() - started)
        if budgeted:  # the app's passages embedded once for every budget
            app_passages = split_passages([h.text for h in given.hits],
                                          lambda texts: embed_matrix(app.embeddings, texts))
            question_vector = embed_query_vector(app.embeddings, fact.question)
        if three.grounded:  # the bench's variant is the app's path
            assert format_context(given.hits) == format_context(VARIANTS[APP](fact.question, three.hits, [], app.store))
        outcome = {}
        for name in names:
            if name == PACKED:
                hits = windowed(three.hits, app.store, 2)
                passages = split_passages([h.text for h in hits], lambda texts: embed_matrix(app.embeddings, texts))
                vector = embed_query_vector(app.embeddings, fact.question)
                context = format_context(hits, [packed(p, vector, fact.question, 4) for p in passages])
            elif name in budgeted:  # the app's passages, cut to the reading budget (``context_tokens``)
                hits = given.hits
                context = format_context(hits, packed_to_budget(app_passages, question_vector, fact.question,
                                                                  budgeted[name]))
            else:
                hits = VARIANTS[name](fact.question, three.hits, five.hits, app.store)
                context = format_context(hits)
            grounded = (five if name in MORE_PASSAGES else three).grounded
            found = grounded and holds(context, fact.fact)
            row = rows[name]
            row.found.setdefault(fact.language, []).append(found)
            row.chars.append(len(context))
            if count is not None:
                row.tokens.append(count(context))
            outcome[name] = found
        where = [(h.source, h.page) for h in three.hits]
        details.append({"question": fact.question, "language": fact.language, "file": fact.file,
                        "page": fact.page, "grounded": three.grounded, "retrieved": where, "found": outcome,
                        "window_ms": round(window_ms, 1), "app_found": given.grounded and holds(
                            format_context(given.hits), fact.fact)})
        if verbose:
            marks = " ".join("+" if outcome[n] else "." for n in names)
            print(f"  {marks}  [{fact.language}] {fact.question}  (p.{fact.page}; top 3: "
                  + ", ".join(f"{s[:18]} p.{p}" for s, p in where) + ")")
    return list(rows.values()), details


SQUAD_VARIANTS = ("k=3 as stored", "k=3, cut sentences finished", "k=3 +2 sentences",
                  "k=3 +2 touched, cut sentences finished", APP)


def squad_check(settings: Settings, questions: int, seed: int = 7) -> list[list[Any]]:
    """SQuAD dev, a seeded sample: the paragraph among the k=3 passages (a window never changes which
    come back: checked), the gold answer in the context, and the context's length, per variant."""
    from core.eval.answers import contains_gold
    from core.eval.cli import eval_settings, library_kind
    from core.eval.squad import build_library, load_squad

    path = CORPUS / "squad" / "dev-v1.1.json"
    paragraphs, asked = load_squad(path)
    app = DocChat(eval_settings(settings, library_kind(path)))
    build_library(app, paragraphs)
    chosen = random.Random(seed).sample(asked, questions)
    gold: dict[str, int] = dict.fromkeys(SQUAD_VARIANTS, 0)
    chars: dict[str, list[int]] = {name: [] for name in SQUAD_VARIANTS}
    same = retrieved = 0
    for q in chosen:
        three = app.retrieve(q.text, k=K).hits
        retrieved += any(h.sha256 == paragraphs[q.paragraph].sha256 for h in three)
        for name in SQUAD_VARIANTS:
            hits = VARIANTS[name](q.text, three, three, app.store)
            same += [h.chunk_id for h in hits] == [h.chunk_id for h in three]
            context = format_context(hits)
            gold[name] += contains_gold(context, q.answers)
            chars[name].append(len(context))
    n = len(chosen)
    assert same == n * len(SQUAD_VARIANTS), "a window changed which passages came back"
    print(f"SQuAD dev: {n} questions, paragraph among the 3 passages {retrieved / n:.3f} for every variant")
    return [[name, f"{gold[name] / n:.3f} ({gold[name]}/{n})", median(chars[name]),
             round(statistics.fmean(chars[name]))] for name in SQUAD_VARIANTS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=FACTS)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--data-dir", type=Path, default=None, help="where eval libraries live (default: the app's)")
    parser.add_argument("--squad", type=int, default=0, help="also check N SQuAD dev questions (0: skip)")
    parser.add_argument("--pack", action="store_true", help="also the packed variant (it embeds every passage)")
    parser.add_argument("--budget", type=int, nargs="*", default=[],
                        help="also the app's passages cut to these reading budgets in tokens (context_tokens)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings().with_data_dir(args.data_dir)
    facts = load_facts(args.facts)
    app = fact_library(settings, facts, args.corpus)
    count = tokenizer()
    started = now()
    rows, details = run_facts(app, facts, count, args.pack, args.verbose, args.budget)
    seconds = now() - started
    headers = ["variant", "fact in context", "EN questions", "KO questions", "median chars", "mean chars",
               "median tokens", "mean tokens"]
    body = [[r.variant, f"{r.rate():.3f} ({r.count()})", r.count("en"), r.count("ko"), median(r.chars),
             round(statistics.fmean(r.chars)), median(r.tokens) if r.tokens else "–",
             round(statistics.fmean(r.tokens)) if r.tokens else "–"] for r in rows]
    timings = [d["window_ms"] for d in details]
    print(f"\n{len(facts)} questions ({sum(f.language == 'en' for f in facts)} EN, "
          f"{sum(f.language == 'ko' for f in facts)} KO), {seconds:.0f} s, load {loadavg()}\n" + table(headers, body))
    print(f"the app's window (window_sentences = {app.settings.window_sentences}): fact in context "
          f"{sum(d['app_found'] for d in details)}/{len(details)}, median {median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms a question")
    result: dict[str, Any] = {"questions": len(facts), "rows": [dict(zip(headers, row, strict=True)) for row in body],
                              "details": details}
    if args.squad:
        squad_headers = ["variant", "gold answer in context", "median chars", "mean chars"]
        squad = squad_check(settings, args.squad)
        print(table(squad_headers, squad))
        result["squad"] = [dict(zip(squad_headers, row, strict=True)) for row in squad]
    path = write_result("fact_window", result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
