"""A small world for objection tests: a providing unit, a second one, the Center (operator), a credit
service establishment, an organization with records from both providers, and another subject."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.law import calendar
from xinyong.models import Record, Subject
from xinyong.unit import service as units

from ..factories import CF_COLUMNS, OTHER_PROVIDER_USCC, PROVIDER_USCC, cf_row, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file
from ..helpers import issue_subject_token

ORG_USCC = uscc(424242)
OTHER_ORG_USCC = uscc(434343)
CENTER_USCC = uscc(4, prefix="12310000")
AGENCY_USCC = uscc(3)
EXAMPLE_2027 = Path(__file__).parents[1] / "law" / "data" / "2027.example.yaml"


@dataclass
class World:
    provider: Actor
    provider_token: str
    other_provider: Actor
    other_provider_token: str
    center: Actor  # the operator unit itself
    center_token: str
    center_officer: Actor  # inquiries are made by named officers (Art. 19(2))
    agency: Actor
    agency_token: str
    org_id: int
    other_org_id: int
    records: dict[str, int]


def _unit(s, name: str, kind: str, code: str) -> tuple[Actor, str, Actor]:
    unit, token = units.add_unit(s, name=name, kind=kind, uscc=code, published_on=TODAY, actor=CONSOLE)
    officer, _ = units.add_officer(s, unit=unit, staff_no=f"{kind[:3].upper()}-001", name="李四", items=None,
                                   purposes=None, expires_at=None, actor=CONSOLE)
    return (units.actor_for(unit), token,
            Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer=officer.staff_no,
                  officer_id=officer.id))


@pytest.fixture
def world(engine, tmp_path) -> World:
    provider, provider_token = add_provider(engine)
    other, other_token = add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    rows = [
        cf_row(1, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2024〕11号", CF_NR="罚款人民币2000元"),
        cf_row(2, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2024〕12号", CF_JDRQ="2024-03-01"),
        cf_row(3, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2024〕13号", CF_JDRQ="2024-04-01"),
        cf_row(4, CF_XDR_SHXYM=OTHER_ORG_USCC, CF_WSH="沪罚〔2024〕14号"),
    ]
    assert run_file(engine, provider, tmp_path, to_csv(rows, CF_COLUMNS)).accepted == 4
    theirs = [cf_row(5, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2024〕15号", CF_CFJGDM=OTHER_PROVIDER_USCC)]
    assert run_file(engine, other, tmp_path, to_csv(theirs, CF_COLUMNS), name="other.csv").accepted == 1
    with session_scope(engine) as s:
        ids = {r.doc_no: r.id for r in s.query(Record)}
        org_id = s.query(Subject.id).filter(Subject.identifier == ORG_USCC).scalar()
        other_org_id = s.query(Subject.id).filter(Subject.identifier == OTHER_ORG_USCC).scalar()
        center, center_token, center_officer = _unit(s, "上海市公共信用信息服务中心", "operator", CENTER_USCC)
        agency, agency_token, _ = _unit(s, "上海某信用评估有限公司", "credit-service", AGENCY_USCC)
    return World(provider, provider_token, other, other_token, center, center_token, center_officer,
                 agency, agency_token, org_id, other_org_id,
                 {"a": ids["沪罚〔2024〕11号"], "b": ids["沪罚〔2024〕12号"], "c": ids["沪罚〔2024〕13号"],
                  "foreign": ids["沪罚〔2024〕14号"], "other_provider": ids["沪罚〔2024〕15号"]})


def subject_token(engine, subject_id: int) -> str:
    with session_scope(engine) as s:
        return issue_subject_token(s, s.get(Subject, subject_id))


@pytest.fixture
def pin(monkeypatch):
    """Pin the clock to a day (YYYY-MM-DD) at a time of day (Asia/Shanghai; 10:00 unless given)."""
    def set_day(day: str, at: str = "10:00:00") -> None:
        monkeypatch.setenv("XINYONG_TODAY", f"{day}T{at}")
    return set_day


@pytest.fixture
def empty_calendar_dir(tmp_path, monkeypatch) -> Path:
    """A calendar directory of this test's own, with no operator year files."""
    directory = tmp_path / "calendar"
    monkeypatch.setenv("XINYONG_CALENDAR_DIR", str(directory))
    calendar.reset_cache()
    yield directory
    calendar.reset_cache()
