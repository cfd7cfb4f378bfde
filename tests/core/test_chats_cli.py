"""``python -m core chats``: list, show, export, import and delete the stored conversations."""

from __future__ import annotations

import json

from core.cli import main
from core.service import DocChat
from core.store.scope import Scope


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


def test_export_and_import_carry_the_scope_and_an_older_export_imports_without_one(app: DocChat, capsys, tmp_path):
    data = ["--data-dir", str(app.settings.data_dir)]
    scope = Scope.of(["work"], ["a" * 64])
    scoped = app.save_turn(None, "What does the report say?", _answer("Figures [1]."), scope=scope)
    plain = app.save_turn(None, "Anything else?", _answer("No."))
    assert main([*data, "chats", "export", scoped.id, "--format", "json"]) == 0
    exported = capsys.readouterr().out
    assert json.loads(exported)["scope"] == {"collections": ["work"], "documents": ["a" * 64]}
    (tmp_path / "scoped.json").write_text(exported, encoding="utf-8")
    assert main([*data, "chats", "export", plain.id, "--format", "json"]) == 0
    older = capsys.readouterr().out
    assert "scope" not in json.loads(older)  # a conversation of the whole library exports as before scopes
    (tmp_path / "older.json").write_text(older, encoding="utf-8")
    assert main([*data, "chats", "import", str(tmp_path / "scoped.json")]) == 0
    assert main([*data, "chats", "import", str(tmp_path / "older.json")]) == 0
    imported = {c.title: c for c in app.conversations() if c.id not in (scoped.id, plain.id)}
    assert imported["What does the report say?"].scope == scope and imported["Anything else?"].scope is None
    assert app.conversation(imported["What does the report say?"].id).record.scope == scope


def test_an_import_with_an_unreadable_scope_is_refused(app: DocChat, capsys, tmp_path):
    data = ["--data-dir", str(app.settings.data_dir)]
    app.save_turn(None, "Q?", _answer("A."))
    assert main([*data, "chats", "export", app.conversations()[0].id, "--format", "json"]) == 0
    edited = json.loads(capsys.readouterr().out) | {"scope": {"documents": "a" * 64}}
    (tmp_path / "edited.json").write_text(json.dumps(edited), encoding="utf-8")
    assert main([*data, "chats", "import", str(tmp_path / "edited.json")]) == 1
    assert "scope is not readable" in capsys.readouterr().err and len(app.conversations()) == 1
