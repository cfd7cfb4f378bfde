"""What the model is doing for a question, in words, with the seconds ticking.

Streamlit draws only from the script's thread, and a call that blocks it (the model's first token,
a follow-up rewritten under the model's lock) froze the page: users saw "Found 3 passages" with a
finished-looking tick and nothing moving for 20–30 s. So the blocking call runs in a worker thread
while the script's thread redraws its state every ``TICK_S``: its place in the model's queue
(``ModelLock.ahead_of``), else what is being done for it. The worker never touches Streamlit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from core.llms.loaded import ModelLock
from ui.i18n import _, ngettext

T = TypeVar("T")
TICK_S = 0.5  # often enough that the seconds never seem to stall


def wait_for(call: Callable[[], T], show: Callable[[threading.Thread], object], every: float = TICK_S,
             discard: Callable[[], None] | None = None) -> T:
    """``call()`` run in a worker thread, with ``show(worker)`` at once and every ``every`` seconds until
    it returns; its result, or its exception raised here. When Streamlit stops the script meanwhile
    (a new question raises from ``show``), the worker runs ``discard`` once ``call`` returns: a token
    stream left half-started would otherwise hold the model until it is garbage-collected."""
    done = threading.Event()
    left = threading.Event()
    last = threading.Lock()  # whichever of the two threads finishes last runs ``discard``
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the script's thread
            outcome["error"] = exc
        with last:
            done.set()
            abandoned = left.is_set()
        if abandoned and discard is not None:
            discard()

    worker = threading.Thread(target=work, name="docchat-wait", daemon=True)
    worker.start()
    try:
        show(worker)
        while not done.wait(every):
            show(worker)
    except BaseException:
        with last:
            left.set()
            finished = done.is_set()
        if finished and discard is not None:
            discard()
        raise
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


class ModelProgress:
    """One question's state as a line of words: "Waiting for the model: 1 question ahead of yours…"
    while queued, else what is being done for it, with the seconds of that step (a new step counts
    from 0 again, so "Reading" does not inherit the minutes spent in the queue)."""

    def __init__(self, lock: ModelLock, clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = lock
        self.clock = clock
        self._step = ""
        self._since = 0.0

    def line(self, worker: threading.Thread, doing: Callable[[bool], str]) -> str:
        """``doing(holds_model)`` names the work when the question is not queued."""
        if ahead := self.lock.ahead_of(worker):
            kind, step = "queued", ngettext("Waiting for the model: {n} question ahead of yours…",
                                            "Waiting for the model: {n} questions ahead of yours…", ahead)
        else:
            step = kind = doing(self.lock.held_by(worker))
        now = self.clock()
        if kind != self._step:
            self._step, self._since = kind, now
        seconds = int(now - self._since)
        return f"{step} {seconds} s" if seconds else step


def searching(holds_model: bool) -> str:
    return _("Reading the conversation to understand your question…") if holds_model else _("Searching your documents…")


def reading(passages: int) -> Callable[[bool], str]:
    text = ngettext("Reading {n} passage…", "Reading {n} passages…", passages)
    return lambda _holds_model: text

