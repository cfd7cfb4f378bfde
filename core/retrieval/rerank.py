"""Optional second-stage reranking of retrieved chunks with a local cross-encoder.

A cross-encoder reads the question and a chunk together, so it judges relevance better than the
cosine score of two separately embedded texts; it is too slow to run over the whole library, so it
only reorders the few dozen hits dense or keyword retrieval already found. The model must be a local
directory the user gives: a hub name is never resolved, so nothing is downloaded at run time.
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import replace
from pathlib import Path

from core.store.records import Hit

BATCH_SIZE = 32


def check_model_dir(model_dir: Path | str) -> Path:
    """Fail early with a message naming the path, instead of a hub lookup error from deep inside transformers."""
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"cross-encoder model directory not found: {path}")
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"cross-encoder model directory has no config.json: {path}")
    return path


class CrossEncoderReranker:
    """sentence-transformers ``CrossEncoder`` on CPU; safe to share across threads (one predict at a time)."""

    def __init__(self, model_dir: Path | str, batch_size: int = BATCH_SIZE) -> None:
        path = check_model_dir(model_dir)
        from sentence_transformers import CrossEncoder

        kwargs: dict[str, object] = {"device": "cpu"}
        # Belt and braces on top of HF_HUB_OFFLINE: older releases lack the argument, so ask before passing it.
        if "local_files_only" in inspect.signature(CrossEncoder.__init__).parameters:
            kwargs["local_files_only"] = True
        self.model_dir = path
        self.batch_size = batch_size
        self._model = CrossEncoder(str(path), **kwargs)
        self._lock = threading.Lock()

    def scores(self, query: str, texts: list[str]) -> list[float]:
        """One relevance score per text, in input order (the model's activation applied, as ``predict`` does)."""
        if not texts:
            return []
        with self._lock:
            raw = self._model.predict(
                [(query, text) for text in texts], batch_size=self.batch_size, show_progress_bar=False
            )
        return [float(s) for s in raw]

    def rerank(self, query: str, hits: list[Hit], k: int) -> list[Hit]:
        """The k best hits by cross-encoder score, that score replacing the retrieval one; ties keep input order."""
        if not hits or k <= 0:
            return []
        scores = self.scores(query, [hit.text for hit in hits])
        order = sorted(range(len(hits)), key=lambda i: -scores[i])  # sorted() is stable
        return [replace(hits[i], score=scores[i]) for i in order[:k]]
