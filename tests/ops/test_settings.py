"""Every XINYONG_* setting is declared in config.py, read through it, and listed in docs/deployment.md; the
logs are kept at least six months (Cybersecurity Law Art. 21, through Art. 19(4)) and no code deletes them."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest

from xinyong import config
from xinyong.law import calendar
from xinyong.law.parameters import parameter

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "xinyong"
DEPLOYMENT = ROOT / "docs" / "deployment.md"
# a name, not a mention of a family (``XINYONG_SCHEDULE_<JOB>``)
NAME = re.compile(r"XINYONG_[A-Z0-9_]*[A-Z0-9]\b")
# the law kernel imports nothing else of xinyong: it reads its two directories itself (config computes the same)
LAW_READS = {"XINYONG_CALENDAR_DIR", "XINYONG_VAR_DIR"}


def _sources():
    for path in sorted(SRC.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".md", ".html", ".txt", ".ini"):
            yield path


def _names_in_src() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in _sources():
        for name in NAME.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, str(path.relative_to(SRC)))
    return found


def test_every_setting_named_in_src_is_declared_in_config_and_documented():
    names = _names_in_src()
    undeclared = sorted(f"{n} ({where})" for n, where in names.items() if n not in config.VARIABLES)
    assert not undeclared, "add to xinyong.config.VARIABLES: " + ", ".join(undeclared)
    doc = DEPLOYMENT.read_text(encoding="utf-8")
    undocumented = sorted(n for n in config.VARIABLES if f"`{n}`" not in doc)
    assert not undocumented, "list in docs/deployment.md: " + ", ".join(undocumented)
    unused = sorted(n for n in config.VARIABLES if n not in names)
    assert not unused, "declared but read nowhere: " + ", ".join(unused)


def _environment_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of every ``os.environ.get("XINYONG_…")``, ``os.getenv``, ``os.environ["…"]`` — also through
    a module-level constant holding the name."""
    constants = {t.id: n.value.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)
                 and isinstance(n.value.value, str)}

    def name_of(node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    def is_environ(node) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
            isinstance(node, ast.Name) and node.id == "environ")

    reads = []
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Call) and node.args:
            f = node.func
            if isinstance(f, ast.Attribute) and ((f.attr in ("get", "pop", "setdefault") and is_environ(f.value))
                                                 or f.attr == "getenv"):
                target = name_of(node.args[0])
        elif isinstance(node, ast.Subscript) and is_environ(node.value):
            target = name_of(node.slice)
        if target and target.startswith("XINYONG_"):
            reads.append((node.lineno, target))
    return reads


def test_nothing_but_config_reads_the_environment_for_a_setting():
    stray = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel == "config.py":
            continue
        for line, name in _environment_reads(ast.parse(path.read_text(encoding="utf-8"))):
            if rel.startswith("law/") and name in LAW_READS:
                continue
            stray.append(f"{rel}:{line} reads {name} (use xinyong.config.env)")
    assert not stray, "\n".join(stray)


def test_the_law_kernel_finds_the_calendar_where_config_says(monkeypatch, tmp_path):
    for env in ({}, {"XINYONG_CALENDAR_DIR": str(tmp_path / "years")}):
        monkeypatch.delenv("XINYONG_CALENDAR_DIR", raising=False)
        monkeypatch.setenv("XINYONG_VAR_DIR", str(tmp_path / "var"))
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        config.reset_settings()
        assert calendar.calendar_dir() == config.get_settings().calendar_dir
    config.reset_settings()


def test_an_undeclared_setting_is_refused():
    with pytest.raises(KeyError, match="VARIABLES"):
        config.env("XINYONG_NO_SUCH_THING")


@pytest.mark.article("Art. 19(4)")
def test_logs_are_kept_at_least_six_months_by_law():
    p = parameter("retention.logs_min_months")
    held = p.at(date(2025, 6, 16))
    assert (held.value, p.unit, p.level, p.kind) == (6, "months", "law", "legal")
    assert "网络安全法" in p.source and "第二十一条" in p.source and "六个月" in p.source
    assert p.at(date(2017, 6, 1)).value == 6  # the Cybersecurity Law's own first day


_DELETES_LOGS = re.compile(r"(delete\(\s*(InquiryLog|AuditEvent)\b|(InquiryLog|AuditEvent)\.__table__\.delete"
                           r"|DELETE\s+FROM\s+\"?(inquiry_log|audit_event)|TRUNCATE[^\n]*\b(inquiry_log|audit_event))",
                           re.IGNORECASE)


@pytest.mark.article("Art. 19(4)")
def test_no_code_deletes_inquiry_or_audit_log_rows():
    """They are kept; a retention added one day must respect retention.logs_min_months (and the sealed chain)."""
    offenders = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
                 if _DELETES_LOGS.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
    assert _DELETES_LOGS.search('session.execute(delete(InquiryLog).where(InquiryLog.at < cutoff))')
