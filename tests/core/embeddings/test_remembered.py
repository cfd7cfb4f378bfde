"""Passage pieces embedded once (core/embeddings/remembered.py): the same text is not embedded twice, the
vectors come back in the order asked, and the memory stays bounded."""

from __future__ import annotations

import threading

import numpy as np

from core.embeddings.remembered import RememberedVectors


class Counting:
    """An encoder that records every text it was asked to embed; the vector says which text it is."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.asked.extend(texts)
        return np.array([[float(len(t)), float(sum(map(ord, t)))] for t in texts], dtype="float32").reshape(-1, 2)


def test_a_text_seen_before_is_not_embedded_again_and_the_order_is_kept():
    encode = Counting()
    remembered = RememberedVectors(encode)
    first = remembered(["one", "two", "one"])
    assert encode.asked == ["one", "two"]  # a sentence repeated within a call is embedded once
    second = remembered(["three", "two", "one"])
    assert encode.asked == ["one", "two", "three"]
    np.testing.assert_array_equal(second, encode(["three", "two", "one"]))
    np.testing.assert_array_equal(first[0], first[2])


def test_the_memory_keeps_the_most_recently_used_texts_only():
    encode = Counting()
    remembered = RememberedVectors(encode, size=2)
    remembered(["a", "b"])
    remembered(["a"])  # "a" used again: "b" is now the oldest
    remembered(["c"])
    encode.asked.clear()
    remembered(["a", "b", "c"])
    assert encode.asked == ["b"]


def test_nothing_asked_is_passed_through():
    encode = Counting()
    assert RememberedVectors(encode)([]).shape == (0, 2)


def test_sessions_asking_at_once_each_get_their_own_texts_vectors():
    encode = Counting()
    remembered = RememberedVectors(encode, size=64)
    texts = [[f"s{(n + i) % 40}" for i in range(12)] for n in range(16)]
    results: dict[int, np.ndarray] = {}

    def ask(n: int) -> None:
        results[n] = remembered(texts[n])

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n, vectors in results.items():
        np.testing.assert_array_equal(vectors, Counting()(texts[n]))
