"""The library a CLI command works on: opened from the settings and ``--data-dir``, and, before a
command that searches or writes, given back the vectors it lost. Shared by ``core/cli.py`` and the
``watch`` commands, so every command repairs the library the same way."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from core.cli_text import tell
from core.i18n import say_n
from core.settings import load_settings

if TYPE_CHECKING:  # imported where used: `list` needs none of the models
    from core.service import DocChat


def open_library(args: argparse.Namespace) -> DocChat:
    from core.service import DocChat

    return DocChat(load_settings().with_data_dir(args.data_dir))


def repaired(app: DocChat, lang: str) -> None:
    """Before a command that searches or writes: vectors the library lost (index file deleted,
    damaged, put back from a backup) are rebuilt from the stored passages, with a progress bar."""
    from tqdm import tqdm

    missing = app.missing_vectors()
    if not missing or app.needs_reindex():
        return
    if app.embedding_elsewhere():  # the app or `watch run` embeds them now: search with what is in
        tell(say_n("note: {n} passage is waiting for its search vector, which another process is embedding now; "
                   "keyword search finds it meanwhile",
                   "note: {n} passages are waiting for their search vectors, which another process is embedding "
                   "now; keyword search finds them meanwhile", missing), lang, file=sys.stderr, flush=True)
        return
    tell(say_n("rebuilding the search vectors of {n} passage from their stored text "
               "(the index file was missing or not this library's)",
               "rebuilding the search vectors of {n} passages from their stored text "
               "(the index file was missing or not this library's)", missing), lang, file=sys.stderr, flush=True)
    with tqdm(total=100, unit="%", file=sys.stderr, disable=None) as bar:
        app.repair(lambda done: bar.update(round(done * 100) - bar.n))
