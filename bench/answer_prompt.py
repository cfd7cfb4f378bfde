"""How the answer prompt's layout changes what the default model answers, over recorded passages.

Each question of a record file (``eval answers --record``, the pass with its paragraph present and
retrieved) is asked again with the passages it was given, once per layout, so retrieval cannot differ
between them; the layouts take turns going first. Scored as ``eval answers`` scores the model alone: the
gold answer inside the answer (SQuAD-normalised), the question's language, refusals, seconds.

    .venv/bin/python -m bench.answer_prompt files/eval/answers-squad40.jsonl --limit 20 [--layouts app best-last]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import core  # noqa: F401 - offline environment before any library import
from bench._common import forget_prompt, loadavg, table, write_result
from core.chat import prompts
from core.chat.citations import strip_citations
from core.chat.language import detect_language, written_in
from core.eval.answer_records import AnswerRecord, RecordedSource, read_records
from core.eval.answers import contains_gold
from core.settings import load_settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

QUESTION_FIRST = "Question: {question}\n\n" + prompts.ANSWER_HUMAN


def _block(number: int, source: RecordedSource) -> str:
    where = source.source + (f", page {source.page}" if source.page is not None else "")
    return f"[{number}] ({where})\n{source.text}"


def _in_order(sources: tuple[RecordedSource, ...]) -> str:
    return "\n\n".join(_block(n, s) for n, s in enumerate(sources, 1))


def _best_last(sources: tuple[RecordedSource, ...]) -> str:
    """The same numbers, read in reverse: the best passage sits next to the question."""
    return "\n\n".join(_block(n, s) for n, s in reversed(list(enumerate(sources, 1))))


def _budget(tokens: int) -> Callable[[AnswerRecord], str]:
    """The passages cut together to a reading budget (``packing.packed_to_budget``, ``context_tokens``)."""
    def build(record: AnswerRecord) -> str:
        from core.chat.packing import packed_to_budget
        from core.chat.passages import split_passages
        from core.embeddings import embed_matrix, embed_query_vector

        embeddings = _embeddings()
        passages = split_passages([s.text for s in record.sources], lambda texts: embed_matrix(embeddings, texts))
        texts = packed_to_budget(passages, embed_query_vector(embeddings, record.question), record.question, tokens)
        return "\n\n".join(_block(n, replace(s, text=t))
                           for n, (s, t) in enumerate(zip(record.sources, texts, strict=True), 1))
    return build


@cache
def _embeddings() -> Embeddings:
    from core.embeddings import load_embeddings

    return load_embeddings(load_settings().embedding_model)


# layout name -> (human message template, context builder)
LAYOUTS: dict[str, tuple[str, Callable[[AnswerRecord], str]]] = {
    "app": (prompts.ANSWER_HUMAN, lambda r: _in_order(r.sources)),
    "question-first": (QUESTION_FIRST, lambda r: _in_order(r.sources)),
    "best-last": (prompts.ANSWER_HUMAN, lambda r: _best_last(r.sources)),
    "budget-500": (prompts.ANSWER_HUMAN, _budget(500)),
    # after the language line: what the Korean answers of §22 did wrong (the question echoed, a span from
    # the wrong sentence), said in Korean and in English
    "budget-500-exact-ko": (prompts.ANSWER_HUMAN + " 질문을 되풀이하지 말고, 지문에 쓰인 말 그대로 짧게 답하세요.",
                            _budget(500)),
    "budget-500-exact-en": (prompts.ANSWER_HUMAN + " Do not repeat the question: give the answer in the passage's"
                            " own words, briefly.", _budget(500)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=20, help="questions per record file")
    parser.add_argument("--skip", type=int, default=0, help="questions of each file left out first (a run resumed)")
    parser.add_argument("--layouts", nargs="+", choices=sorted(LAYOUTS), default=list(LAYOUTS))
    parser.add_argument("--llm", help="model name (default: the settings' model)")
    args = parser.parse_args()
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from core.llms.registry import load_llm

    settings = load_settings()
    llm = load_llm(args.llm or settings.llm, settings)
    chains = {name: ChatPromptTemplate.from_messages([("system", prompts.ANSWER_SYSTEM), ("human", human)])
              | llm.runnable | StrOutputParser() for name, (human, _) in LAYOUTS.items()}
    if any(name.startswith("budget") for name in args.layouts):
        _embeddings()  # loaded once, before any clock starts, as the app's is
    cases: list[dict] = []
    for path in args.records:
        records: list[AnswerRecord] = [r for r in read_records(path) if r.passage == "present" and r.retrieved]
        for n, record in enumerate(records[args.skip:args.skip + args.limit], args.skip):
            language = detect_language(record.question)
            inputs_language = prompts.language_instruction(language)
            order = args.layouts[n % len(args.layouts):] + args.layouts[:n % len(args.layouts)]
            case: dict = {"set": path.stem, "id": record.id, "question": record.question, "gold": record.answers}
            for name in order:
                forget_prompt(llm.runnable)  # each layout reads its whole prompt, the system message included
                started = time.perf_counter()  # packing is on the clock: the app packs before the model reads
                context = LAYOUTS[name][1](record)
                first, parts = None, []
                for part in chains[name].stream({"context": context, "question": record.question,
                                                 "language": inputs_language}):
                    first = first if first is not None else time.perf_counter() - started
                    parts.append(part)
                text = "".join(parts)
                case[name] = {"text": text, "seconds": round(time.perf_counter() - started, 1),
                              "first_token": round(first or 0.0, 1),
                              "contained": contains_gold(strip_citations(text), record.answers),
                              "language": written_in(text, language), "refused": prompts.is_not_found(text)}
                print(f"{path.stem} {n} {name}: {case[name]['contained']} {case[name]['first_token']} / "
                      f"{case[name]['seconds']} s "
                      f"{text[:90]!r}", flush=True)
            cases.append(case)
    rows = []
    for name in args.layouts:
        for subset in sorted({c["set"] for c in cases}):
            mine = [c[name] for c in cases if c["set"] == subset]
            rows.append([name, subset, len(mine), sum(m["contained"] for m in mine),
                         sum(m["language"] for m in mine), sum(m["refused"] for m in mine),
                         sorted(m["first_token"] for m in mine)[len(mine) // 2],
                         sorted(m["seconds"] for m in mine)[len(mine) // 2]])
    print(table(["layout", "records", "questions", "gold contained", "in the question's language", "refused",
                 "median first token s", "median s"], rows))
    print(f"wrote {write_result('answer_prompt', {'llm': llm.name, 'rows': rows, 'cases': cases, 'load': loadavg()})}")


if __name__ == "__main__":
    main()
