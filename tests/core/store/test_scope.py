"""The scope record (core/store/scope.py) and the one place that turns it into SQL (core/store/rules.py)."""

from __future__ import annotations

import pytest

from core.store.rules import scope_clause
from core.store.scope import Scope, limiting


def test_a_scope_says_whether_it_limits_anything():
    assert not Scope().limits() and limiting(Scope()) is None and limiting(None) is None
    assert Scope.of([]).limits() and Scope.of(documents=["a"]).limits()  # empty: nothing passes, still a limit
    assert Scope.of(["work"], ["b", "a", "b"]) == Scope(("work",), ("b", "a"))  # a document named twice counts once
    with pytest.raises(TypeError):
        Scope.of("work")


def test_the_stored_form_round_trips_and_refuses_anything_else():
    scope = Scope.of(["work", ""], ["a" * 64])
    assert Scope.from_json(scope.to_json()) == scope
    assert Scope.of(documents=["a"]).to_json() == {"documents": ["a"]}
    assert Scope.from_json(None) is None and Scope.from_json({}) is None
    for junk in ([], {"documents": "a"}, {"documents": [1]}, {"names": ["a"]}):
        with pytest.raises(ValueError):
            Scope.from_json(junk)


def test_each_engine_writes_only_its_own_condition_and_the_limits_are_anded():
    def question_marks(column: str, values: tuple[str, ...]) -> tuple[str, list]:
        return f"{column} IN ({','.join('?' * len(values))})", list(values)

    assert scope_clause(None, "WHERE", question_marks) == ("", []) == scope_clause(Scope(), "AND", question_marks)
    assert scope_clause(Scope.of(["work"], ["a", "b"]), "WHERE", question_marks) == (
        "WHERE d.collection IN (?) AND d.sha256 IN (?,?)", ["work", "a", "b"])
    assert scope_clause(Scope.of(documents=[]), "AND", question_marks) == ("AND d.sha256 IN ()", [])
