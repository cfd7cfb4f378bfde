"""Hybrid search while some documents wait for their vectors (keyword-first ingest), through the
proxy bench/pending_fusion.py measures with: the store with one document's vectors not landed yet."""

from dataclasses import replace
from pathlib import Path

import pytest

from bench.pending_fusion import PendingVectors, with_missing_legs
from core.embeddings import embed_query_vector
from core.retrieval.fusion import convex
from core.retrieval.keyword import build_query
from core.service import DocChat
from core.store.records import Hit
from tests.core.retrieval.test_retriever import E1, Directions

QUESTION = "When does the Kvitsand ferry sail?"
FERRY = "The Kvitsand ferry sails at nine."
# Three passages close to the question in meaning that share none of its words.
NEAR = {"gulls.txt": ("Gulls nest on cliffs above harbours.", [0.9, 0.19 ** 0.5, 0, 0]),
        "seals.txt": ("Seals rest on rocks at low tide.", [0.8, 0.6, 0, 0]),
        "boats.txt": ("Boats leave early in summer.", [0.7, 0.51 ** 0.5, 0, 0])}


@pytest.fixture
def half_pending(settings, tmp_path: Path) -> tuple[DocChat, PendingVectors, str]:
    rules = [(QUESTION, E1), (FERRY, E1),  # the nearest of all, once its vector lands
             *((text, vector) for text, vector in NEAR.values())]
    app = DocChat(settings, embeddings=Directions(rules))
    paths = []
    for name, text in [("ferry.txt", FERRY), *((name, text) for name, (text, _v) in NEAR.items())]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    assert all(r.ok for r in app.ingest_paths(paths))
    [ferry] = [d.sha256 for d in app.documents() if d.name == "ferry.txt"]
    return app, PendingVectors(app.store, {ferry}), ferry


def test_a_chunk_without_vector_that_alone_matches_the_words_is_not_ranked_below_chunks_matching_none(
        half_pending):
    """Scored 0 on the legs it cannot have, the ferry passage came third (0.3 against 0.7 and 0.35)."""
    app, pending, ferry = half_pending
    assert {h.sha256 for h in app.store.keyword_search(build_query(QUESTION), 5)} == {ferry}
    hits = replace(app.retrieval(), store=pending).search(QUESTION, 4)
    assert hits[0].sha256 == ferry and hits[0].similarity is not None  # embedded on the spot (retriever)
    assert [h.source for h in hits[1:]] == list(NEAR)  # the embedded ones keep their order


def test_the_fusion_is_told_which_candidates_have_no_vector(half_pending):
    app, pending, ferry = half_pending
    vector = embed_query_vector(app.embeddings, QUESTION)
    legs = replace(app.retrieval(), store=pending).legs(QUESTION, vector)
    assert legs.unembedded == {i for i, _chunk in app.store.document_chunks(ferry)}
    assert app.retrieval().legs(QUESTION, vector).unembedded == frozenset()


def test_the_proxy_hides_the_vectors_of_pending_documents_only(half_pending):
    app, pending, ferry = half_pending
    vector = embed_query_vector(app.embeddings, QUESTION)
    ferry_ids = [i for i, _chunk in app.store.document_chunks(ferry)]
    every_id = [i for i, _text, _heading in app.store.chunk_texts()]
    assert app.store.search(vector, 1)[0].sha256 == ferry
    found = pending.search(vector, 3)  # still three: the proxy asks for more when it drops some
    assert len(found) == 3 and ferry not in {h.sha256 for h in found}
    assert set(app.store.similarities(vector, every_id)) == set(every_id)
    assert set(pending.similarities(vector, every_id)) == set(every_id) - set(ferry_ids)
    assert not set(pending.sentence_similarities(vector, every_id)) & set(ferry_ids)
    assert {h.sha256 for h in pending.keyword_search(build_query(QUESTION), 5)} == {ferry}
    assert pending.documents() == app.store.documents()  # the rest is forwarded


def test_the_bench_treatments_are_the_product_fusion_with_one_line_changed():
    """Filling the missing legs with 0 is fusion as it was, by keyword rank the product's convex:
    so the bench's rows differ only by the treatment."""
    dense = _hits((1, 0.9), (2, 0.8), (3, 0.7), (4, 0.2))
    keyword = _hits((9, 5.0), (3, 4.0), (8, 1.0))
    sentences, unembedded = {1: 0.7, 2: 0.9, 3: 0.5, 4: 0.1}, {8, 9}
    zero = with_missing_legs(lambda rank, kw, legs: (0.0, 0.0))
    by_rank = with_missing_legs(lambda rank, kw, legs: (legs[0][min(rank, len(legs[0]) - 1)],
                                                        legs[1][min(rank, len(legs[1]) - 1)]))
    for weight in (0.0, 0.6):
        before = convex(dense, keyword, 0.3, 6, sentences, weight)
        now = convex(dense, keyword, 0.3, 6, sentences, weight, unembedded=unembedded)
        _same(zero(dense, keyword, 0.3, 6, sentences, weight, unembedded=unembedded), before)
        _same(by_rank(dense, keyword, 0.3, 6, sentences, weight, unembedded=unembedded), now)
        assert now[0].chunk_id == 9 and before[0].chunk_id != 9


def _hits(*pairs: tuple[int, float]) -> list[Hit]:
    return [Hit("f.txt", None, f"chunk {i}", s, "s" * 64, i) for i, s in pairs]


def _same(hits: list[Hit], expected: list[Hit]) -> None:
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in expected]
    assert [h.score for h in hits] == pytest.approx([h.score for h in expected])
