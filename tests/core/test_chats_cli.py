"""``python -m core chats``: list, show, export, import and delete the stored conversations."""

from __future__ import annotations

import json

from core.cli import main
from core.service import DocChat


def _answer(text: str, sha: str = "f" * 64) -> dict:
    return {"role": "assistant", "content": text, "found": True,
            "sources": [{"n": 1, "source": "lighthouse.pdf", "page": 2, "text": "built in 1874", "sha256": sha}]}


def test_list_show_export_import_delete(app: DocChat, capsys, tmp_path):
    data = ["--data-dir", str(app.settings.data_dir)]
    first = app.save_turn(None, "When was the lighthouse built?", _answer("In 1874 [1]."))
    app.save_turn(first.id, "Who built it?", _answer("The harbour board [1]."))
    assert main([*data, "chats", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)["conversations"]
    assert (listed["id"], listed["title"], listed["turns"]) == (first.id, "When was the lighthouse built?", 2)
    assert main([*data, "chats", "show", first.id]) == 0
    shown = capsys.readouterr().out
    assert "## Who built it?" in shown and "- [1] lighthouse.pdf, page 2 (document deleted)" in shown
    assert main([*data, "chats", "export", first.id, "--format", "json"]) == 0
    exported = tmp_path / "chat.json"
    exported.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main([*data, "chats", "delete", first.id]) == 0 and app.conversation(first.id) is None
    assert main([*data, "chats", "import", str(exported)]) == 0
    [restored] = app.conversations()
    kept = app.conversation(restored.id)
    assert kept is not None and [t.question for t in kept.turns] == ["When was the lighthouse built?", "Who built it?"]
    assert kept.turns[1].answer["content"] == "The harbour board [1]."
    capsys.readouterr()
    assert main([*data, "chats", "list", "--search", "harbour"]) == 0
    assert restored.id in capsys.readouterr().out


def test_errors_are_one_line_and_exit_1(app: DocChat, capsys, tmp_path):
    data = ["--data-dir", str(app.settings.data_dir)]
    assert main([*data, "chats", "show", "nope"]) == 1
    assert capsys.readouterr().err == "error: no conversation nope\n"
    (tmp_path / "other.json").write_text('{"documents": []}', encoding="utf-8")
    assert main([*data, "chats", "import", str(tmp_path / "other.json")]) == 1
    assert "is not a conversation exported by this app" in capsys.readouterr().err
    assert app.conversations() == []
