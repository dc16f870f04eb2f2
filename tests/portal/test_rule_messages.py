"""Every refusal the services word as a plain string (a ``DomainError`` raised with a literal message) has its
Chinese in the portal's catalogs, so ``translate_message`` can show it to people in Chinese.

The messages are found with ``ast`` over ``src/xinyong`` (not the portal, whose words are gettext's, nor the
migrations): the first positional argument of a call of ``DomainError`` or one of its subclasses of
``xinyong/errors.py`` (and ``RateLimited``), where it is a string literal or a concatenation of literals.
Messages built at run time (f-strings, variables) are out of reach of a catalog and not extracted."""

from __future__ import annotations

import ast
from pathlib import Path

import xinyong
from xinyong.portal import i18n

SRC = Path(xinyong.__file__).resolve().parent
EXCLUDED = (SRC / "portal", SRC / "migrations")
EXTRA_ERRORS = frozenset({"DomainError", "RateLimited"})


def _error_names() -> frozenset[str]:
    """``DomainError`` and the classes of ``errors.py`` deriving from it (directly or not), and ``RateLimited``."""
    tree = ast.parse((SRC / "errors.py").read_text(encoding="utf-8"))
    names = {"DomainError"}
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    grown = True
    while grown:
        grown = False
        for cls in classes:
            if cls.name not in names and any(_name(base) in names for base in cls.bases):
                names.add(cls.name)
                grown = True
    return frozenset(names | EXTRA_ERRORS)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # errors.RuleViolation(...)
        return node.attr
    return None


def _literal(node: ast.expr) -> str | None:
    """The string of a literal message (implicit concatenation is one Constant already), else None."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        try:
            value = ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError):
            # ast.literal_eval refuses str + str: fold a concatenation of literals here
            left, right = _literal(node.left), _literal(node.right)
            return left + right if left is not None and right is not None else None
        return value if isinstance(value, str) else None
    return None


def _sources() -> list[Path]:
    return [path for path in sorted(SRC.rglob("*.py"))
            if not any(path.is_relative_to(folder) for folder in EXCLUDED)]


def rule_messages() -> dict[str, list[str]]:
    """message → where it is raised (``path:line``), for every literal message of a DomainError call."""
    names = _error_names()
    found: dict[str, list[str]] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and _name(node.func) in names:
                message = _literal(node.args[0])
                if message:
                    found.setdefault(message, []).append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_the_extractor_finds_the_services_messages():
    names = _error_names()
    assert {"DomainError", "RuleViolation", "Forbidden", "InvalidInput", "NotFound", "Unauthorized",
            "Conflict", "RateLimited"} <= names
    found = rule_messages()
    assert len(found) >= 100, f"only {len(found)} message(s) extracted: the extraction itself is broken"
    assert "a bearer token is required" in found
    assert not any(where.startswith(("portal/", "migrations/")) for places in found.values() for where in places)


def test_every_literal_refusal_of_the_services_has_its_chinese():
    catalog = i18n.catalog("zh")
    missing = {message: where[:2] for message, where in rule_messages().items()
               if not (catalog.get(message) or "").strip()}
    assert not missing, f"{len(missing)} service message(s) without a Chinese translation: {missing}"


def test_a_refusal_reads_in_chinese_through_translate_message():
    assert i18n.translate_message("a bearer token is required", "zh") == "需要提供访问令牌（bearer token）"
    assert i18n.translate_message("a bearer token is required", "en") == "a bearer token is required"
