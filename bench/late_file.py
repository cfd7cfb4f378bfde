"""A file added while the library is still embedding another (issue 20): how long until its vectors are in,
that is until questions about it are searched by meaning and not only by its words.

What the app does: a big PDF (the novel, ``--pages`` pages, made as bench/big_pdf.py makes it) is uploaded
keyword-first and the app's background ``Embedder`` starts on it; ``--after`` seconds later a one-page note is
uploaded keyword-first too and the embedder is poked, as the Documents page does. Timed from the note's upload:
until it has every vector, and until the PDF has. Default settings (the default embedder, sentence vectors on),
in a temporary data dir; the embedding model is loaded and warmed up before any timing.

    .venv/bin/python -m bench.late_file [--pages 30] [--after 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import core  # noqa: F401 - offline environment before any library import
from bench._common import loadavg, now, write_result
from bench.big_pdf import WARMUP, make_pdf
from core.ingest.background import Embedder
from core.ingest.records import Upload
from core.service import DocChat
from core.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

NOTE = ("# Harbour notes\n\nThe harbour lamp of Vardoe is lit every evening at 17:40 by the keeper, Marta Olsen.\n"
        "The ferry to the island leaves from pier 4 and takes forty minutes.\n")


def measure(pages: int, after: float, embeddings: Embeddings | None = None, text: str | None = None,
            ) -> dict[str, float | int]:
    """``embeddings``, ``text``: another embedder and the PDF's text instead of the novel (tests)."""
    with tempfile.TemporaryDirectory(prefix="bench-late-file-") as tmp:
        app = DocChat(Settings(data_dir=Path(tmp) / "data"), embeddings=embeddings)
        app.embeddings.embed_documents(WARMUP)
        # the Markdown loader's first use imports its parser (seconds, once a process): paid before any timing
        assert list(app.ingest_uploads([Upload("warm-up.md", b"# Warm up\n\nA line.\n")]))[0].ok
        pdf = make_pdf(pages, text).data
        [big] = list(app.ingest_uploads([Upload(f"novel-{pages}p.pdf", pdf, defer_vectors=True)]))
        embedder = Embedder(lambda stop: app.embed_pending(stop=stop))
        embedder.poke()
        time.sleep(after)
        started = now()
        [note] = list(app.ingest_uploads([Upload("harbour-notes.md", NOTE.encode(), defer_vectors=True)]))
        note_words_s = now() - started  # committed: searchable by its words
        embedder.poke()
        note_s = big_s = None
        while note_s is None or big_s is None:
            waiting = app.pending()
            if note_s is None and note.sha256 not in waiting:
                note_s = now() - started
            if big_s is None and big.sha256 not in waiting:
                big_s = now() - started
            time.sleep(0.2)
        embedder.close()
        # unrounded: with a fake embedder (tests) the note's vectors land within a tenth of a second
        return {"pages": pages, "pdf_chunks": big.chunks, "after_s": after, "note_words_s": note_words_s,
                "note_vectors_s": note_s, "pdf_vectors_s": big_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--after", type=float, default=10.0, help="seconds between the PDF's upload and the note's")
    args = parser.parse_args()
    load = loadavg()
    result = {key: round(value, 1) if isinstance(value, float) else value
              for key, value in measure(args.pages, args.after).items()}
    print(f"{args.pages}-page PDF ({result['pdf_chunks']} chunks) uploaded, the note {args.after:.0f} s later: "
          f"the note searchable by its words in {result['note_words_s']} s, by meaning in "
          f"{result['note_vectors_s']} s, the PDF in {result['pdf_vectors_s']} s after the note's upload; "
          f"load average {load} before, {loadavg()} after")
    print(f"wrote {write_result('late_file', {**result, 'loadavg_1m_before': load})}")


if __name__ == "__main__":
    main()
