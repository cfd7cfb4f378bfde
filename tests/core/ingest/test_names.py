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


def test_bidi_overrides_and_c1_controls_cannot_disguise_a_name():
    assert display_name("invoice\u202etxt.exe") == "invoicetxt.exe"
    assert display_name("a\x85b\x9f.md") == "ab.md"


def test_undecodable_bytes_from_a_command_line_path_become_replacement_characters():
    name = display_name("caf\udce9.txt")  # b"caf\xe9.txt" decoded with surrogateescape
    assert name == "caf\ufffd.txt"
    name.encode("utf-8")  # storable


def test_long_unicode_names_are_cut_in_characters_not_bytes():
    name = display_name("보고서" * 300 + ".docx")
    assert len(name) == MAX_NAME_CHARS and name.endswith("….docx")


def test_decomposed_unicode_is_normalised():
    assert display_name("cafe\u0301.txt") == "caf\u00e9.txt"
