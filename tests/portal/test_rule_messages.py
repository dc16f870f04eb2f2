"""Every refusal the services word as a plain string (a ``DomainError`` raised with a literal message) has its
Chinese in the portal's catalogs, so ``translate_message`` can show it to people in Chinese.

The messages are found with ``ast`` over ``src/xinyong`` (not the portal, whose words are gettext's, nor the
migrations): the first positional argument of a call of ``DomainError`` or one of its subclasses of
``xinyong/errors.py`` (and ``RateLimited``), where it is a string literal or a concatenation of literals.

A message built with values is ``errors.msg("template {name}", name=value)``: its template (found wherever
``msg`` is called, the portal too) has its Chinese with exactly the same placeholders, and ``translate_message``
fills it in. An f-string message is out of reach of a catalog: none is raised outside the modules allowed below."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import xinyong
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import Message, RuleViolation, msg
from xinyong.models import Subject
from xinyong.objection import service as objections
from xinyong.portal import i18n

from ..helpers import issue_subject_token
from ..objection.conftest import world  # noqa: F401 (a fixture)
from .support import portal_client

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
        for node in ast.walk(_tree(path)):  # parsed once for every test of this module
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


# --- messages built with values ---------------------------------------------------------------------------

# Modules whose refusals may keep an English f-string, each with its reason (a new module is not added lightly).
FSTRING_MODULES: dict[str, str] = {
    "ops/backup.py": "console only: the operator's terminal",
    "ops/journal.py": "console only: the operator's terminal",
    "audit/seal.py": "console only: the operator's terminal",
    "law/parameters.py": "console only: the operator's terminal (the parameter file as loaded)",
    "config.py": "console only: the operator's terminal (settings at start-up)",
    "crypto.py": "console only: the operator's terminal (keys and encrypted files)",
    "keys.py": "console only: the operator's terminal (xinyong keys)",
    "worker.py": "console only: the operator's terminal",
    "law/articles.py": "quotes an article reference as an operator or an API client typed it; pages parse only "
                       "their own references",
    "law/endpoints.py": "the law kernel's API queries (no page asks them)",
    "audit/rules.py": "composes the verifier's own findings for the supervisor's console and API",
}
FSTRING_CLASSES: dict[str, str] = {
    "LeaseLost": "worker only: a batch run losing its lease, in the worker's log and CLI",
}


def _error_classes() -> frozenset[str]:
    """Every class of src/xinyong deriving (directly or not) from DomainError or LawError."""
    names = {"DomainError", "LawError"}
    classes = [node for path in _all_sources() for node in ast.walk(_tree(path)) if isinstance(node, ast.ClassDef)]
    grown = True
    while grown:
        grown = False
        for cls in classes:
            if cls.name not in names and any(_name(base) in names for base in cls.bases):
                names.add(cls.name)
                grown = True
    return frozenset(names)


def _all_sources() -> list[Path]:
    return [path for path in sorted(SRC.rglob("*.py")) if not path.is_relative_to(SRC / "migrations")]


_TREES: dict[Path, ast.Module] = {}


def _tree(path: Path) -> ast.Module:
    if path not in _TREES:
        _TREES[path] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return _TREES[path]


def _has_fstring(node: ast.expr) -> bool:
    """An f-string, or a concatenation or choice with one (a helper's call builds its own message)."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _has_fstring(node.left) or _has_fstring(node.right)
    if isinstance(node, ast.IfExp):
        return _has_fstring(node.body) or _has_fstring(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(_has_fstring(value) for value in node.values)
    return False


def _allowed_module(where: Path) -> bool:
    relative = where.relative_to(SRC).as_posix()
    return relative in FSTRING_MODULES or where.name == "cli.py"  # */cli.py: console only, the terminal


def message_templates() -> dict[str, list[str]]:
    """template → where ``msg`` is called with it (``path:line``)."""
    found: dict[str, list[str]] = {}
    for path in _all_sources():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and _name(node.func) == "msg" and node.args:
                template = _literal(node.args[0])
                assert template is not None, f"{path.relative_to(SRC)}:{node.lineno}: msg's template is a literal"
                found.setdefault(template, []).append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_extractor_finds_the_templates():
    found = message_templates()
    assert len(found) >= 100, f"only {len(found)} template(s) extracted: the extraction itself is broken"
    assert "this objection was already noted (it is {status})" in found


def test_every_template_has_its_chinese_with_the_same_placeholders():
    catalog = i18n.catalog("zh")
    missing = {template: where[:2] for template, where in message_templates().items()
               if not (catalog.get(template) or "").strip()}
    assert not missing, f"{len(missing)} template(s) without a Chinese translation: {missing}"
    differ = {template: (sorted(_placeholders(template)), sorted(_placeholders(catalog[template])))
              for template in message_templates() if _placeholders(template) != _placeholders(catalog[template])}
    assert not differ, f"the Chinese of {len(differ)} template(s) has other placeholders: {differ}"


def test_no_refusal_outside_the_allowed_modules_is_an_f_string():
    assert set(FSTRING_MODULES) <= {path.relative_to(SRC).as_posix() for path in _all_sources()}
    classes = _error_classes()
    assert {"RuleViolation", "Conflict", "RateLimited", "UnknownCalendarYear", "LeaseLost"} <= classes
    found = []
    for path in _all_sources():
        if _allowed_module(path):
            continue
        for node in ast.walk(_tree(path)):
            if (isinstance(node, ast.Call) and node.args and _name(node.func) in classes
                    and _name(node.func) not in FSTRING_CLASSES and _has_fstring(node.args[0])):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not found, f"refusals worded with an f-string (use errors.msg, and word it in rules.po): {found}"


def test_a_message_is_its_english_text_and_keeps_its_template():
    message = msg("the entry is {status}, not listed", status="removed")
    assert isinstance(message, Message) and isinstance(message, str)
    assert message == "the entry is removed, not listed" and str(message) == message
    assert (message.template, message.params) == ("the entry is {status}, not listed", {"status": "removed"})
    exc = RuleViolation(message, article="Art. 25.1")
    assert exc.message is message and str(exc) == "the entry is removed, not listed"
    assert i18n.translate_message(message, "zh") == "该列入记录状态为 removed，不在名单中"
    assert i18n.translate_message(message, "en") == "the entry is removed, not listed"
    # a sentence among the values is worded too; a template the catalogs lack is not translated
    nested = msg("{reason} (inquiry {inquiry_id} logged)", reason="a bearer token is required", inquiry_id=7)
    assert i18n.translate_message(nested, "zh") == "需要提供访问令牌（bearer token）（查询 7 已记录）"
    assert i18n.translate_message(msg("no such template {n}", n=1), "zh") is None


@pytest.mark.article("Art. 36.2")
def test_a_services_refusal_with_values_reads_in_chinese(engine, world):  # noqa: F811 (the fixture)
    with session_scope(engine) as s:
        obj = objections.file(s, actor=CONSOLE, subject_id=world.org_id, kind="omission",
                              reason="遗漏了表彰信息", evidence=[], record_ids=[], to_uscc=None, channel="api")
        number = objections.number_of(obj)
        objections.note(s, objection=number, actor=CONSOLE, path="center")
        with pytest.raises(RuleViolation) as refused:
            objections.note(s, objection=number, actor=CONSOLE, path="center")
    status = refused.value.message.params["status"]
    assert refused.value.message == f"this objection was already noted (it is {status})"
    assert i18n.translate_message(refused.value.message, "zh") == f"该异议已作出异议标注（当前状态：{status}）"


@pytest.mark.article("Art. 36.1")
def test_a_page_shows_a_refusal_with_values_in_chinese(engine, world):  # noqa: F811 (the fixture)
    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, world.org_id))
    client = portal_client(engine)
    assert client.sign_in(token).status_code == 303
    page = client.get("/me/objections/987654")
    assert page.status_code == 404 and "没有异议 987654" in page.text
    english = client.get("/me/objections/987654?lang=en")
    assert english.status_code == 404 and "no objection 987654" in english.text
