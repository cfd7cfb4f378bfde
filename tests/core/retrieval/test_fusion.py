import pytest

from core.retrieval.fusion import convex, rrf
from core.store.records import Hit


def _hits(*pairs: tuple[int, float]) -> list[Hit]:
    return [Hit("f.txt", None, f"chunk {i}", s, "s" * 64, i) for i, s in pairs]


def test_convex_fusion_rewards_a_chunk_both_legs_found():
    dense = _hits((1, 0.9), (2, 0.8), (3, 0.1))
    keyword = _hits((2, 12.0), (4, 11.0), (3, 1.0))
    fused = convex(dense, keyword, keyword_weight=0.5, k=4)
    assert [h.chunk_id for h in fused] == [2, 1, 4, 3]
    assert fused[0].score == pytest.approx(0.5 * 1.0 + 0.5 * (0.8 - 0.1) / 0.8)


def test_the_weight_moves_the_ranking_towards_one_leg():
    dense, keyword = _hits((1, 0.9), (2, 0.5)), _hits((2, 5.0), (1, 1.0))
    assert convex(dense, keyword, keyword_weight=0.9, k=1)[0].chunk_id == 2
    assert convex(dense, keyword, keyword_weight=0.1, k=1)[0].chunk_id == 1


def test_one_empty_leg_keeps_the_other_leg_order():
    dense = _hits((5, 0.7), (6, 0.6), (7, 0.2))
    assert [h.chunk_id for h in convex(dense, [], 0.5, 3)] == [5, 6, 7]
    assert [h.chunk_id for h in rrf([], dense, 0.5, 3)] == [5, 6, 7]


def test_rrf_uses_ranks_not_scores():
    dense = _hits((1, 0.99), (2, 0.98))
    keyword = _hits((2, 100.0), (3, 1.0))
    assert [h.chunk_id for h in rrf(dense, keyword, 0.5, 3)] == [2, 1, 3]


def test_a_chunk_whose_best_sentence_matches_moves_up():
    dense = _hits((1, 0.9), (2, 0.8))
    keyword = _hits((1, 5.0), (2, 4.0))
    sentences = {1: 0.80, 2: 0.95}
    assert [h.chunk_id for h in convex(dense, keyword, 0.3, 2)] == [1, 2]
    fused = convex(dense, keyword, 0.3, 2, sentences, sentence_weight=0.6)
    assert [h.chunk_id for h in fused] == [2, 1]
    assert fused[0].score == pytest.approx(0.6 * 1.0)  # keyword and dense are 0 for chunk 2 after min-max


def test_without_sentence_scores_the_dense_leg_takes_their_share():
    dense, keyword = _hits((1, 0.9), (2, 0.5)), _hits((2, 5.0), (1, 4.0))
    assert convex(dense, keyword, 0.3, 2, {}, 0.6) == convex(dense, keyword, 0.3, 2)


def test_a_chunk_without_vector_is_not_ranked_below_chunks_that_match_no_word():
    """Chunk 9 is the only keyword match but has no vector yet (keyword-first ingest): missing from
    the dense and sentence legs, it used to score 0.3 against 0.7 and 0.35 for dense hits that
    match none of the question's words."""
    dense = _hits((1, 0.9), (2, 0.8), (3, 0.7))
    keyword = _hits((9, 5.0))
    sentences = {1: 0.9, 2: 0.8, 3: 0.7}
    before = convex(dense, keyword, 0.3, 4, sentences, 0.6)
    assert [h.chunk_id for h in before] == [1, 2, 9, 3]  # what a chunk with a vector far from the question gets
    fused = convex(dense, keyword, 0.3, 4, sentences, 0.6, unembedded={9})
    assert [h.chunk_id for h in fused] == [9, 1, 2, 3]
    assert fused[1:] == [h for h in before if h.chunk_id != 9]  # the embedded chunks keep their scores


def test_a_chunk_without_vector_takes_its_keyword_rank_on_the_legs_it_cannot_have():
    """Keyword ranks 1 and 3 (chunks 9 and 8, no vectors) get the best and the third dense and
    sentence scores of the embedded candidates: 1.0 and 0.0 after min-max."""
    dense = _hits((1, 0.9), (2, 0.8), (3, 0.7))
    keyword = _hits((9, 5.0), (3, 4.0), (8, 1.0))
    fused = convex(dense, keyword, 0.3, 5, {1: 0.9, 2: 0.8, 3: 0.7}, 0.6, unembedded={8, 9})
    assert [h.chunk_id for h in fused] == [9, 1, 2, 3, 8]
    assert [h.score for h in fused] == pytest.approx([1.0, 0.7, 0.35, 0.3 * 0.75, 0.0])


def test_with_no_embedded_candidate_the_keyword_order_stands():
    keyword = _hits((9, 5.0), (8, 4.0), (7, 1.0))
    fused = convex([], keyword, 0.3, 3, {}, 0.6, unembedded={7, 8, 9})
    assert [h.chunk_id for h in fused] == [9, 8, 7] and fused[0].score == pytest.approx(1.0)


def test_rrf_counts_a_chunk_without_vector_at_full_keyword_weight():
    dense, keyword = _hits((1, 0.9)), _hits((9, 5.0))
    assert [h.chunk_id for h in rrf(dense, keyword, 0.3, 2)] == [1, 9]
    assert [h.chunk_id for h in rrf(dense, keyword, 0.3, 2, unembedded={9})] == [9, 1]


def test_a_chunk_in_another_script_takes_its_rank_in_meaning_on_the_keyword_leg():
    """Chunk 7 is Korean, the question English: the keyword leg cannot find it, so the English chunk 1
    that holds the question's words won by that leg alone (0.965 against 0.7), though 7 is closer in
    meaning. Out of reach, 7 gets the best keyword score of the reachable candidates (rank 1 in meaning
    among those out of reach); chunk 8, second in meaning among them, the second (0)."""
    dense = _hits((7, 0.9), (1, 0.88), (8, 0.7), (2, 0.5))
    keyword = _hits((1, 5.0), (2, 4.0))
    sentences = {7: 0.9, 1: 0.88, 8: 0.7, 2: 0.5}
    assert [h.chunk_id for h in convex(dense, keyword, 0.3, 4, sentences, 0.6)] == [1, 7, 8, 2]
    fused = convex(dense, keyword, 0.3, 4, sentences, 0.6, out_of_reach={7, 8})
    assert [h.chunk_id for h in fused] == [7, 1, 8, 2]
    assert [h.score for h in fused] == pytest.approx([1.0, 0.965, 0.35, 0.0])


def test_with_every_candidate_out_of_reach_the_keyword_scores_stand():
    dense, keyword = _hits((7, 0.9), (8, 0.8)), _hits((8, 5.0))
    assert convex(dense, keyword, 0.3, 2, out_of_reach={7, 8}) == convex(dense, keyword, 0.3, 2)


def test_rrf_counts_a_chunk_out_of_reach_at_full_dense_weight():
    dense, keyword = _hits((7, 0.9), (1, 0.88)), _hits((1, 5.0))
    assert [h.chunk_id for h in rrf(dense, keyword, 0.3, 2)] == [1, 7]
    assert [h.chunk_id for h in rrf(dense, keyword, 0.3, 2, out_of_reach={7})] == [7, 1]
