"""Library names for watched files: a name held by another document is never reused, and a rebuilt state
recognises the names the watcher gives (core/watch/naming.py)."""

from __future__ import annotations

from core.watch.naming import candidates, could_be, library_name


def test_the_file_name_first_then_its_folder_then_a_number():
    assert candidates("a/b/report.pdf") == ["report.pdf", "report (b).pdf"]
    assert candidates("report.pdf") == ["report.pdf"]
    taken = {"report.pdf", "report (b).pdf", "report (2).pdf"}
    assert library_name("a/b/report.pdf", taken.__contains__) == "report (3).pdf"
    assert library_name("c/report.pdf", taken.__contains__) == "report (c).pdf"
    assert library_name("new.pdf", taken.__contains__) == "new.pdf"


def test_names_the_watcher_could_have_given():
    assert could_be("a/b/report.pdf", "report.pdf") and could_be("a/b/report.pdf", "report (b).pdf")
    assert could_be("a/b/report.pdf", "report (12).pdf")
    assert not could_be("a/b/report.pdf", "report (a).pdf") and not could_be("a/b/report.pdf", "other.pdf")
    assert not could_be("a/b/report.pdf", "report (1x).pdf")
