"""The fact set's questions answered by the default model through the app's own engine, with the passages
given whole and cut to a reading budget (``context_tokens``): what the budget costs in answers and saves
in time to the first token on the long English and Korean documents of ``tests/data/facts.json``.

An answer counts as right when it states every number of the fact ("h = 8 …" needs 8); facts without a
number are printed for reading, not scored. The arms take turns going first; the library is
``bench.fact_window``'s (built on first use, about 40 minutes here).

    nice .venv/bin/python -m bench.fact_answers [--budgets 0 500] [--language en]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, forget_prompt, loadavg, median, table, write_result
from bench.answer import ask_app
from bench.fact_window import FACTS, fact_library, load_facts
from core.chat.citations import numbers
from core.service import DocChat
from core.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", type=int, nargs="+", default=[0, 500], help="context_tokens arms (0: whole)")
    parser.add_argument("--language", choices=["en", "ko"], help="only questions in this language")
    parser.add_argument("--data-dir", type=Path, default=None, help="where eval libraries live (default: the app's)")
    args = parser.parse_args()
    from core.llms.registry import load_llm

    settings = Settings().with_data_dir(args.data_dir)
    facts = [f for f in load_facts(FACTS) if args.language in (None, f.language)]
    library = fact_library(settings, facts, CORPUS)
    llm = load_llm(settings.llm, settings)
    engines = {b: DocChat(library.settings.replace(context_tokens=b), embeddings=library.embeddings).engine(llm)
               for b in args.budgets}
    cases = []
    for n, fact in enumerate(facts):
        wanted = numbers(fact.fact)
        case: dict = {"question": fact.question, "language": fact.language, "fact": fact.fact}
        for budget in args.budgets[n % len(args.budgets):] + args.budgets[:n % len(args.budgets)]:
            forget_prompt(llm.runnable)  # each arm reads its whole prompt, the system message included
            stats, _ = ask_app(engines[budget], fact.question)  # from the question: retrieval and packing included
            text, first, total = stats["reply"], stats["ttft_s"], stats["total_s"]
            right = wanted <= numbers(text) if wanted else None
            case[str(budget)] = {"text": text, "first_token": round(first, 1), "seconds": round(total, 1),
                                 "right": right}
            print(f"{n} [{fact.language}] budget {budget}: {right} {first:.1f} / {total:.1f} s {text[:100]!r}",
                  flush=True)
        cases.append(case)
    rows = []
    for budget in args.budgets:
        for language in sorted({c["language"] for c in cases}):
            mine = [c[str(budget)] for c in cases if c["language"] == language]
            scored = [m["right"] for m in mine if m["right"] is not None]
            rows.append([budget or "whole", language, len(mine), f"{sum(scored)}/{len(scored)}",
                         median([m["first_token"] for m in mine]), median([m["seconds"] for m in mine])])
    print(table(["context_tokens", "language", "questions", "right (facts with a number)", "median first token s",
                 "median s"], rows))
    print(f"wrote {write_result('fact_answers', {'llm': llm.name, 'rows': rows, 'cases': cases, 'load': loadavg()})}")


if __name__ == "__main__":
    main()
