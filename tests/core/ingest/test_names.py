from core.ingest.names import MAX_NAME_CHARS, display_name, extension


def test_paths_are_reduced_to_the_file_name():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("..\\..\\windows\\win.ini") == "win.ini"


def test_control_characters_and_nul_are_removed():
    assert display_name("bad\x00name\n.txt") == "badname.txt"


def test_empty_name_gets_a_placeholder():
    assert display_name("") == "unnamed"
    assert display_name("../") == "unnamed"


def test_long_names_keep_their_extension():
    name = display_name("x" * 1000 + ".pdf")
    assert len(name) <= MAX_NAME_CHARS
    assert name.endswith(".pdf")


def test_unicode_names_survive():
    assert display_name("보고서 2024 — 최종.pdf") == "보고서 2024 — 최종.pdf"
    assert extension("보고서.PDF") == "pdf"
