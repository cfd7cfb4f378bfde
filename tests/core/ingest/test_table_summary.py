"""A CSV's or spreadsheet's counts as passages of their own (core/ingest/table_summary.py)."""

import pandas as pd

from core.ingest.loaders import load
from core.ingest.sections import SUMMARY_HEADING
from core.ingest.table_summary import column_line, number, readable, summary

SPECIES = ["Adelie"] * 6 + ["Gentoo"] * 4 + ["Chinstrap"] * 2


def _csv(rows: int = 12) -> bytes:
    lines = ["species,island,body_mass_g"]
    lines += [f"{SPECIES[i % 12]},{'Dream' if i % 3 else 'Biscoe'},{3000 + 100 * i}" for i in range(rows)]
    lines[-1] = lines[-1].rsplit(",", 1)[0] + ","  # one mass not written
    return ("\n".join(lines) + "\n").encode()


def test_a_csv_gets_a_passage_of_its_counts_for_each_column_under_its_own_heading():
    pages = load("csv", _csv()).pages
    rows = [p for p in pages if p.table]
    counts = [p for p in pages if p.heading == SUMMARY_HEADING]
    assert len(rows) == 1 and "Adelie | Biscoe | 3000" in rows[0].text  # the rows are read as before
    assert [p.text for p in counts] == [
        "The table has 12 rows and 3 columns: species, island, body_mass_g.",
        "6 rows have species Adelie. 4 rows have species Gentoo. 2 rows have species Chinstrap.",  # most first
        "8 rows have island Dream. 4 rows have island Biscoe.",
        "The largest (maximum) body mass g is 4000. The smallest (minimum) body mass g is 3000. The mean "
        "(average) body mass g is 3500. The total (sum) of body mass g is 38500. 1 row has an empty body mass g.",
    ]
    assert not any(p.table for p in counts)  # short passages, each found by a question about its column


def test_a_table_under_ten_rows_is_read_whole_and_gets_no_counts():
    assert not [p for p in load("csv", _csv(rows=9)).pages if p.heading == SUMMARY_HEADING]


def test_a_table_inside_a_document_gets_no_counts():
    markdown = b"# Prices\n\n| fruit | price |\n|---|---|\n" + b"".join(b"| apple | %d |\n" % i for i in range(20))
    assert not [p for p in load("md", markdown).pages if SUMMARY_HEADING in (p.heading or "")]


def test_a_column_of_many_values_names_the_most_common_and_how_many_there_are():
    names = pd.Series([f"name{i}" for i in range(30)] + ["Kim"] * 5 + [None, " "])
    line = column_line("owner", names)
    assert line.startswith("owner has 31 different values. The most common: 5 rows have owner Kim.")
    assert line.endswith("1 row has owner name11. 2 rows have an empty owner.") and line.count(" owner name") == 4


def test_a_first_row_of_numbers_is_data_and_the_columns_are_numbered():
    data = "\n".join(f"{i},{i * 2}" for i in range(12)).encode()
    counts = [p.text for p in load("csv", data).pages if p.heading == SUMMARY_HEADING]
    assert counts[0] == "The table has 12 rows and 2 columns: column 1, column 2."
    assert "The total (sum) of column 2 is 132." in counts[2]


def test_numbers_are_written_as_a_passage_would():
    assert [number(v) for v in (1437000.0, 43.921929, 2.5, -0.001, 1e-9)] == ["1437000", "43.92", "2.5", "0", "0"]
    assert readable("body_mass_g") == "body mass g" and readable("_") == "_"


def test_an_empty_column_says_so():
    frame = pd.DataFrame({"a": range(12), "b": [None] * 12})
    assert summary(frame)[-1] == "Every row has an empty b."


def test_a_spreadsheet_sheet_gets_its_counts_too():
    import io

    sheet = io.BytesIO()
    pd.DataFrame({"fruit": ["apple"] * 7 + ["pear"] * 5, "price": range(12)}).to_excel(sheet, index=False)
    counts = [p.text for p in load("xlsx", sheet.getvalue()).pages if p.heading == SUMMARY_HEADING]
    assert counts[1] == "7 rows have fruit apple. 5 rows have fruit pear."


def test_the_counts_are_headed_with_the_files_name_in_the_library(app):
    """A question names the rows by what the file holds ("How many orders were for pears?")."""
    result = app.ingest_file("orders.csv", _csv())
    assert result.ok, result.message
    headings = {chunk.heading for _, chunk in app.passages(result.sha256)}
    assert headings == {None, "Counts of orders.csv"}


def test_a_wide_sheet_counts_its_first_fifty_columns():
    frame = pd.DataFrame({f"c{n}": range(12) for n in range(80)})
    lines = summary(frame)
    assert len(lines) == 51 and lines[0].startswith("The table has 12 rows and 80 columns")


def test_two_columns_of_one_name_are_counted_apart():
    data = ("name,name,score\n" + "".join(f"kim,lee,{i}\n" for i in range(12))).encode()
    counts = [p.text for p in load("csv", data).pages if p.heading == SUMMARY_HEADING]
    assert counts[1:3] == ["12 rows have name kim.", "12 rows have name lee."]
