"""A world for report tests: a natural person and an organization with records in every state (current,
corrected, restored, revoked, past the 5-year period, under objection), an administrative organ with a
published inquiry list for procurement, and the subject's written authorization for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import update

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.inquiry import authorizations
from xinyong.models import Record, Subject
from xinyong.record import workflows
from xinyong.unit import service as units

from ..factories import CF_COLUMNS, cf_row, ric, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file
from ..helpers import issue_subject_token

PERSON_NAME = "李晓明"
PERSON_RIC = ric(date(1985, 3, 7), seq=77)
ORG_USCC = uscc(515151)
ORG_NAME = "上海报告测试贸易有限公司"
ORGAN_NAME = "上海市某区财政局"


@dataclass
class World:
    provider: Actor
    organ: Actor
    organ_token: str
    person_id: int
    person_token: str
    org_id: int
    org_token: str
    records: dict[str, int]
    authorization_id: int


def _person_row(n: int, doc_no: str, doc_date: str, **over) -> dict[str, str]:
    return cf_row(n, CF_XDR_MC=PERSON_NAME, CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证",
                  CF_XDR_ZJHM=PERSON_RIC, CF_WSH=doc_no, CF_JDRQ=doc_date, **over)


@pytest.fixture
def world(engine, tmp_path) -> World:
    provider, _ = add_provider(engine)
    rows = [
        _person_row(1, "沪罚〔2024〕101号", "2024-05-20"),  # current; corrected below
        _person_row(2, "沪罚〔2019〕102号", "2019-03-01"),  # past its 5-year period
        _person_row(3, "沪罚〔2023〕103号", "2023-01-10"),  # restored below
        _person_row(4, "沪罚〔2023〕104号", "2023-02-10"),  # revoked below
        _person_row(5, "沪罚〔2024〕105号", "2024-08-01"),  # under objection
        cf_row(6, CF_XDR_MC=ORG_NAME, CF_XDR_SHXYM=ORG_USCC, CF_WSH="沪罚〔2024〕106号"),
    ]
    assert run_file(engine, provider, tmp_path, to_csv(rows, CF_COLUMNS)).accepted == 6
    general = to_csv([
        {"catalog_item": "arrears", "subject_name": PERSON_NAME, "subject_id": PERSON_RIC,
         "doc_no": "沪税〔2024〕107号", "doc_date": "2024-04-01", "doc_org": "国家税务总局上海市税务局",
         "content": "欠缴个人所得税", "amount_yuan": "3200"},
        {"catalog_item": "commendation", "subject_name": PERSON_NAME, "subject_id": PERSON_RIC,
         "doc_no": "沪奖〔2022〕108号", "doc_date": "2022-12-01", "doc_org": "上海市人民政府",
         "content": "上海市劳动模范", "amount_yuan": ""},
        {"catalog_item": "judgment-default", "subject_name": ORG_NAME, "subject_id": ORG_USCC,
         "doc_no": "（2024）沪01执109号", "doc_date": "2024-09-01", "doc_org": "上海市第一中级人民法院",
         "content": "拒不履行生效判决", "amount_yuan": ""},
    ])
    assert run_file(engine, provider, tmp_path, general, name="general.csv").accepted == 3
    with session_scope(engine) as s:
        ids = {r.doc_no: r.id for r in s.query(Record)}
        person_id = s.query(Subject.id).filter(Subject.kind == "natural_person").scalar()
        org_id = s.query(Subject.id).filter(Subject.identifier == ORG_USCC).scalar()
        workflows.correct(s, record_id=ids["沪罚〔2024〕101号"], changes={"content": "罚款人民币1500元"},
                          reason="罚款金额录入错误", document="沪罚更〔2024〕1号", actor=provider)
        workflows.restore(s, record_id=ids["沪罚〔2023〕103号"], document="沪信修〔2024〕3号",
                          reason="已履行处罚并完成信用修复", actor=provider)
        workflows.revoke(s, record_id=ids["沪罚〔2023〕104号"], document="沪复决〔2024〕4号",
                         decided_by="reconsideration", reason="复议撤销", actor=provider)
        s.execute(update(Record).where(Record.id == ids["沪罚〔2024〕105号"]).values(objection_open=True))
        unit, _ = units.add_unit(s, name=ORGAN_NAME, kind="administrative", uscc=uscc(61, prefix="11310000"),
                                 inquires=["penalty", "arrears", "commendation", "judgment-default"],
                                 purposes=["procurement", "permit"], published_on=TODAY, actor=CONSOLE)
        officer, organ_token = units.add_officer(s, unit=unit, staff_no="CZ-007", name="王五", items=None,
                                                 purposes=None, expires_at=None, actor=CONSOLE)
        organ = Actor(role="administrative", unit_id=unit.id, unit_uscc=unit.uscc, officer="CZ-007",
                      officer_id=officer.id)
        auth = authorizations.grant(s, subject_id=person_id, unit_uscc=unit.uscc, items=["arrears"],
                                    purpose="procurement", valid_from=TODAY, valid_until=date(2025, 12, 31),
                                    document="政府采购信用查询授权书 2025-001", actor=CONSOLE)
        person_token = issue_subject_token(s, s.get(Subject, person_id))
        org_token = issue_subject_token(s, s.get(Subject, org_id))
    return World(provider, organ, organ_token, person_id, person_token, org_id, org_token,
                 {"current": ids["沪罚〔2024〕101号"], "expired": ids["沪罚〔2019〕102号"],
                  "restored": ids["沪罚〔2023〕103号"], "revoked": ids["沪罚〔2023〕104号"],
                  "objection": ids["沪罚〔2024〕105号"], "org": ids["沪罚〔2024〕106号"],
                  "arrears": ids["沪税〔2024〕107号"], "commendation": ids["沪奖〔2022〕108号"],
                  "judgment": ids["（2024）沪01执109号"]}, auth.id)


def person_actor(world: World) -> Actor:
    return Actor(role="subject", subject_id=world.person_id)
