"""The passage window over the real attention paper, and the fact set bench.fact_window measures.

BENCHMARKS §15: "How many attention heads does the Transformer use?" missed "h = 8" because the sentence
closes a chunk of formulas on page 5 and the next chunk, which wins, starts two sentences later. The
window (core/chat/window.py, decision 015) gives the model that sentence with the winning passage.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from core.llms.loaded import LoadedLLM
from core.service import DocChat
from core.settings import Settings

pytestmark = pytest.mark.integration

PAPER = "paper_attention-is-all-you-need_1706.03762.pdf"
FACTS = Path(__file__).resolve().parents[1] / "data" / "facts.json"
HEADS = "How many attention heads does the Transformer use?"


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_heads_fact_reaches_the_model_with_the_window_and_not_without(tmp_path, corpus, default_embeddings):
    app = DocChat(Settings(data_dir=tmp_path / "data"), embeddings=default_embeddings)  # the default settings
    assert app.ingest_paths([corpus / "pdf" / PAPER])[0].ok
    llm = LoadedLLM("fake", FakeListChatModel(responses=["8 [1]"]))
    given = app.engine(llm).retrieve(HEADS)
    assert given.grounded
    widened = [h for h in given.hits if "h = 8 parallel attention layers, or heads" in flat(h.text)]
    assert widened and widened[0].page == 5  # shown, and cited, on the page it is on
    stored = DocChat(app.settings.replace(window_sentences=0), embeddings=default_embeddings)
    assert not any("h = 8" in h.text for h in stored.engine(llm).retrieve(HEADS).hits)  # the miss of §15


def test_every_fact_is_in_the_extracted_text_of_its_file_and_page(app, corpus):
    """The set's facts as the app extracts them (loaders and splitter are real; vectors are fake)."""
    facts = json.loads(FACTS.read_text(encoding="utf-8"))
    assert len(facts) >= 25 and {f["language"] for f in facts} == {"en", "ko"}
    app = DocChat(Settings(data_dir=app.settings.data_dir), embeddings=app.embeddings)  # default chunking
    files = sorted({f["file"] for f in facts})
    paths = [next(corpus.glob(f"**/{name}")) for name in files]
    assert all(r.ok for r in app.ingest_paths(paths))
    texts = {d.name: [(c.page, flat(c.text)) for _, c in app.passages(d.sha256)] for d in app.documents()}
    missing = [f["question"] for f in facts
               if not any(page == f["page"] and flat(f["fact"]) in text for page, text in texts[f["file"]])]
    assert missing == []
