"""The answer chain (LCEL): condense the follow-up with the history, retrieve, prompt, stream.

Only a follow-up that points back at the conversation is rewritten by the model (core/chat/followup.py):
the rewrite costs 10-15 s on two cores before any source shows. The answer prompt names the question's
language (core/chat/language.py), which a small model otherwise ignores for English passages.

Sources are known before the model starts, so the UI can show them while the answer streams.
When retrieval finds nothing close enough, the model is not asked at all: the answer is
"not found" with the closest passages, rather than a guess. After the stream, the claim check
(core/chat/claims.py) ties each answer sentence to a passage sentence; an answer none of whose
sentences is supported is shown as "not found", with the model's text behind a click. Calls into an
in-process model are serialised by the model's lock: one model, many sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from langchain_core.output_parsers import StrOutputParser

from core.chat.citations import strip_citations, without_bare_citations
from core.chat.claims import CROSS_SUPPORT_SIMILARITY, SUPPORT_SIMILARITY, ClaimCheck, check_claims
from core.chat.followup import needs_history, rewrite_resolves
from core.chat.language import Language, detect_language
from core.chat.packing import over_budget, packed, packed_to_budget
from core.chat.passages import Encode, Passage, split_passages
from core.chat.prompts import (
    ANSWER_PROMPT,
    CONDENSE_PROMPT,
    TOO_LONG,
    TRANSLATE_PROMPT,
    language_instruction,
    not_found,
    without_refusal,
)
from core.chat.translation import needs_translation, taken_in_turn, usable_translation
from core.llms.loaded import LoadedLLM, answering
from core.settings import default
from core.store.records import Hit

if TYPE_CHECKING:
    import numpy as np

    from core.retrieval.retriever import Retrieved

HISTORY_TURNS = 6
HISTORY_TURN_CHARS = 300  # of each recent turn, citations removed
MAX_STANDALONE_CHARS = 400


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    content: str


@dataclass(frozen=True)
class Verdict:
    text: str  # what the asker is shown
    check: ClaimCheck | None  # None: nothing to check against (a refusal, no passages, no embedder)
    model_text: str | None = None  # the model's own words, when the check replaced them

    @property
    def refused(self) -> bool:
        return self.model_text is not None

    @property
    def off_topic(self) -> bool:
        """Refused although a sentence is supported: what supports it is not about the question, or
        it names nothing beyond the question that the passages hold (``ClaimCheck.adds``)."""
        return self.refused and self.check is not None and self.check.supported


@dataclass
class Answer:
    question: str
    standalone: str
    sources: list[Hit]
    tokens: Iterator[str] = field(repr=False)
    found: bool = True  # False: nothing close enough; ``sources`` are only the closest passages
    passages: list[Passage] | None = None  # the sources cut and embedded (for packing), reused by the check
    language: Language | None = None  # of the asker's words: the refusal and the check's marks use it
    translation: str | None = None  # the question as also searched in English (core/chat/translation.py)


def format_context(hits: list[Hit], texts: list[str] | None = None) -> str:
    """The numbered passages; ``texts`` replaces the hits' text (packed passages)."""
    blocks = []
    for number, (hit, text) in enumerate(zip(hits, texts or [h.text for h in hits], strict=True), 1):
        where = hit.source + (f", page {hit.page}" if hit.page is not None else "")
        if hit.heading:
            where += f", {hit.heading}"
        blocks.append(f"[{number}] ({where})\n{text}")
    return "\n\n".join(blocks)


def question_too_long(question: str, limit: int) -> str | None:
    """The sentence that refuses a question over ``limit`` characters, else None. A huge question
    would be embedded, searched and sent to the model whole, holding the one model every session
    shares; the page checks it too, before loading anything."""
    return TOO_LONG.format(length=len(question), limit=limit) if len(question) > limit else None


def format_history(history: list[Turn]) -> str:
    """Recent turns, citations removed: a small model otherwise reads "[1]" as the subject. Each turn
    is cut (with room for the citations removed) before any work on it, so a long turn costs nothing."""
    recent = history[-HISTORY_TURNS:]
    return "\n".join(
        f"{'User' if t.role == 'user' else 'Assistant'}: "
        f"{strip_citations(t.content[:4 * HISTORY_TURN_CHARS])[:HISTORY_TURN_CHARS]}"
        for t in recent
    )


class ChatEngine:
    def __init__(self, retrieve: Callable[[str], Retrieved], llm: LoadedLLM,
                 max_question_chars: int = default("max_question_chars"),
                 encode: Encode | None = None, encode_query: Callable[[str], np.ndarray] | None = None,
                 context_sentences: int = 0, claim_similarity: tuple[float, float] | None = None,
                 context_tokens: int = 0) -> None:
        self.retrieve = retrieve
        self.encode = encode  # normalised passage vectors for the claim check; None: no check
        self.encode_query = encode_query  # the question's vector, for context packing
        self.context_sentences = context_sentences  # pieces kept per passage (core/chat/packing.py); 0: all
        self.context_tokens = context_tokens  # the passages' reading budget (core/chat/packing.py); 0: none
        # the claim check's cosines, same language and across languages, on the embedder's scale
        self.claim_similarity = claim_similarity or (SUPPORT_SIMILARITY, CROSS_SUPPORT_SIMILARITY)
        self.llm = llm
        self.max_question_chars = max_question_chars
        self.condense_chain = CONDENSE_PROMPT | llm.runnable | StrOutputParser()
        self.answer_chain = ANSWER_PROMPT | llm.runnable | StrOutputParser()
        self.translate_chain = TRANSLATE_PROMPT | llm.runnable | StrOutputParser()

    def standalone_question(self, question: str, history: list[Turn]) -> str:
        """What is searched for and answered. First turns and follow-ups that stand on their own skip the
        model call; a follow-up that points back ("when was it built?", "디코더는요?") is rewritten with the
        history before retrieval. A rewrite in another language than both the follow-up and the question
        before it is not used: the small model turns a third of Korean follow-ups into English ones
        (BENCHMARKS §16), which the keyword leg cannot match with Korean text, and some about its prompt's
        example ("When was the Mona Lisa painted?"); nor is one that brings back no word of the conversation,
        or drops what the follow-up adds (``followup.rewrite_resolves``, BENCHMARKS §32). Then the asker's last
        question and the follow-up, in their own words, are searched for and answered: given the follow-up
        alone, the model read "그것" (it) as nothing and wrote no year; given both, it answers both, each from
        the passages."""
        if not any(t.role == "user" for t in history) or not needs_history(question):
            return question
        inputs = {"history": format_history(history), "question": question}  # outside the shared lock
        with self.llm.lock:
            rewritten = self.condense_chain.invoke(inputs)
        rewritten = rewritten.strip().strip('"').splitlines()[0].strip() if rewritten.strip() else ""
        rewritten = rewritten[:MAX_STANDALONE_CHARS]
        if not rewritten:
            return question
        last = next(t.content for t in reversed(history) if t.role == "user")
        if (detect_language(rewritten) not in (detect_language(question), detect_language(last))
                or not rewrite_resolves(question, rewritten, last, " ".join(t.content for t in history))):
            return f"{last} {question}"[-MAX_STANDALONE_CHARS:]
        return rewritten

    def answer(self, question: str, history: list[Turn] | None = None) -> Answer:
        """Refuse a question over the limit in one sentence, without searching or asking the model."""
        if refusal := question_too_long(question, self.max_question_chars):
            return Answer(question, "", [], iter([refusal]), found=False)
        language = detect_language(question)  # the asker's words, not the rewrite, which may drift to English
        with answering():  # background embedding steps aside from here, not only once the model starts
            standalone = self.standalone_question(question, history or [])
            retrieved = self.retrieve(standalone)
            translation = self.translated(standalone) if needs_translation(standalone, retrieved) else None
            if translation:
                retrieved = taken_in_turn(retrieved, self.retrieve(translation))
            if not retrieved.grounded:
                return Answer(question, standalone, retrieved.hits, iter([not_found(language)]), found=False,
                              language=language)
            passages, texts = self._packed(standalone, retrieved.hits)
        inputs = {"context": format_context(retrieved.hits, texts), "question": standalone,
                  "language": language_instruction(language)}
        return Answer(question, standalone, retrieved.hits, self._stream(inputs), passages=passages,
                      language=language, translation=translation)

    def translated(self, question: str) -> str | None:
        """The question in English, to search with as well (core/chat/translation.py); None when the
        model's reply is not an English question."""
        with self.llm.lock:
            return usable_translation(self.translate_chain.invoke({"question": question}))

    def _packed(self, question: str, hits: list[Hit]) -> tuple[list[Passage] | None, list[str] | None]:
        """The passages cut, embedded and packed to the pieces closest to the question: a fixed number a
        passage (``context_sentences``), or as many as fit the reading budget (``context_tokens``) when
        the whole passages do not; (None, None) leaves them whole (and the claim check embeds them after
        the stream)."""
        if self.encode is None or self.encode_query is None:
            return None, None
        if self.context_sentences <= 0 and not over_budget([h.text for h in hits], self.context_tokens):
            return None, None
        passages = split_passages([h.text for h in hits], self.encode)
        vector = self.encode_query(question)
        if self.context_sentences > 0:
            return passages, [packed(p, vector, question, self.context_sentences) for p in passages]
        return passages, packed_to_budget(passages, vector, question, self.context_tokens)

    def check(self, answer: Answer, text: str) -> ClaimCheck | None:
        """The claim check of a finished answer; None when there is nothing to check it against
        (a refusal, no passages, or no embedder)."""
        said = without_refusal(text)
        if self.encode is None or not answer.found or not answer.sources or not said:
            return None
        with answering():
            return check_claims(said, answer.passages or [h.text for h in answer.sources], self.encode,
                                *self.claim_similarity, question=answer.standalone or answer.question,
                                documents=[h.source for h in answer.sources])

    def verdict(self, answer: Answer, text: str) -> Verdict:
        """The finished answer as the asker is shown it: the model's text, or, when not one of its
        sentences is supported by the passages (or those supported are not about what was asked:
        ``ClaimCheck.on_topic``), the "not found" sentence in the asker's language
        with the model's text kept aside. The Chat page and ``ask --json`` both show this."""
        text = without_bare_citations(text)
        check = self.check(answer, text)
        if check is not None and not check.answers:
            return Verdict(not_found(answer.language), check, model_text=text)
        # what the model wrote beside a refusal answers: shown without the refusal, as it was checked
        return Verdict(without_refusal(text) if check is not None else text, check)

    def _stream(self, inputs: dict) -> Iterator[str]:
        with self.llm.lock:
            yield from self.answer_chain.stream(inputs)
