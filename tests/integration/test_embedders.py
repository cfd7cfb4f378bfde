"""The shipped embedding models, run for real and offline: a Korean question finds an English
passage with the multilingual ones, and a library refuses to mix models until re-indexed."""


import numpy as np
import pytest

from core.embeddings import EMBEDDERS, load_embeddings
from core.service import DocChat
from core.settings import Settings

pytestmark = pytest.mark.integration

PASSAGES = [
    "The Transformer uses eight parallel attention heads in each layer.",
    "Ducks are water birds with broad, flat bills and webbed feet.",
    "The lighthouse on the island was built in 1874 by the harbour board.",
]
MULTILINGUAL = ["multilingual-e5-small", "use-multilingual-v3"]


@pytest.mark.parametrize("name", list(EMBEDDERS))
def test_every_shipped_model_loads_offline_and_gives_unit_vectors(name, no_network):
    model = load_embeddings(name)
    vectors = model.encode_documents(PASSAGES)
    assert vectors.shape == (3, model.dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert int(np.argmax(vectors @ model.encode_query("When was the lighthouse built?"))) == 2
    assert not no_network


@pytest.mark.parametrize("name", MULTILINGUAL)
@pytest.mark.parametrize(("question", "expected"), [("오리는 어떤 새인가요?", 1), ("등대는 언제 지어졌나요?", 2),
                                                    ("트랜스포머의 어텐션 헤드는 몇 개인가요?", 0)])
def test_a_korean_question_finds_the_english_passage(name, question, expected):
    model = load_embeddings(name)
    assert int(np.argmax(model.encode_documents(PASSAGES) @ model.encode_query(question))) == expected


def test_the_app_answers_a_korean_question_from_an_english_file_and_refuses_to_mix_models(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", embedding_model="multilingual-e5-small")
    app = DocChat(settings)
    assert app.ingest_file("birds.txt", "\n\n".join(PASSAGES).encode()).ok
    [hit] = app.search("오리의 부리는 어떻게 생겼나요?", k=1)
    assert "Ducks" in hit.text
    other = DocChat(settings.replace(embedding_model="all-MiniLM-L6-v2"))
    assert other.needs_reindex() == "multilingual-e5-small"
    assert not other.ingest_file("more.txt", b"More about ducks.").ok
    assert other.reindex() == app.store.chunk_count()
    assert "Ducks" in other.search("What do ducks look like?", k=1)[0].text


def test_a_number_alone_finds_its_table_row_through_the_keyword_leg(tmp_path, real_embeddings):
    from tests.core.ingest.test_structure import _table_pdf

    app = DocChat(Settings(data_dir=tmp_path / "data"), embeddings=real_embeddings)
    assert app.ingest_paths([_table_pdf(tmp_path / "checks.pdf")])[0].ok
    hit = app.search("84,012", k=1)[0]
    assert "State 12 | 156,012 | 84,012" in hit.text
    assert app.retrieve("84,012").grounded
