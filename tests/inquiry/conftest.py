"""A small world for inquiry tests: units of every kind, an organization and a person with records
in every state (within and past the 5-year period, restored, revoked, under objection)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import update

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.models import Record, Subject
from xinyong.unit import service as units

from ..factories import CF_COLUMNS, PROVIDER_USCC, cf_row, person_cf_row, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file
from ..helpers import issue_subject_token

ORG_USCC = uscc(424242)
PERSON_BIRTH = date(1985, 3, 7)


@dataclass
class World:
    organ: Actor
    organ_token: str
    court: Actor
    court_token: str
    agency: Actor
    agency_token: str
    operator: Actor
    supervisor: Actor
    supervisor_token: str
    org_id: int
    person_id: int
    person_ric: str
    records: dict[str, int]  # label -> record id


def _unit(s, name, kind, code, **kw):
    """A unit and one officer of it: inquiries are made by named officers (Art. 19(2))."""
    unit, unit_token = units.add_unit(s, name=name, kind=kind, uscc=code, published_on=TODAY, actor=CONSOLE, **kw)
    officer, token = units.add_officer(s, unit=unit, staff_no=f"{kind[:3].upper()}-001", name="张三",
                                       items=None, purposes=None, expires_at=None, actor=CONSOLE)
    return Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer=officer.staff_no,
                 officer_id=officer.id, unit_subkind=unit.subkind, mandate=unit.mandate is not None), token


@pytest.fixture
def world(engine, tmp_path) -> World:
    provider, _ = add_provider(engine)
    rows = [
        cf_row(1, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2024〕1号"),                       # current
        cf_row(2, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2019〕2号", CF_JDRQ="2019-03-01"),  # past 5 years
        cf_row(3, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2023〕3号", CF_JDRQ="2023-01-10"),  # to restore
        cf_row(4, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2023〕4号", CF_JDRQ="2023-02-10"),  # to revoke
        cf_row(5, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2024〕5号", CF_JDRQ="2024-02-10"),  # objection
    ]
    person = person_cf_row(6, PERSON_BIRTH, CF_WSH="沪罚〔2024〕6号")
    assert run_file(engine, provider, tmp_path, to_csv([*rows, person], CF_COLUMNS)).accepted == 6
    arrears = to_csv([{
        "catalog_item": "arrears", "subject_name": "上海测试贸易有限公司", "subject_id": ORG_USCC,
        "doc_no": "沪税〔2024〕7号", "doc_date": "2024-04-01", "doc_org": "国家税务总局上海市税务局",
        "content": "欠缴增值税", "amount_yuan": "12000",
    }])
    assert run_file(engine, provider, tmp_path, arrears, name="arrears.csv").accepted == 1
    with session_scope(engine) as s:
        ids = {r.doc_no: r.id for r in s.query(Record)}
        s.execute(update(Record).where(Record.id == ids["沪罚〔2023〕3号"]).values(status="restored"))
        s.execute(update(Record).where(Record.id == ids["沪罚〔2023〕4号"]).values(status="revoked"))
        s.execute(update(Record).where(Record.id == ids["沪罚〔2024〕5号"]).values(objection_open=True))
        org_id = s.query(Subject.id).filter(Subject.identifier == ORG_USCC).scalar()
        person_id = s.query(Subject.id).filter(Subject.kind == "natural_person").scalar()
        organ, organ_token = _unit(s, "上海市某区人民政府办公室", "administrative", uscc(1, prefix="11310000"),
                                   inquires=["penalty", "arrears"], purposes=["permit"])
        court, court_token = _unit(s, "上海市第一中级人民法院", "judicial", uscc(2, prefix="11310000"),
                                   subkind="court")
        agency, agency_token = _unit(s, "上海某信用评估有限公司", "credit-service", uscc(3))
        operator, _ = _unit(s, "上海市公共信用信息服务中心", "operator", uscc(4, prefix="12310000"))
        supervisor, supervisor_token = _unit(s, "上海市发展和改革委员会", "supervisor", uscc(5, prefix="11310000"))
    return World(organ, organ_token, court, court_token, agency, agency_token, operator, supervisor,
                 supervisor_token, org_id, person_id, person["CF_XDR_ZJHM"],
                 {"current": ids["沪罚〔2024〕1号"], "expired": ids["沪罚〔2019〕2号"],
                  "restored": ids["沪罚〔2023〕3号"], "revoked": ids["沪罚〔2023〕4号"],
                  "objection": ids["沪罚〔2024〕5号"], "person": ids["沪罚〔2024〕6号"],
                  "arrears": ids["沪税〔2024〕7号"]})


def subject_token(engine, subject_id: int) -> str:
    with session_scope(engine) as s:
        return issue_subject_token(s, s.get(Subject, subject_id))
