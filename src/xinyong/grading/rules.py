"""Transparent credit grading of legal persons and organizations (Art. 23): pure rules.

The rule table is PUBLISHED CONFIGURATION (``rules.yaml`` beside this file, with its version and date),
not literals here. A grade is computed at read time from the records and list entries in force, so it
is recomputed whenever they change; nothing is stored.

Natural persons are graded only when a legal basis is configured (``XINYONG_GRADING_NATURAL_PERSONS_BASIS``,
a text naming the law): automated profiling of people needs one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ..config import env as setting
from ..errors import RuleViolation
from ..inquiry.rules import not_revoked, not_withdrawn, within_inquiry_period
from ..law.rules import rule

RULES_FILE = Path(__file__).with_name("rules.yaml")
BASIS_ENV = "XINYONG_GRADING_NATURAL_PERSONS_BASIS"
ANY_UNTRUSTWORTHY = "*untrustworthy"


@dataclass(frozen=True)
class Line:
    id: str
    points: int
    text: str
    item: str | None = None
    severity: str | None = None
    list_kind: str | None = None


@dataclass(frozen=True)
class Table:
    version: str
    published_on: str
    source: str
    start: int
    floor: int
    ceiling: int
    scale: tuple[tuple[str, int], ...]  # (grade, min), highest first
    records: tuple[Line, ...]
    lists: tuple[Line, ...]

    def published(self) -> dict[str, Any]:
        return {"version": self.version, "published_on": self.published_on, "source": self.source,
                "start": self.start, "floor": self.floor, "ceiling": self.ceiling,
                "scale": [{"grade": g, "min": m} for g, m in self.scale],
                "records": [_line_view(x) for x in self.records], "lists": [_line_view(x) for x in self.lists]}


def _line_view(line: Line) -> dict[str, Any]:
    return {k: v for k, v in line.__dict__.items() if v is not None}


def parse_table(raw: dict[str, Any]) -> Table:
    scale = tuple(sorted(((str(s["grade"]), int(s["min"])) for s in raw["scale"]), key=lambda s: -s[1]))
    if not scale or scale[-1][1] > int(raw["floor"]):
        raise ValueError("the grading scale must cover every score down to the floor")
    return Table(str(raw["version"]), str(raw["published_on"]), str(raw.get("source", "")), int(raw["start"]),
                 int(raw["floor"]), int(raw["ceiling"]), scale,
                 tuple(Line(**r) for r in raw.get("records", [])), tuple(Line(**r) for r in raw.get("lists", [])))


@functools.lru_cache(maxsize=4)
def _load(path: str) -> Table:
    return parse_table(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def table(path: Path | None = None) -> Table:
    """The published table (``XINYONG_GRADING_RULES`` may point at another published file)."""
    return _load(str(path or setting("XINYONG_GRADING_RULES") or RULES_FILE))


def natural_persons_basis() -> str | None:
    return (setting(BASIS_ENV) or "").strip() or None


@dataclass(frozen=True)
class RecordFacts:
    id: int
    item_code: str
    untrustworthy: bool
    severity: str | None
    ended_on: date | None
    status: str


@dataclass(frozen=True)
class EntryFacts:
    id: int
    list_kind: str


@rule("Art. 23")
def may_grade(subject_kind: str, basis: str | None) -> str | None:
    """Legal persons and organizations are graded; natural persons only on a configured legal basis."""
    if subject_kind != "natural_person":
        return None
    if not basis:
        raise RuleViolation("natural persons are not graded: automated profiling of people needs a legal "
                            "basis, and none is configured", article="Art. 23")
    return basis


@rule("Art. 23")
def counts(rec: RecordFacts, on: date) -> bool:
    """A record counts toward a grade only while in force: within its Art. 35 period, not revoked, withdrawn or restored."""
    return (not_revoked(rec.status) and not_withdrawn(rec.status) and rec.status != "restored"
            and within_inquiry_period(rec.untrustworthy, rec.ended_on, on, rec.item_code))


def record_line(t: Table, rec: RecordFacts) -> Line | None:
    for line in t.records:
        if line.item == ANY_UNTRUSTWORTHY:
            if rec.untrustworthy:
                return line
            continue
        if line.item == rec.item_code and (line.severity is None or line.severity == rec.severity):
            return line
    return None


def entry_line(t: Table, entry: EntryFacts) -> Line | None:
    return next((x for x in t.lists if x.list_kind == entry.list_kind), None)


@rule("Art. 23")
def grade(t: Table, records: list[RecordFacts], entries: list[EntryFacts],
          on: date) -> tuple[int, str, list[tuple[str, int, Line]]]:
    """A grade follows from published rules, and each point of it is explained by a record or list entry and the rule line."""
    parts: list[tuple[str, int, Line]] = []
    for rec in records:
        if counts(rec, on) and (line := record_line(t, rec)) is not None:
            parts.append(("record", rec.id, line))
    for e in entries:
        if (line := entry_line(t, e)) is not None:
            parts.append(("list-entry", e.id, line))
    score = max(t.floor, min(t.ceiling, t.start + sum(line.points for _k, _i, line in parts)))
    letter = next(g for g, m in t.scale if score >= m)
    return score, letter, parts
