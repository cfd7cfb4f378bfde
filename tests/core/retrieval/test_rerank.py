"""The reranker against a tiny randomly initialised BERT cross-encoder built in tmp_path: no download, no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.retrieval.rerank import CrossEncoderReranker
from core.store.records import Hit

WORDS = (
    "the a of and to in at is was on by who keeps lighthouse island she rows mainland sundays built harbour board "
    "its lamp burns whale oil marta quell skarvoy when what where year keeper boat sea light night storm"
).split()

QUERY = "who keeps the lighthouse on skarvoy island"
TEXTS = [
    "marta quell keeps the lighthouse on skarvoy island",
    "she rows to the mainland on sundays",
    "the lighthouse was built by the harbour board",
    "its lamp burns whale oil",
    "a storm at sea in the night",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 16-wide BERT with one output label, saved like a downloaded cross-encoder; seeded weights."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    path = tmp_path_factory.mktemp("models") / "tiny-ce"
    path.mkdir()
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    # transformers 5 takes `vocab` (a dict or a vocab.txt path) and silently ignores the old `vocab_file`,
    # which left every word [UNK] and every score equal for texts of the same length.
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(tokens)}, do_lower_case=True)
    assert "[UNK]" not in tokenizer.tokenize(" ".join([QUERY, *TEXTS]))
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64, num_labels=1,
        initializer_range=0.5,  # at the default 0.02 every pair scores 0.50143 ± 1e-6: too close to rank on
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _hits(texts: list[str]) -> list[Hit]:
    return [Hit(source=f"doc{i}.pdf", page=i + 1, text=t, score=0.1 * i, sha256=f"sha{i}", chunk_id=100 + i)
            for i, t in enumerate(texts)]


def _reference_scores(model_dir: Path, query: str, texts: list[str]) -> list[float]:
    from sentence_transformers import CrossEncoder

    return [float(s) for s in CrossEncoder(str(model_dir), device="cpu").predict([(query, t) for t in texts])]


@pytest.mark.integration  # torch + transformers: a real (tiny) cross-encoder
def test_returns_the_k_best_hits_with_the_cross_encoder_score(model_dir, no_network):
    hits = _hits(TEXTS)
    reranked = CrossEncoderReranker(model_dir).rerank(QUERY, hits, k=3)
    expected = _reference_scores(model_dir, QUERY, TEXTS)
    assert len(set(expected)) == len(expected), "random weights should give distinct scores"

    best = sorted(range(len(TEXTS)), key=lambda i: -expected[i])[:3]
    assert [h.chunk_id for h in reranked] == [hits[i].chunk_id for i in best]
    assert [h.chunk_id for h in reranked] != [100, 101, 102], "seed 0 should reorder, or this proves nothing"
    assert [h.score for h in reranked] == pytest.approx([expected[i] for i in best], abs=1e-6)
    assert all(a.score >= b.score for a, b in zip(reranked, reranked[1:], strict=False))
    for hit in reranked:  # only the score changes
        original = hits[hit.chunk_id - 100]
        assert (hit.source, hit.page, hit.text, hit.sha256) == (
            original.source, original.page, original.text, original.sha256)
        assert isinstance(hit.score, float)
    assert no_network == []


@pytest.mark.integration  # torch + transformers: a real (tiny) cross-encoder
def test_k_larger_than_the_hits_returns_them_all(model_dir, no_network):
    reranked = CrossEncoderReranker(model_dir).rerank(QUERY, _hits(TEXTS[:2]), k=10)
    assert sorted(h.chunk_id for h in reranked) == [100, 101]


@pytest.mark.integration  # torch + transformers: a real (tiny) cross-encoder
def test_no_hits_give_no_hits(model_dir, no_network):
    assert CrossEncoderReranker(model_dir).rerank(QUERY, [], k=3) == []


@pytest.mark.integration  # torch + transformers: a real (tiny) cross-encoder
def test_ties_keep_the_retrieval_order(model_dir, no_network, monkeypatch):
    reranker = CrossEncoderReranker(model_dir)
    monkeypatch.setattr(reranker, "scores", lambda query, texts: [0.5, 0.9, 0.5, 0.9])
    reranked = reranker.rerank(QUERY, _hits(TEXTS[:4]), k=4)
    assert [h.chunk_id for h in reranked] == [101, 103, 100, 102]


def test_a_missing_directory_names_the_path(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(FileNotFoundError, match="no-such-model") as info:
        CrossEncoderReranker(missing)
    assert str(missing) in str(info.value)


def test_a_directory_without_config_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json") as info:
        CrossEncoderReranker(tmp_path)
    assert str(tmp_path) in str(info.value)
