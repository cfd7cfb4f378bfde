"""Every page test ends with the app's background embedder stopped (ui.indexing), as a process exit
would: a thread left running would embed into the next test's library folder."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

VECTORS_DEADLINE_S = 120  # generous: the CPU is shared; the embedder itself takes a second here


@pytest.fixture(autouse=True)
def background_embedder_stopped() -> Iterator[None]:
    yield
    from ui import indexing

    indexing.stop_all()


def wait_for_vectors() -> None:
    """Until the page's background embedder has given every passage of the library its vector."""
    from core.service import DocChat
    from core.settings import load_settings

    library = DocChat(load_settings()).store
    deadline = time.monotonic() + VECTORS_DEADLINE_S
    while library.missing_vectors():
        assert time.monotonic() < deadline, "the background embedder did not finish"
        time.sleep(0.1)
