"""Ingest several files with reading and embedding overlapped: a reader thread sniffs, loads and
splits the next file while the encoder embeds this one (the parsers are Python, the encoders
native code that lets go of the GIL). bench/ingest_files.py measures what that buys.

Progress from the reader thread is handed to the caller's thread, so a callback may draw on a
Streamlit page or a tqdm bar without locks, and ``overall`` only moves forward.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from langchain_core.embeddings import Embeddings

from core.ingest.pipeline import read_upload, store_parsed
from core.ingest.records import IngestResult, Parsed, Progress, ProgressCallback, Upload
from core.settings import Settings
from core.store.base import Store

READ_AHEAD = 1  # files read while one is embedded; one keeps a single parsed file in memory
POLL_SECONDS = 0.1


class BatchProgress:
    """Turns per-file events into batch events on the caller's thread."""

    def __init__(self, files: int, report: ProgressCallback | None) -> None:
        self._fractions = [0.0] * files
        self._report = report
        self._from_reader: queue.SimpleQueue[tuple[int, Progress]] = queue.SimpleQueue()

    def reader(self, position: int) -> ProgressCallback:
        """For the reader thread: events wait until the caller's thread passes them on."""
        return lambda event: self._from_reader.put((position, event))

    def caller(self, position: int) -> ProgressCallback:
        def report(event: Progress) -> None:
            self.flush()
            self._emit(position, event)
        return report

    def flush(self) -> None:
        while True:
            try:
                position, event = self._from_reader.get_nowait()
            except queue.Empty:
                return
            self._emit(position, event)

    def wait(self, future: Future) -> IngestResult | Parsed:
        """The future's result, passing the reader's progress on while it works."""
        while True:
            try:
                result = future.result(timeout=POLL_SECONDS)
            except TimeoutError:
                self.flush()
                continue
            self.flush()
            return result

    def _emit(self, position: int, event: Progress) -> None:
        self._fractions[position] = max(self._fractions[position], event.fraction)
        if self._report is not None:
            files = len(self._fractions)
            self._report(replace(event, overall=sum(self._fractions) / files, file=position + 1, files=files,
                                 done=sum(f >= 1.0 for f in self._fractions)))


def ingest_all(library: Store, embeddings: Embeddings, settings: Settings, uploads: Iterable[Upload],
               on_progress: ProgressCallback | None = None, read_ahead: int = READ_AHEAD) -> Iterator[IngestResult]:
    """Results in upload order, each as soon as its file is stored (the CLI prints them as they
    come). ``read_ahead=0`` reads and embeds strictly one after the other."""
    uploads = list(uploads)
    progress = BatchProgress(len(uploads), on_progress)
    waiting = iter(enumerate(uploads))
    reading: deque[tuple[int, Future]] = deque()
    with ThreadPoolExecutor(1, thread_name_prefix="ingest-reader") as reader:

        def read_next() -> bool:
            item = next(waiting, None)
            if item is not None:
                position, upload = item
                reading.append((position, reader.submit(read_upload, library, settings, upload,
                                                        progress.reader(position))))
            return item is not None

        while reading or read_next():
            position, future = reading.popleft()
            parsed = progress.wait(future)
            while len(reading) < read_ahead and read_next():
                pass
            if isinstance(parsed, IngestResult):
                yield parsed
            else:
                yield store_parsed(library, embeddings, parsed, progress.caller(position))


def ingest_paths(library: Store, embeddings: Embeddings, settings: Settings, paths: Iterable[Path],
                 password: str | None = None, on_progress: ProgressCallback | None = None, collection: str = "",
                 replace: bool = False) -> list[IngestResult]:
    uploads = [Upload(str(p), path=Path(p), password=password, collection=collection, replace=replace) for p in paths]
    return list(ingest_all(library, embeddings, settings, uploads, on_progress))
