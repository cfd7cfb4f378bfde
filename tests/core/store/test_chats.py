"""Conversations in the library's database (core/store/chats.py), against both stores."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.store.chats import title_from
from core.store.scope import Scope


def _answer(text: str, **extra: object) -> dict:
    return {"role": "assistant", "content": text, "sources": [{"n": 1, "source": "a.pdf", "page": 2,
                                                               "text": "passage", "sha256": "a" * 64}], **extra}


def test_turns_are_kept_in_order_with_their_answers_and_the_newest_conversation_comes_first(open_library):
    store = open_library()
    first = store.chats.add_turn("c1", "When was the lighthouse built?", _answer("In 1874 [1]."))
    assert (first.id, first.title, first.turns, first.owner) == ("c1", "When was the lighthouse built?", 1, "")
    store.chats.add_turn("c2", "Who keeps it?", _answer("Marta Quell."), asked="2099-01-01T00:00:00+00:00")
    again = store.chats.add_turn("c1", "And its lamp?", _answer("Whale oil [1].", found=True))
    assert again.turns == 2 and again.title == first.title  # a later turn does not retitle it
    other = open_library()  # another process on the same library sees the same
    kept = other.chats.get("c1")
    assert kept is not None
    assert [(t.question, t.answer["content"]) for t in kept.turns] == [
        ("When was the lighthouse built?", "In 1874 [1]."), ("And its lamp?", "Whale oil [1].")]
    assert kept.turns[1].answer["sources"][0]["page"] == 2 and kept.turns[1].answer["found"] is True
    assert [c.id for c in other.chats.recent()] == ["c2", "c1"]
    assert other.chats.get("nope") is None


def test_search_rename_and_delete(open_library):
    store = open_library()
    store.chats.add_turn("c1", "When was the lighthouse built?", _answer("In 1874."))
    store.chats.add_turn("c2", "Wer backt das Brot?", _answer("Die Bäckerei am Hafen, 100% Roggen."))
    assert [c.id for c in store.chats.recent("LIGHTHOUSE")] == ["c1"]  # titles, any case
    assert [c.id for c in store.chats.recent("Hafen")] == ["c2"]  # answers too
    assert [c.id for c in store.chats.recent("100%")] == ["c2"] and store.chats.recent("0_%") == []  # literal % and _
    assert store.chats.rename("c1", "  Skarvoy  ") and store.chats.get("c1").record.title == "Skarvoy"
    assert store.chats.delete("c1") and not store.chats.delete("c1")
    assert store.chats.get("c1") is None and [c.id for c in store.chats.recent()] == ["c2"]
    assert store.chats.recent(owner="someone else") == []


def test_an_answer_that_is_not_plain_data_or_far_too_large_is_refused_and_nothing_is_written(open_library):
    store = open_library()
    with pytest.raises(TypeError):
        store.chats.add_turn("c1", "q", {"content": object()})
    with pytest.raises(ValueError, match="over 1 MB"):
        store.chats.add_turn("c1", "q", _answer("x" * (2 << 20)))
    assert store.chats.get("c1") is None


def test_titles_come_from_the_first_question_on_one_line():
    assert title_from("  When was\nthe lighthouse   built?  ") == "When was the lighthouse built?"
    long = "How many GPUs did they use to train the big transformer model and for how many days did it run"
    assert title_from(long).endswith("…") and len(title_from(long)) <= 61 and " " not in title_from(long)[-2:]
    assert title_from("   ") == "Conversation"


def test_a_process_killed_while_it_writes_a_turn_loses_only_that_turn(tmp_path: Path) -> None:
    """The turn's transaction is the commit point: a kill -9 inside it leaves the turns before."""
    from core.store.sqlite_store import SqliteStore

    data = tmp_path / "data"
    store = SqliteStore(data)
    store.chats.add_turn("c1", "first?", _answer("one"))
    script = (
        "import os, sys\n"
        "from core.store.sqlite_store import SqliteStore\n"
        "store = SqliteStore(sys.argv[1])\n"
        "store.chats.add_turn('c1', 'second?', {'content': 'two'})\n"
        "import sqlite3\n"
        "class Dying(sqlite3.Connection):\n"
        "    def execute(self, sql, *args):\n"
        "        result = super().execute(sql, *args)\n"
        "        if sql.startswith('INSERT INTO turns'):\n"
        "            os._exit(9)  # the row is written, the transaction not committed\n"
        "        return result\n"
        "sqlite3.connect = (lambda connect: lambda *a, **k: connect(*a, factory=Dying, **k))(sqlite3.connect)\n"
        "store.chats.add_turn('c1', 'third?', {'content': 'three'})\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(data)], cwd=Path(__file__).resolve().parents[3])
    assert run.returncode == 9  # it died inside the third turn's transaction
    kept = SqliteStore(data).chats.get("c1")
    assert kept is not None and [t.question for t in kept.turns] == ["first?", "second?"]


def test_feedback_is_kept_in_its_answer_and_can_be_taken_back(open_library):
    store = open_library()
    store.chats.add_turn("c1", "When?", _answer("In 1874 [1]."))
    store.chats.add_turn("c1", "Who?", _answer("Marta."))
    assert store.chats.set_feedback("c1", 2, {"score": 0, "comment": "she keeps it, she did not build it"})
    assert not store.chats.set_feedback("c1", 3, {"score": 1}) and not store.chats.set_feedback("nope", 1, {"score": 1})
    turns = open_library().chats.get("c1").turns
    assert [t.position for t in turns] == [1, 2] and "feedback" not in turns[0].answer
    assert turns[1].answer["feedback"] == {"score": 0, "comment": "she keeps it, she did not build it"}
    assert turns[1].answer["content"] == "Marta."  # the rest of the answer as it was
    assert store.chats.set_feedback("c1", 2, None) and "feedback" not in store.chats.get("c1").turns[1].answer


def test_a_conversation_keeps_the_scope_it_was_created_with(open_library):
    store = open_library()
    scope = Scope.of(["work"], ["a" * 64, "b" * 64])
    first = store.chats.add_turn("c1", "What does the report say?", _answer("Figures [1]."), scope=scope)
    assert first.scope == scope
    again = store.chats.add_turn("c1", "And later?", _answer("More."), scope=Scope.of(documents=["c" * 64]))
    assert again.scope == scope  # set when the conversation is created; a later turn does not move it
    assert store.chats.add_turn("c2", "Anything?", _answer("No.")).scope is None
    assert store.chats.add_turn("c3", "Anything?", _answer("No."), scope=Scope()).scope is None  # the whole library
    other = open_library()  # reopened: another process, or tomorrow
    kept = other.chats.get("c1")
    assert kept is not None and kept.record.scope == scope and kept.record.scope.documents == ("a" * 64, "b" * 64)
    assert {c.id: c.scope for c in other.chats.recent()} == {"c1": scope, "c2": None, "c3": None}


def test_a_library_from_before_scopes_opens_and_keeps_its_conversations(tmp_path: Path) -> None:
    from core.store.migrations import SCHEMA
    from core.store.sqlite_store import SqliteStore

    with sqlite3.connect(tmp_path / "library.sqlite") as conn:  # the conversation tables of decision 011
        conn.executescript(SCHEMA + """
            CREATE TABLE conversations (id TEXT PRIMARY KEY, owner TEXT NOT NULL DEFAULT '', title TEXT NOT NULL,
                created TEXT NOT NULL, updated TEXT NOT NULL);
            CREATE TABLE turns (conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, asked TEXT NOT NULL,
                PRIMARY KEY (conversation_id, position));
            INSERT INTO conversations VALUES ('old', '', 'An old chat', '2026-01-01', '2026-01-01');
            INSERT INTO turns VALUES ('old', 1, 'Who keeps it?', '{"content": "Marta."}', '2026-01-01');
        """)
    store = SqliteStore(tmp_path)
    kept = store.chats.get("old")
    assert kept is not None and kept.record.scope is None and kept.turns[0].answer == {"content": "Marta."}
    assert store.chats.add_turn("old", "Since when?", _answer("1874.")).turns == 2
    scope = Scope.of(documents=["a" * 64])
    assert store.chats.add_turn("new", "Q?", _answer("A."), scope=scope).scope == scope
    assert SqliteStore(tmp_path).chats.get("new").record.scope == scope  # opened again: nothing left to migrate
