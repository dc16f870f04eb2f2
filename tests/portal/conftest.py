"""A small public world for the portal: an organization with public records in every state, a
non-public arrears record, a government organ, and a natural person whose name looks like a company's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import update

from xinyong.db import session_scope
from xinyong.models import Record, Subject

from ..factories import CF_COLUMNS, cf_row, person_cf_row, to_csv, uscc
from ..helpers import add_provider, run_file


def pytest_collection_modifyitems(items):
    """The portal's tests (pages and browser) run on SQLite in the default suite, and on PostgreSQL in the long
    pass (``-m long``; CI runs both): a page is a thin route over services whose own tests run on both
    databases in the default suite, so the second database mostly repeats the same page (about 70 s)."""
    for item in items:
        if "[postgresql" in item.nodeid and item.nodeid.startswith("tests/portal/"):
            item.add_marker(pytest.mark.long)

ORG_USCC = uscc(515151)
ORG_NAME = "上海门户测试贸易有限公司"
ORGAN_USCC = uscc(616161, prefix="11310000")
ORGAN_NAME = "上海市门户测试区市场监督管理局"
OTHER_NAME = "北京无关科技有限公司"
PERSON_NAME = "门户测试贸易张某"  # contains the company search term: must never be found
PERSON_BIRTH = date(1980, 1, 2)


@dataclass
class PortalWorld:
    org_id: int
    organ_id: int
    person_id: int
    person_ric: str
    records: dict[str, int]  # label -> record id
    docs: dict[str, str]  # label -> document number


DOCS = {
    "current": "沪门罚〔2024〕1号",        # general, 2024-05-20: within 36 months → shown
    "two_years": "沪门罚〔2023〕2号",      # general, 2023-06-16 (2 years before today): shown
    "pre_rule": "沪门罚〔2021〕3号",       # general, 2021-03-01: before the 2023 rule → 36 months, ended 2024-03-01
    "serious": "沪门罚〔2022〕4号",        # serious, 2022-09-01: Order 58 does not grade → general 36 → 2025-09-01
    "restored": "沪门罚〔2024〕5号",
    "revoked": "沪门罚〔2024〕6号",
    "objection": "沪门罚〔2024〕7号",
    "arrears": "沪门税〔2024〕8号",
    "commendation": "沪门奖〔2016〕9号",  # not untrustworthiness: no period, no publicity limit
    "organ": "沪门罚〔2024〕10号",
    "person": "沪门罚〔2024〕11号",
}


@pytest.fixture
def portal_world(engine, tmp_path) -> PortalWorld:
    provider, _ = add_provider(engine)
    org = {"CF_XDR_MC": ORG_NAME, "CF_XDR_SHXYM": ORG_USCC}
    rows = [
        cf_row(1, **org, CF_WSH=DOCS["current"], CF_WFXW="销售过期食品的违法行为"),
        cf_row(2, **org, CF_WSH=DOCS["two_years"], CF_JDRQ="2023-06-16"),
        cf_row(3, **org, CF_WSH=DOCS["pre_rule"], CF_JDRQ="2021-03-01"),
        cf_row(4, **org, CF_WSH=DOCS["serious"], CF_JDRQ="2022-09-01", severity="serious"),
        cf_row(5, **org, CF_WSH=DOCS["restored"], CF_JDRQ="2024-01-10"),
        cf_row(6, **org, CF_WSH=DOCS["revoked"], CF_JDRQ="2024-02-10"),
        cf_row(7, **org, CF_WSH=DOCS["objection"], CF_JDRQ="2024-03-10"),
        cf_row(10, CF_XDR_MC=ORGAN_NAME, CF_XDR_SHXYM=ORGAN_USCC, CF_WSH=DOCS["organ"]),
        cf_row(12, CF_XDR_MC=OTHER_NAME, CF_XDR_SHXYM=uscc(717171), CF_WSH="京罚〔2024〕12号"),
    ]
    person = person_cf_row(11, PERSON_BIRTH, CF_WSH=DOCS["person"]) | {"CF_XDR_MC": PERSON_NAME}
    result = run_file(engine, provider, tmp_path, to_csv([*rows, person], CF_COLUMNS))
    assert result.accepted == len(rows) + 1, result
    general = to_csv([
        {"catalog_item": "arrears", "subject_name": ORG_NAME, "subject_id": ORG_USCC,
         "doc_no": DOCS["arrears"], "doc_date": "2024-04-01", "doc_org": "国家税务总局上海市税务局",
         "content": "欠缴增值税", "amount_yuan": "12000"},
        {"catalog_item": "commendation", "subject_name": ORG_NAME, "subject_id": ORG_USCC,
         "doc_no": DOCS["commendation"], "doc_date": "2016-12-01", "doc_org": "上海市人民政府",
         "content": "上海市文明单位", "amount_yuan": ""},
    ])
    result = run_file(engine, provider, tmp_path, general, name="general.csv")
    assert result.accepted == 2, result
    with session_scope(engine) as s:
        ids = {r.doc_no: r.id for r in s.query(Record)}
        s.execute(update(Record).where(Record.id == ids[DOCS["restored"]]).values(status="restored"))
        s.execute(update(Record).where(Record.id == ids[DOCS["revoked"]]).values(status="revoked"))
        s.execute(update(Record).where(Record.id == ids[DOCS["objection"]]).values(objection_open=True))
        org_id = s.query(Subject.id).filter(Subject.name == ORG_NAME).scalar()
        organ_id = s.query(Subject.id).filter(Subject.name == ORGAN_NAME).scalar()
        person_id = s.query(Subject.id).filter(Subject.kind == "natural_person").scalar()
    return PortalWorld(org_id, organ_id, person_id, person["CF_XDR_ZJHM"],
                       {label: ids[doc] for label, doc in DOCS.items()}, dict(DOCS))
