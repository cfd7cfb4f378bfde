"""The answer chain (LCEL): condense the follow-up with the history, retrieve, prompt, stream.

Sources are known before the model starts, so the UI can show them while the answer streams.
Calls into an in-process model are serialised by the model's lock: one model, many sessions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser

from core.chat.prompts import ANSWER_PROMPT, CONDENSE_PROMPT
from core.llms.loaded import LoadedLLM
from core.retrieval.dense import LibraryRetriever

HISTORY_TURNS = 6
MAX_STANDALONE_CHARS = 400


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    content: str


@dataclass
class Answer:
    question: str
    standalone: str
    sources: list[Document]
    tokens: Iterator[str] = field(repr=False)


def format_context(documents: list[Document]) -> str:
    blocks = []
    for number, doc in enumerate(documents, 1):
        where = doc.metadata.get("source", "?")
        if doc.metadata.get("page") is not None:
            where += f", page {doc.metadata['page']}"
        blocks.append(f"[{number}] ({where})\n{doc.page_content}")
    return "\n\n".join(blocks)


_CITATION = re.compile(r"\s*\[\d+(?:,\s*\d+)*\]")


def format_history(history: list[Turn]) -> str:
    """Recent turns, citations removed: a small model otherwise reads "[1]" as the subject."""
    recent = history[-HISTORY_TURNS:]
    return "\n".join(
        f"{'User' if t.role == 'user' else 'Assistant'}: {_CITATION.sub('', t.content)[:300]}" for t in recent
    )


class ChatEngine:
    def __init__(self, retriever: LibraryRetriever, llm: LoadedLLM) -> None:
        self.retriever = retriever
        self.llm = llm
        self.condense_chain = CONDENSE_PROMPT | llm.runnable | StrOutputParser()
        self.answer_chain = ANSWER_PROMPT | llm.runnable | StrOutputParser()

    def standalone_question(self, question: str, history: list[Turn]) -> str:
        """First turns skip the model call entirely; follow-ups are rewritten before retrieval."""
        if not any(t.role == "user" for t in history):
            return question
        with self.llm.lock:
            rewritten = self.condense_chain.invoke(
                {"history": format_history(history), "question": question}
            )
        rewritten = rewritten.strip().strip('"').splitlines()[0].strip() if rewritten.strip() else ""
        return rewritten[:MAX_STANDALONE_CHARS] or question

    def answer(self, question: str, history: list[Turn] | None = None) -> Answer:
        standalone = self.standalone_question(question, history or [])
        sources = self.retriever.invoke(standalone)
        inputs = {"context": format_context(sources), "question": standalone}
        return Answer(question, standalone, sources, self._stream(inputs))

    def _stream(self, inputs: dict) -> Iterator[str]:
        with self.llm.lock:
            yield from self.answer_chain.stream(inputs)
