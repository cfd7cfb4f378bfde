"""The product's promise: ingest and ask with every non-loopback connection blocked."""

import pytest

from core.llms.registry import load_llm
from core.service import DocChat

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("runtime", ["llama.cpp", "transformers"])  # gpt4all: tests/integration/test_llm_backends.py
def test_ingest_and_ask_never_touch_the_network(runtime, no_network, settings, real_embeddings, tmp_path,
                                                 lighthouse_pdf, tiny_llm_name):
    notes = tmp_path / "notes.md"
    notes.write_text("# Keeper's log\n\nThe lamp was lit at dusk on the 3rd of March.\n", encoding="utf-8")
    app = DocChat(settings, embeddings=real_embeddings)
    results = app.ingest_paths([lighthouse_pdf, notes])
    assert all(r.ok for r in results), [r.message for r in results]
    name = tiny_llm_name.replace("llama.cpp:", f"{runtime}:")
    answer = app.engine(load_llm(name, settings)).answer("Who keeps the lighthouse?")
    assert "".join(answer.tokens).strip()
    assert no_network == []


def test_the_guard_really_blocks(no_network):
    import socket

    with pytest.raises(AssertionError, match="network connection attempted"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    assert no_network
