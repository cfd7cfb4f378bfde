"""ui/watched.py's check of a typed folder path, before core's own checks: one sentence for each refusal."""

from pathlib import Path

from ui.watched import refusal


def test_a_typed_path_must_be_an_existing_folder(tmp_path: Path):
    (tmp_path / "note.txt").write_text("x")
    assert refusal("  ") == "Type the path of a folder first."
    assert refusal(str(tmp_path / "nowhere")).endswith(" does not exist on this computer.")
    assert refusal(str(tmp_path / "note.txt")).endswith(" is a file, not a folder.")
    assert refusal(f"  {tmp_path}  ") is None
