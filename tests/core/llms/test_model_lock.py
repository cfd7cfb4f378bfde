"""The model's lock serves questions in the order they came and can say how many are ahead of one,
so the Chat page can tell a waiting user "1 question ahead of yours" truthfully.

Threads are synchronised with events and the lock's own queue count, never with sleeps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from core.llms.errors import LLMUnavailable
from core.llms.loaded import ModelLock

PATIENCE_S = 30  # only a deadlock ever waits this long


def until(condition: Callable[[], bool]) -> None:
    """Wait for another thread to reach a state (e.g. queued on the lock); fail on a deadlock."""
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, "the other thread never got there"
        time.sleep(0.001)


class Asker(threading.Thread):
    """A question that takes the model, records its turn, and keeps it until ``finish`` is set."""

    def __init__(self, lock: ModelLock, name: str, order: list[str]) -> None:
        super().__init__(name=name, daemon=True)
        self.lock, self.order = lock, order
        self.has_model = threading.Event()
        self.finish = threading.Event()

    def run(self) -> None:
        with self.lock:
            self.order.append(self.name)
            self.has_model.set()
            self.finish.wait(PATIENCE_S)

    def done(self) -> None:
        self.finish.set()
        self.join(PATIENCE_S)
        assert not self.is_alive()


def test_waiting_questions_get_the_model_in_the_order_they_asked_and_know_their_place():
    lock, order = ModelLock(), []
    answering = Asker(lock, "answering", order)
    answering.start()
    assert answering.has_model.wait(PATIENCE_S)
    assert lock.locked() and lock.held_by(answering) and lock.waiting() == 0

    first, second = Asker(lock, "first", order), Asker(lock, "second", order)
    first.start()
    until(lambda: lock.waiting() == 1)
    second.start()
    until(lambda: lock.waiting() == 2)
    assert (lock.ahead_of(first), lock.ahead_of(second)) == (1, 2)  # the answer in progress counts
    assert lock.ahead_of(answering) == 0  # not waiting
    assert lock.ahead_of(threading.current_thread()) == 0

    answering.done()
    assert first.has_model.wait(PATIENCE_S)
    assert lock.held_by(first) and not lock.held_by(answering)
    assert lock.ahead_of(second) == 1 and lock.waiting() == 1
    first.done()
    assert second.has_model.wait(PATIENCE_S)
    assert lock.ahead_of(second) == 0 and lock.waiting() == 0
    second.done()
    assert order == ["answering", "first", "second"]
    assert not lock.locked()


def test_arrival_order_wins_over_whoever_the_scheduler_wakes_first():
    """Ten questions queued one after another are answered in that order, every time."""
    lock, order = ModelLock(), []
    lock.acquire()
    askers = [Asker(lock, f"q{i}", order) for i in range(10)]
    for n, asker in enumerate(askers, 1):
        asker.start()
        until(lambda n=n: lock.waiting() == n)
        asker.finish.set()  # each gives the model back as soon as it has it
    assert [lock.ahead_of(a) for a in askers] == list(range(1, 11))
    lock.release()
    for asker in askers:
        asker.join(PATIENCE_S)
    assert order == [a.name for a in askers]


def test_a_question_that_gives_up_leaves_the_queue_and_the_next_moves_up():
    lock, order = ModelLock(), []
    lock.acquire()
    gave_up = threading.Event()

    def impatient() -> None:
        if not lock.acquire(timeout=2):
            gave_up.set()

    quitter = threading.Thread(target=impatient, daemon=True)
    quitter.start()
    until(lambda: lock.waiting() == 1)
    patient = Asker(lock, "patient", order)
    patient.start()
    until(lambda: lock.waiting() == 2)
    assert lock.ahead_of(patient) == 2
    assert gave_up.wait(PATIENCE_S)
    until(lambda: lock.waiting() == 1)
    assert lock.ahead_of(patient) == 1
    assert not lock.acquire(blocking=False)  # someone is queued: no jumping the line
    lock.release()
    assert patient.has_model.wait(PATIENCE_S)
    patient.done()
    assert order == ["patient"] and not lock.locked() and lock.waiting() == 0


def test_released_by_another_thread_like_a_plain_lock():
    """A token stream may take the lock in a worker thread and finish in the page's thread."""
    lock = ModelLock()
    worker = threading.Thread(target=lock.acquire, daemon=True)
    worker.start()
    worker.join(PATIENCE_S)
    assert lock.locked() and lock.held_by(worker)
    lock.release()
    assert not lock.locked() and not lock.held_by(worker)
    with pytest.raises(RuntimeError):
        lock.release()
    assert lock.acquire(blocking=False)
    lock.release()


def test_a_closed_model_still_refuses_and_frees_the_lock():
    lock = ModelLock()
    lock.closed_because = "reloaded with other settings"
    with pytest.raises(LLMUnavailable, match="reloaded"), lock:
        pass
    assert not lock.locked() and lock.waiting() == 0
