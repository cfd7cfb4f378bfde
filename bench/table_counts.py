"""Counting questions over a CSV (penguins.csv, 344 rows), asked through the product with the default model:
how many are answered right, refused, or answered wrong, and what the check shows.

    .venv/bin/python -m bench.table_counts         # about 4 minutes
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, table, write_result
from core.service import DocChat
from core.settings import load_settings

PENGUINS = CORPUS / "other" / "penguins.csv"
# (question, the number a right answer states), worked out with pandas from the file
QUESTIONS = [
    ("How many penguins of the Adelie species are in the data?", "152"),
    ("How many penguins live on Dream island?", "124"),
    ("What is the average body mass of the penguins?", "4201"),
    ("How many rows does the table have?", "344"),
    ("How many female Gentoo penguins are there?", "58"),
    ("What is the longest flipper length?", "231"),
    ("How many penguins are male?", "168"),
    ("아델리 펭귄은 몇 마리인가요?", "152"),
    # values counted after the first: a model that takes the first number of the counts gets these wrong
    ("How many penguins of the Gentoo species are in the data?", "124"),
    ("How many Chinstrap penguins are there?", "68"),
    ("How many penguins live on Torgersen island?", "52"),
    ("젠투 펭귄은 몇 마리인가요?", "124"),
    ("펭귄의 평균 몸무게는 얼마인가요?", "4201"),
]


def verdict(shown: str, refused: bool, gold: str) -> str:
    if refused:
        return "refused"
    return "right" if gold in shown.replace(",", "") else "wrong"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.table_counts", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    if not PENGUINS.is_file():
        parser.error(f"{PENGUINS} is missing (the shared corpus)")
    with tempfile.TemporaryDirectory() as folder:
        app = DocChat(load_settings().replace(data_dir=Path(folder)))
        [result] = app.ingest_paths([PENGUINS])
        engine = app.engine(app.llm())
        rows = []
        for question, gold in QUESTIONS:
            answer = engine.answer(question)
            text = "".join(answer.tokens).strip()
            checked = engine.verdict(answer, text)
            rows.append([question, gold, verdict(checked.text, checked.refused or not answer.found, gold),
                         checked.text[:80], (checked.model_text or "")[:60], answer.sources[0].text[:40]
                         if answer.sources else ""])
    header = ["question", "gold", "verdict", "shown", "model's text when refused", "first passage"]
    print(result.line())
    print(table(header, rows))
    tally = {v: sum(r[2] == v for r in rows) for v in ("right", "refused", "wrong")}
    print(tally)
    out = write_result("table_counts", {"rows": [dict(zip(header, r, strict=True)) for r in rows], "tally": tally})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
