"""The treatments bench/script_fusion.py compares, on hand-made legs."""

import pytest

from bench.script_fusion import TREATMENTS, meaning_alone
from core.retrieval.retriever import Legs
from core.store.records import Hit


def _hits(*pairs: tuple[int, float]) -> list[Hit]:
    return [Hit("f.txt", None, f"chunk {i}", s, "s" * 64, i) for i, s in pairs]


def test_meaning_alone_rescales_the_legs_a_passage_out_of_reach_can_have():
    dense, keyword = _hits((7, 0.9), (1, 0.88), (2, 0.5)), _hits((1, 5.0), (2, 4.0))
    fused = meaning_alone(dense, keyword, 0.3, 3, {7: 0.9, 1: 0.88, 2: 0.5}, 0.6, out_of_reach={7})
    assert [h.chunk_id for h in fused] == [7, 1, 2]
    assert [h.score for h in fused] == pytest.approx([1.0, 0.965, 0.0])


def test_the_first_treatment_is_fusion_as_it_was_and_the_last_the_product():
    legs = Legs(_hits((7, 0.9), (1, 0.88), (2, 0.5)), _hits((1, 5.0), (2, 4.0)), {}, {7: 0.9, 1: 0.88, 2: 0.5},
                0.3, 0.6, frozenset(), frozenset({7}))
    (before, before_fusion), *_, (product, product_fusion) = TREATMENTS.values()
    assert [h.chunk_id for h in before(legs).fuse(before_fusion, 3)] == [1, 7, 2]
    assert [h.chunk_id for h in product(legs).fuse(product_fusion, 3)] == [7, 1, 2]
