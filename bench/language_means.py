"""The language means that centre the meaning legs (``core.retrieval.centering``), computed from reference
passages and written where the product reads them (``core/retrieval/language_means/<model>.json``).

CJK-script text: KorQuAD 1.0 dev paragraphs; the rest: SQuAD v1.1 dev paragraphs. Only the paragraphs of
even-numbered articles are embedded (a seeded sample of ``--per-set``), so the questions of odd-numbered
articles never met a paragraph the means came from; ``bench.centering`` reports on both halves.

    .venv/bin/python -m bench.language_means [--model multilingual-e5-small] [--per-set 600]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS
from core.embeddings import canonical_name, embed_matrix, load_embeddings
from core.retrieval.centering import MEANS_DIR
from core.settings import load_settings
from core.store.files import atomic_write_bytes

SETS = {"cjk": CORPUS / "korquad" / "KorQuAD_v1.0_dev.json", "other": CORPUS / "squad" / "dev-v1.1.json"}
BATCH = 64


def reference_paragraphs(path: Path, count: int, seed: int) -> list[str]:
    """A seeded sample of the paragraphs of the set's even-numbered articles."""
    articles = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs = [p["context"] for a in articles[::2] for p in a["paragraphs"]]
    return random.Random(seed).sample(paragraphs, min(count, len(paragraphs)))


def mean_vector(embeddings: Embeddings, texts: list[str]) -> np.ndarray:
    """The mean passage vector, embedded a batch at a time as ingest embeds them."""
    total = np.zeros(0)
    for i in range(0, len(texts), BATCH):
        batch = embed_matrix(embeddings, texts[i:i + BATCH]).sum(axis=0, dtype="float64")
        total = batch if total.size == 0 else total + batch
    return total / len(texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.language_means", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=load_settings().embedding_model)
    parser.add_argument("--per-set", type=int, default=600, help="paragraphs embedded per script")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    missing = [str(p) for p in SETS.values() if not p.is_file()]
    if missing:
        parser.error(f"the reference sets are missing: {', '.join(missing)}")
    model = canonical_name(args.model)
    embeddings = load_embeddings(model)
    texts = {script: reference_paragraphs(path, args.per_set, args.seed) for script, path in SETS.items()}
    means = {script: mean_vector(embeddings, t) for script, t in texts.items()}
    data = {"model": model, "made_by": "python -m bench.language_means",
            "from": {script: f"{len(texts[script])} paragraphs of the even-numbered articles of {path.name}"
                     for script, path in SETS.items()},
            "seed": args.seed, "means": {script: [round(float(x), 6) for x in m] for script, m in means.items()}}
    target = MEANS_DIR / f"{model}.json"
    MEANS_DIR.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, (json.dumps(data) + "\n").encode("utf-8"))
    cosine = float(means["cjk"] @ means["other"] / np.linalg.norm(means["cjk"]) / np.linalg.norm(means["other"]))
    print(f"wrote {target}: cosine between the two means {cosine:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
