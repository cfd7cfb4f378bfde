"""What a whole table says that no one row does: how many rows it has, how often each value of a column
comes, a numeric column's range, mean and total.

A spreadsheet or CSV is read one row per line, and retrieval hands the model three passages of rows: asked
"How many penguins of the Adelie species are in the data?" over the 344 rows of penguins.csv, the default
model counted the rows it was shown, or refused. Counting is not retrieval; so each table of a CSV or
spreadsheet also gets passages of its counts, made by pandas when the file is read, which answer such a
question in one sentence ("152 rows have species Adelie.") that the claim check can hold the answer to.
They are derived from the rows, and made again with them whenever the file is read again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

LISTED = 20  # a column with at most this many different values has each counted; others, the most common
COMMON = 5
COLUMNS = 50  # a wide sheet's first columns are counted; each is a passage to embed


def number(value: float) -> str:
    """A number as a passage writes it: no exponent, at most two decimals, no trailing zeros."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _filled(column: pd.Series) -> pd.Series:
    return column[column.notna() & (column.astype(str).str.strip() != "")]


def _numeric(values: pd.Series) -> pd.Series | None:
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    return numbers if len(values) and numbers.notna().all() else None


def readable(name: str) -> str:
    """A column's name as words ("body_mass_g": "body mass g"), so the question's words meet it."""
    return " ".join(name.replace("_", " ").split()) or name


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _have(count: int) -> str:
    return "1 row has" if count == 1 else f"{count} rows have"


def column_line(name: str, column: pd.Series) -> str:
    values = _filled(column)
    if not len(values):
        return f"Every row has an empty {name}."
    numbers = _numeric(values)
    empty = len(column) - len(values)
    tail = f" {_have(empty)} an empty {name}." if empty else ""
    if numbers is not None:
        return (f"The largest (maximum) {name} is {number(numbers.max())}. The smallest (minimum) {name} is "
                f"{number(numbers.min())}. The mean (average) {name} is {number(numbers.mean())}. The total (sum) "
                f"of {name} is {number(numbers.sum())}.{tail}")
    counts = values.astype(str).str.strip().value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")  # ties in the values' order
    if len(counts) <= LISTED:
        return " ".join(f"{_have(count)} {name} {value}." for value, count in counts.items()) + tail
    common = " ".join(f"{_have(count)} {name} {value}." for value, count in counts.head(COMMON).items())
    return f"{name} has {len(counts)} different values. The most common: {common}{tail}"


def summary(frame: pd.DataFrame) -> list[str]:
    """The table's counts as short passages, one fact a sentence (the default model misreads "species is
    Adelie in 152, Gentoo in 124"), one passage a column, so a question about one thing finds the passage
    about it. Columns are not counted two by two: given "73 rows have species Adelie and sex FEMALE" beside
    the species counts, the model answered "how many Adelie" and "how many on Dream island" from the pair."""
    names = [str(c) for c in frame.columns]
    lines = [f"The table has {_rows(len(frame))} and {len(names)} columns: {', '.join(names)}."]
    # by position: two columns may share a name, and frame[name] is then a table, not a column
    return lines + [column_line(readable(names[i]), frame.iloc[:, i]) for i in range(min(len(names), COLUMNS))]
