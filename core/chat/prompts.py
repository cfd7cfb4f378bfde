"""Prompts. The answer prompt's system message is the fixed prefix of every question, so an
in-process runtime that keeps its KV cache (llama.cpp) only evaluates the passages and the
question; keep anything that varies out of it.
"""

from __future__ import annotations

from langchain_core.prompts import ChatPromptTemplate

NOT_FOUND = "I couldn't find that in your documents."
TOO_LONG = "Your question is {length:,} characters long; please ask in at most {limit:,} characters."

ANSWER_SYSTEM = (
    "You answer questions about the user's documents using only the numbered passages given. "
    "Cite the passages you use like [1] or [2]. "
    f"If the passages do not contain the answer, reply exactly: {NOT_FOUND} "
    "Start with the shortest exact answer (a name, number, date or short phrase taken from the passages), "
    "then add at most one sentence. Answer in the language of the question."
)

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [("system", ANSWER_SYSTEM), ("human", "Passages:\n{context}\n\nQuestion: {question}")]
)

CONDENSE_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Rewrite the user's follow-up as one standalone question that can be understood without "
            "the conversation: replace words like it, its, they or that with the thing the user asked "
            "about before. Keep the follow-up's language. Reply with the question only.\n"
            "Example. Conversation: User: Who painted the Mona Lisa? Assistant: Leonardo da Vinci. "
            "Follow-up: When was it painted? Standalone question: When was the Mona Lisa painted?",
        ),
        ("human", "Conversation:\n{history}\n\nFollow-up: {question}\n\nStandalone question:"),
    ]
)
