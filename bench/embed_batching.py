"""Why ingest embeds slower than one raw ``encode`` call: batch order and padding.

The pipeline embeds chunks in slices of 64 in file order (one ``encode`` call per slice, for
progress events). ``SentenceTransformer.encode`` sorts texts by length inside one call, so a
single call pads less. This times, on the first N chunks of the novel and the same loaded model:
one ``encode`` call (raw), slices of 64 in file order (as the pipeline does), and slices of 64
after sorting by length; and counts padded token positions for both orders.
ratio = raw_s / strategy_s (1.0 = as fast as one raw call).

    .venv/bin/python -m bench.embed_batching [--chunks 1280] [--repeat 2]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import core  # noqa: F401 - offline environment before any library import
from bench._common import NOVEL, loadavg, median, now, table, write_result
from core.embeddings import load_embeddings
from core.embeddings.slices import EMBED_BATCH
from core.ingest.records import Page
from core.ingest.splitting import split_pages
from core.settings import Settings


def padded_positions(lengths: Sequence[int], order: Sequence[int], batch: int) -> int:
    """Token positions computed when each batch is padded to its longest member."""
    total = 0
    for start in range(0, len(order), batch):
        members = [lengths[i] for i in order[start : start + batch]]
        total += max(members) * len(members)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.embed_batching", description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1280, help="first N chunks of the novel (default 1280)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per strategy, median reported (default 2)")
    args = parser.parse_args(argv)
    load_before = loadavg()
    settings = Settings()
    page = Page(text=NOVEL.read_text(encoding="utf-8"), number=None)
    texts = [c.text for c in split_pages([page], settings.chunk_size, settings.chunk_overlap)][: args.chunks]
    embeddings = load_embeddings(settings.embedding_model)
    model = embeddings._model  # the same SentenceTransformer the pipeline uses
    embeddings.encode(["warm-up"] * 8)
    by_length = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    sorted_texts = [texts[i] for i in by_length]

    def slices(items: list[str]) -> Callable[[], object]:
        return lambda: [embeddings.encode(items[s : s + EMBED_BATCH]) for s in range(0, len(items), EMBED_BATCH)]

    strategies: dict[str, Callable[[], object]] = {
        "raw: one encode call": lambda: model.encode(texts, batch_size=EMBED_BATCH, normalize_embeddings=True),
        f"slices of {EMBED_BATCH}, file order (pipeline)": slices(texts),
        f"slices of {EMBED_BATCH}, sorted by length": slices(sorted_texts),
    }
    samples: dict[str, list[float]] = {name: [] for name in strategies}
    for _ in range(args.repeat):
        for name, run in strategies.items():
            started = now()
            run()
            samples[name].append(now() - started)
    med = {name: median(values) for name, values in samples.items()}
    raw_s = med["raw: one encode call"]

    lengths = [min(len(ids), model.max_seq_length) for ids in model.tokenizer(texts)["input_ids"]]
    file_order = padded_positions(lengths, range(len(texts)), EMBED_BATCH)
    length_order = padded_positions(lengths, by_length, EMBED_BATCH)
    print(f"{len(texts)} chunks, {sum(lengths):,} real tokens; median of {args.repeat} runs")
    print(table(["strategy", "seconds", "chunks/s", "ratio raw/this"],
                [[name, s, len(texts) / s, raw_s / s] for name, s in med.items()]))
    print(f"padded token positions: file order {file_order:,}, sorted {length_order:,} "
          f"(sorted/file = {length_order / file_order:.3f})")
    print(f"load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result("embed_batching", {
        "chunks": len(texts), "real_tokens": sum(lengths), "samples_s": samples, "median_s": med,
        "padded_positions": {"file_order": file_order, "sorted": length_order}, "loadavg_1m_before": load_before,
    })
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
