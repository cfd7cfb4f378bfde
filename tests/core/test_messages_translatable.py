"""Every refusal core raises for a person to read is built with ``core.i18n.say`` (or ``say_n`` /
``joined``), so the pages can say it in Korean: a new ``raise IngestError(f"...")`` would reach a
Korean reader in English, and this check names it. Read from the source (AST), as ``pybabel extract``
reads it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Calls whose first argument is a sentence for the user: the ingest refusals, and the limit check's
# phrase that names what expanded.
RAISERS = {"IngestError", "LimitExceeded", "expansion_refusal"}
SAYERS = {"say", "say_n", "joined"}
TEXT_FUNCTIONS = {"upload_refusal"}  # return a Text (or "" when there is nothing to refuse)


def _called(node: ast.expr) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _said(node: ast.expr) -> bool:
    return _called(node) in SAYERS | TEXT_FUNCTIONS


def _text_names(tree: ast.AST) -> set[str]:
    """Names every assignment of which (in the module) is a said sentence: ``refusal := upload_refusal(...)``."""
    values: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and isinstance(node.target, ast.Name) and node.value:
            values.setdefault(node.target.id, []).append(node.value)
    return {name for name, assigned in values.items() if all(_said(value) for value in assigned)}


def untranslatable(source: str) -> list[str]:
    """``line: call`` for each refusal whose sentence is not said translatably."""
    tree = ast.parse(source)
    texts = _text_names(tree)
    found = []
    for node in ast.walk(tree):
        name = _called(node) if isinstance(node, ast.Call) else None
        if name not in RAISERS:
            continue
        assert isinstance(node, ast.Call)
        first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("message", "what")),
                                                    None)
        if first is None or not (_said(first) or isinstance(first, ast.Name) and first.id in texts):
            found.append(f"{node.lineno}: {name}")
    return found


def test_every_refusal_in_core_is_translatable():
    problems = [f"{path.relative_to(ROOT)}:{line}" for path in sorted((ROOT / "core").rglob("*.py"))
                for line in untranslatable(path.read_text(encoding="utf-8"))]
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
'''
    assert untranslatable(source) == ["4: IngestError", "5: LimitExceeded", "6: IngestError",
                                      "10: expansion_refusal", "12: IngestError"]
