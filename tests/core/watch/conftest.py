"""The ``watch`` fixture: an empty folder beside the test's library (tests/conftest.py: fake embedder),
passes on a clock the test moves, no grace period and no settling time unless a test sets them."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.ingest.records import Upload
from core.service import DocChat
from core.watch.sync import Timing
from tests.core.watch.helpers import Clock, Watch


@pytest.fixture
def watch(app: DocChat, tmp_path: Path, monkeypatch) -> Watch:
    folder = tmp_path / "docs"
    folder.mkdir()
    found = Watch(app, folder.resolve(), Clock(), Timing(grace_seconds=0, settle_seconds=0))
    real = app.ingest_uploads

    def counted(uploads: list[Upload], on_progress=None):
        found.ingested.extend(u.name for u in uploads)
        return real(uploads, on_progress)

    monkeypatch.setattr(app, "ingest_uploads", counted)
    return found
