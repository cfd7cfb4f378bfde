"""How the answer prompt's layout changes what the default model answers, over recorded passages.

Each question of a record file (``eval answers --record``, the pass with its paragraph present and
retrieved) is asked again with the passages it was given, once per layout, so retrieval cannot differ
between them; the layouts take turns going first. Scored as ``eval answers`` scores the model alone: the
gold answer inside the answer (SQuAD-normalised), the question's language, refusals, seconds.

    .venv/bin/python -m bench.answer_prompt files/eval/answers-squad40.jsonl --limit 20 [--layouts app budget-500]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import core  # noqa: F401 - offline environment before any library import
from bench._common import forget_prompt, loadavg, now, table, write_result
from bench.answer import stream_stats
from core.chat import prompts
from core.chat.citations import strip_citations
from core.chat.engine import format_context
from core.chat.language import detect_language, written_in
from core.eval.answer_records import AnswerRecord, read_records
from core.eval.answers import contains_gold
from core.settings import load_settings
from core.store.records import Hit

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

QUESTION_FIRST = "Question: {question}\n\n" + prompts.ANSWER_HUMAN
# after the language line: "do not repeat the question; answer briefly, in the passage's own words"
EXACT_KO = prompts.ANSWER_HUMAN + " 질문을 되풀이하지 말고, 지문에 쓰인 말 그대로 짧게 답하세요."


def _hits(record: AnswerRecord) -> list[Hit]:
    """The recorded passages as the app's hits, so the context is the app's own ``format_context``."""
    return [Hit(s.source, s.page, s.text, 0.0, s.sha256, n) for n, s in enumerate(record.sources)]


def _budget(tokens: int) -> Callable[[AnswerRecord], str]:
    """The passages cut together to a reading budget (``packing.packed_to_budget``, ``context_tokens``)."""
    def build(record: AnswerRecord) -> str:
        from core.chat.packing import packed_to_budget
        from core.chat.passages import split_passages
        from core.embeddings import embed_matrix, embed_query_vector

        embeddings = _embeddings()
        passages = split_passages([s.text for s in record.sources], lambda texts: embed_matrix(embeddings, texts))
        vector = embed_query_vector(embeddings, record.question)
        return format_context(_hits(record), packed_to_budget(passages, vector, record.question, tokens))
    return build


@cache
def _embeddings() -> Embeddings:
    from core.embeddings import load_embeddings

    return load_embeddings(load_settings().embedding_model)


# layout name -> (human message template, context builder)
LAYOUTS: dict[str, tuple[str, Callable[[AnswerRecord], str]]] = {
    "app": (prompts.ANSWER_HUMAN, lambda r: format_context(_hits(r))),
    "question-first": (QUESTION_FIRST, lambda r: format_context(_hits(r))),
    "budget-500": (prompts.ANSWER_HUMAN, _budget(500)),
    "budget-300": (prompts.ANSWER_HUMAN, _budget(300)),
    # after the language line: what the Korean answers of BENCHMARKS §22 did wrong (the question echoed, a
    # span from the wrong sentence)
    "budget-500-exact-ko": (EXACT_KO, _budget(500)),
    "budget-300-exact-ko": (EXACT_KO, _budget(300)),
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
                started = now()  # packing is on the clock: the app packs before the model reads
                context = LAYOUTS[name][1](record)
                stats = stream_stats(started, chains[name].stream({"context": context, "question": record.question,
                                                                   "language": inputs_language}))
                text = stats["reply"]
                case[name] = {"text": text, "seconds": round(stats["total_s"], 1),
                              "first_token": round(stats["ttft_s"], 1),
                              "contained": contains_gold(strip_citations(text), record.answers),
                              "language": written_in(text, language), "refused": prompts.is_not_found(text),
                              "asks": "?" in strip_citations(text)}  # the question echoed back
                print(f"{path.stem} {n} {name}: {case[name]['contained']} {case[name]['first_token']} / "
                      f"{case[name]['seconds']} s {text[:90]!r}", flush=True)
            cases.append(case)
    rows = []
    for name in args.layouts:
        for subset in sorted({c["set"] for c in cases}):
            mine = [c[name] for c in cases if c["set"] == subset]
            rows.append([name, subset, len(mine), sum(m["contained"] for m in mine),
                         sum(m["language"] for m in mine), sum(m["refused"] for m in mine),
                         sum(m.get("asks", False) for m in mine),
                         sorted(m["first_token"] for m in mine)[len(mine) // 2],
                         sorted(m["seconds"] for m in mine)[len(mine) // 2]])
    print(table(["layout", "records", "questions", "gold contained", "in the question's language", "refused",
                 "ends in a question mark", "median first token s", "median s"], rows))
    print(f"wrote {write_result('answer_prompt', {'llm': llm.name, 'rows': rows, 'cases': cases, 'load': loadavg()})}")


if __name__ == "__main__":
    main()
