"""Dense retrieval over the library's FAISS index, as a LangChain retriever for LCEL chains."""

from __future__ import annotations

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from core.store.library import Library
from core.store.records import Hit


def search(library: Library, embeddings: Embeddings, question: str, k: int) -> list[Hit]:
    vector = np.asarray(embeddings.embed_query(question), dtype="float32")
    norm = float(np.linalg.norm(vector)) or 1.0
    return library.search(vector / norm, k)


def hit_to_document(hit: Hit) -> Document:
    return Document(
        page_content=hit.text,
        metadata={"source": hit.source, "page": hit.page, "score": hit.score, "sha256": hit.sha256},
    )


class LibraryRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    library: Library
    embeddings: Embeddings
    k: int = 3

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [hit_to_document(h) for h in search(self.library, self.embeddings, query, self.k)]
