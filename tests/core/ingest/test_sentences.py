"""Sentence pieces of a chunk and their vectors, embedded in the same pass as the chunks."""

import numpy as np
from langchain_core.embeddings import DeterministicFakeEmbedding

from core.ingest.records import Chunk
from core.ingest.sentences import SENTENCE_CHARS, embed_chunks, is_table, sentence_texts

PROSE = ("The lighthouse at Skarvoy was built in 1874 by the harbour board after two wrecks. "
         "Its lamp burned whale oil until 1912, when paraffin replaced it. "
         "The keeper's house was added in 1890 and is now a small museum open in summer.")


def test_prose_is_cut_at_sentence_ends_and_each_piece_carries_the_heading():
    pieces = sentence_texts(PROSE, "Skarvoy")
    assert len(pieces) >= 2 and all(p.startswith("Skarvoy\n") for p in pieces)
    assert any("whale oil until 1912" in p for p in pieces)
    assert all(len(p) <= len("Skarvoy\n") + SENTENCE_CHARS for p in pieces)


def test_a_table_is_judged_as_a_whole_because_a_row_means_little_without_its_header():
    table = "\n".join(["State | Permit | Handgun"] + [f"State {i} | {i},550 | {i}6,941" for i in range(20)])
    assert is_table(table) and sentence_texts(table, "NICS") == []
    assert not is_table(PROSE + "\nSee the table: a | b")


def test_a_one_piece_chunk_has_no_sentence_vectors():
    assert sentence_texts("Attention is all you need.", "Paper") == []


def test_embed_chunks_keeps_each_chunks_sentences_with_it():
    chunks = [Chunk(PROSE, 1, 0, "Skarvoy"), Chunk("Short one.", 2, 1), Chunk(PROSE.upper(), 3, 2)]
    embeddings = DeterministicFakeEmbedding(size=16)
    vectors, sentences = embed_chunks(embeddings, chunks, with_sentences=True)
    assert vectors.shape == (3, 16) and len(sentences) == 3 and sentences[1] is None
    expected = np.asarray(embeddings.embed_documents(sentence_texts(PROSE, "Skarvoy")), dtype="float32")
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(sentences[0], expected, atol=1e-6)
    assert sentences[2].shape[0] == len(sentence_texts(PROSE.upper(), None))


def test_without_sentences_only_chunk_vectors_are_made():
    vectors, sentences = embed_chunks(DeterministicFakeEmbedding(size=8), [Chunk(PROSE, 1, 0)], with_sentences=False)
    assert vectors.shape == (1, 8) and sentences is None
