"""``python -m core status [--json] [--wait]``: what the library holds and what is still waiting for its
search vectors (documents added with ``ingest --no-wait``, by the app or by ``watch run``), and who is
embedding them. ``--wait`` returns once every passage has its vector: it embeds them itself, or waits
for the process that already does."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.cli_text import tell
from core.i18n import say, say_n

if TYPE_CHECKING:
    from core.service import DocChat

POLL_SECONDS = 1.0


def add_status_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = sub.add_parser("status", help="the library's size and the documents still waiting for search vectors")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.add_argument("--wait", action="store_true",
                        help="return once every passage has its search vector (embedding them here, or waiting "
                        "for the process that does)")


def run_status(args: argparse.Namespace, app: DocChat) -> int:
    if args.wait:
        _wait(app)
    names = {d.sha256: d.name for d in app.documents()}
    pending = app.pending()
    elsewhere = bool(pending) and app.embedding_elsewhere()
    if args.json:
        print(json.dumps({
            "documents": len(names), "passages": app.store.chunk_count(), "vectors": app.store.vector_count(),
            "waiting": [{"name": names.get(sha, sha), "sha256": sha, "waiting": waiting, "chunks": chunks}
                        for sha, (waiting, chunks) in pending.items()],
            "embedding_elsewhere": elsewhere}, ensure_ascii=False))
        return 0
    tell(say_n("{n} document", "{n} documents", len(names)), args.lang)
    if not pending:
        tell(say("every passage has its search vector"), args.lang)
        return 0
    waiting = sum(w for w, _ in pending.values())
    tell(say_n("{n} document is waiting for search vectors ({waiting} passages); keyword search finds it already",
               "{n} documents are waiting for search vectors ({waiting} passages); keyword search finds them already",
               len(pending), waiting=waiting), args.lang)
    for sha, (left, chunks) in pending.items():
        tell(say("  {name}: {done} of {chunks} passages embedded", name=names.get(sha, sha[:12]),
                 done=chunks - left, chunks=chunks), args.lang)
    if app.needs_reindex():  # vectors of two models cannot be mixed: nothing embeds them until then
        tell(say("the library was indexed with another embedding model; run `reindex` to embed them"), args.lang)
        return 0
    tell(say("another process is embedding them now") if elsewhere else
         say("no process is embedding them now: the app, `watch run`, the next search, ask or ingest, or "
             "`status --wait` will"), args.lang)
    return 0


def _wait(app: DocChat) -> None:
    """Embed what waits, with a progress bar; when another process is the embedder, follow its progress."""
    from tqdm import tqdm

    with tqdm(total=app.store.chunk_count(), initial=app.store.vector_count(), unit="passage", file=sys.stderr,
              disable=None) as bar:
        def moved(start: int) -> Callable[[int, int], object]:
            return lambda done, _total: bar.update(start + done - bar.n)

        while app.store.missing_vectors():
            done = app.embed_pending(moved(bar.n))
            if done is None:  # another process embeds them: watch the count until it is done
                time.sleep(POLL_SECONDS)
                bar.update(app.store.vector_count() - bar.n)
            elif done == 0:  # nothing could be embedded (what is left has no text): never spin
                return
