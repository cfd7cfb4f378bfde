"""Every refusal core raises for a person to read (an ingest refusal, a model that cannot answer, a
library of another model, a file that is no conversation, a bad setting) is built with ``core.i18n.say`` (or
``say_n`` / ``joined``), so the pages can say it in Korean: a new ``raise IngestError(f"...")`` would
reach a Korean reader in English, and this check names it. Read from the source (AST), as
``pybabel extract`` reads it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Calls whose first argument is a sentence for the user: the exceptions the pages show, and the limit
# check's phrase that names what expanded.
RAISERS = {"IngestError", "LimitExceeded", "expansion_refusal", "LLMUnavailable", "LibraryMismatch", "TranscriptError",
           "InvalidSettings"}
TEXT_FUNCTIONS = {"upload_refusal", "_sentence"}  # return a Text (or "" when there is nothing to refuse)
SAYERS = {"say", "say_n", "joined"}


def _called(node: ast.expr) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _said(node: ast.expr) -> bool:
    """``say(...)``, or a choice between two said sentences (``say(a) if detail else say(b)``)."""
    if isinstance(node, ast.IfExp):
        return _said(node.body) and _said(node.orelse)
    return _called(node) in SAYERS | TEXT_FUNCTIONS


def _assigned(tree: ast.AST, kind: type[ast.Name] | type[ast.Attribute]) -> dict[str, list[ast.expr]]:
    """What each variable (``ast.Name``) or attribute (``ast.Attribute``, by its name) is assigned."""
    values: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        pairs = [(t, node.value) for t in node.targets] if isinstance(node, ast.Assign) else \
            [(node.target, node.value)] if isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value else []
        for target, value in pairs:
            if isinstance(target, kind):
                values.setdefault(target.id if isinstance(target, ast.Name) else target.attr, []).append(value)
    return values


def _texts(values: dict[str, list[ast.expr]]) -> set[str]:
    """Those whose every value is a said sentence (``refusal := upload_refusal(...)``) or nothing (``""``)."""
    return {name for name, assigned in values.items()
            if all(_said(value) or isinstance(value, ast.Constant) and value.value == "" for value in assigned)}


def _said_text(node: ast.expr, names: set[str], attributes: set[str]) -> bool:
    return (_said(node) or isinstance(node, ast.Name) and node.id in names
            or isinstance(node, ast.Attribute) and node.attr in attributes)


def untranslatable(source: str, attributes: set[str] | None = None) -> list[str]:
    """``line: call`` for each refusal whose sentence is not said translatably; ``attributes``: names of
    attributes known to hold said sentences (``lock.closed_because``), found across the package."""
    tree = ast.parse(source)
    names = _texts(_assigned(tree, ast.Name))
    found = []
    for node in ast.walk(tree):
        name = _called(node) if isinstance(node, ast.Call) else None
        if name not in RAISERS:
            continue
        assert isinstance(node, ast.Call)
        first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("message", "what")),
                                                    None)
        if first is None or not _said_text(first, names, attributes or set()):
            found.append(f"{node.lineno}: {name}")
    return found


def test_every_refusal_in_core_is_translatable():
    sources = {path: path.read_text(encoding="utf-8") for path in sorted((ROOT / "core").rglob("*.py"))}
    attributes: dict[str, list[ast.expr]] = {}
    for source in sources.values():
        for name, values in _assigned(ast.parse(source), ast.Attribute).items():
            attributes.setdefault(name, []).extend(values)
    said = _texts(attributes)
    assert "closed_because" in said
    problems = [f"{path.relative_to(ROOT)}:{line}" for path, source in sources.items()
                for line in untranslatable(source, said)]
    assert problems == []


def test_core_has_refusals_to_check():
    sources = [(ROOT / "core" / "ingest" / name).read_text(encoding="utf-8") for name in ("sniff.py", "loaders.py")]
    assert sum(source.count("raise IngestError(say(") for source in sources) > 15


def test_the_check_finds_a_refusal_left_in_english():
    source = '''
refusal = upload_refusal(size, limit)
reason = f"{size} MB"
raise IngestError(f"file is {size} MB")
raise LimitExceeded("refused: too big", needs="")
raise IngestError(reason)
raise IngestError(refusal)
raise IngestError(say("empty file (0 bytes)"))
raise errors.IngestError(say_n("{n} page", "{n} pages", n), needs="password")
raise limits.expansion_refusal(f"page {number}")
raise limits.expansion_refusal(say("page {number}", number=number))
raise IngestError()
raise LLMUnavailable(say("{name}: {state}", name=n, state=s) if detail else f"{name}: {state}")
raise LLMUnavailable(lock.closed_because)
raise LLMUnavailable(lock.reason)
'''
    assert untranslatable(source, {"closed_because"}) == ["4: IngestError", "5: LimitExceeded", "6: IngestError",
                                                          "10: expansion_refusal", "12: IngestError",
                                                          "13: LLMUnavailable", "15: LLMUnavailable"]
