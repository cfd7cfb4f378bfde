"""bench._common: what the paired benches (and the model tests) rely on between arms."""

from types import SimpleNamespace

from bench._common import forget_prompt
from core.llms.llamacpp_backend import SEED


class _Llama:
    """Records what a llama-cpp-python ``Llama`` is told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None]] = []

    def reset(self) -> None:
        self.calls.append(("reset", None))

    def set_seed(self, seed: int) -> None:
        self.calls.append(("seed", seed))


def test_forget_prompt_empties_the_cache_and_restarts_the_seed_chain():
    """llama-cpp-python draws each call's seed from the last, so an answer would depend on how many
    answers the shared model sampled before it (seen as a test that failed only after other tests)."""
    llama = _Llama()
    forget_prompt(SimpleNamespace(client=llama))
    assert llama.calls == [("reset", None), ("seed", SEED)]
    forget_prompt(SimpleNamespace())  # a runnable without an in-process model: nothing to forget
