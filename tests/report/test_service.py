"""Issuing reports on both databases: free count per calendar year, organs' reports, content, purge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from xinyong import deletion
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.models import CreditReport, InquiryLog
from xinyong.record import workflows
from xinyong.report import service

from .conftest import ORG_NAME, ORGAN_NAME, PERSON_NAME, PERSON_RIC, person_actor


def issue_own(engine, world):
    with session_scope(engine) as s:
        issued = service.issue(s, actor=person_actor(world))
    issued.answer.raise_if_denied()
    return issued


def issue_organ(engine, world, purpose="procurement"):
    with session_scope(engine) as s:
        issued = service.issue(s, actor=world.organ, subject=PERSON_RIC, purpose=purpose)
    return issued


def records_of(snapshot) -> dict[int, dict]:
    return {r["id"]: r for s in snapshot["sections"] for g in s["groups"] for r in g["records"]}


@pytest.mark.article("Art. 34.2")
def test_third_report_of_a_year_is_chargeable_and_the_next_years_first_is_free(engine, world, monkeypatch):
    monkeypatch.setenv("XINYONG_REPORT_FEE_YUAN", "20")
    monkeypatch.setenv("XINYONG_TODAY", "2025-01-01")
    first = issue_own(engine, world).snapshot["charge"]
    monkeypatch.setenv("XINYONG_TODAY", "2025-12-31")
    second = issue_own(engine, world).snapshot["charge"]
    third = issue_own(engine, world).snapshot["charge"]
    monkeypatch.setenv("XINYONG_TODAY", "2026-01-01")
    next_year = issue_own(engine, world).snapshot["charge"]
    assert [c["counted_free"] for c in (first, second, third, next_year)] == [True, True, False, True]
    assert [c["chargeable"] for c in (first, second, third, next_year)] == [False, False, True, False]
    assert third["fee_yuan"] == "20.00" and third["payer"] == "subject" and third["article"] == "Art. 34.2"
    assert first["fee_yuan"] == "0.00" and first["free"]["per_year"] == 2
    assert next_year["free"]["used_before"] == 0
    with session_scope(engine) as s:
        rows = s.scalars(select(CreditReport).order_by(CreditReport.id)).all()
        assert [r.counted_free for r in rows] == [True, True, False, True]
        assert rows[2].fee_yuan == Decimal("20.00")
        assert len({r.number for r in rows}) == 4


@pytest.mark.article("Art. 34.2")
def test_legal_person_report_is_marked_not_applicable(engine, world, monkeypatch):
    monkeypatch.setenv("XINYONG_REPORT_FEE_YUAN", "35.5")
    from xinyong.auth import Actor

    with session_scope(engine) as s:
        issued = service.issue(s, actor=Actor(role="subject", subject_id=world.org_id))
    ch = issued.snapshot["charge"]
    assert ch["free_rule"] == "not_applicable" and not ch["counted_free"] and ch["fee_yuan"] == "35.50"
    assert issued.snapshot["subject"]["name"] == ORG_NAME


@pytest.mark.article("Art. 41")
def test_organs_procurement_report_names_the_organ_and_is_never_charged_to_the_subject(engine, world,
                                                                                      monkeypatch):
    monkeypatch.setenv("XINYONG_REPORT_FEE_YUAN", "20")
    organ = issue_organ(engine, world)
    organ.answer.raise_if_denied()
    snap = organ.snapshot
    assert snap["requested_by"]["unit"] == ORGAN_NAME
    assert snap["requested_by"]["purpose"]["code"] == "procurement"
    assert snap["charge"]["article"] == "Art. 41"
    assert not snap["charge"]["counted_free"] and not snap["charge"]["chargeable"]
    assert snap["charge"]["payer"] == "organ"
    # Only what the organ's published list and the authorization allow; never the restored record.
    recs = records_of(snap)
    assert world.records["restored"] not in recs
    assert world.records["arrears"] in recs  # authorized item, under the written authorization
    assert snap["inquiries"] is None  # the inquiry record is stated in the subject's own reports
    # The subject's own reports that follow are still its two free ones.
    assert issue_own(engine, world).snapshot["charge"]["counted_free"]
    assert issue_own(engine, world).snapshot["charge"]["counted_free"]
    with session_scope(engine) as s:
        row = s.scalar(select(CreditReport).where(CreditReport.number == organ.number))
        assert (row.counted_free, row.fee_payer, row.requester_unit_id) == (False, "organ", world.organ.unit_id)
        log = s.get(InquiryLog, row.inquiry_id)
        assert (log.channel, log.purpose, log.decision, log.unit_id) == ("report", "procurement", "allow",
                                                                          world.organ.unit_id)


@pytest.mark.article("Art. 17.2")
def test_organs_report_outside_its_published_list_is_refused_with_the_article_and_logged(engine, world):
    issued = issue_organ(engine, world, purpose="tendering")
    assert not issued.answer.allowed and issued.number is None
    with pytest.raises(RuleViolation) as exc:
        issued.answer.raise_if_denied()
    assert exc.value.article == "Art. 17.2"
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(CreditReport)) == 0
        log = s.scalars(select(InquiryLog).order_by(InquiryLog.id.desc())).first()
        assert (log.channel, log.decision, log.purpose) == ("report", "deny", "tendering")


@pytest.mark.article("Art. 34.1")
def test_report_content_sources_history_markers_and_what_is_left_out(engine, world):
    issue_organ(engine, world).answer.raise_if_denied()  # an inquiry the report must list
    snap = issue_own(engine, world).snapshot
    assert snap["issuer"]["zh"] == "上海市公共信用信息服务中心"
    assert snap["subject"]["name"] == PERSON_NAME
    assert snap["subject"]["identifier"] != PERSON_RIC and snap["subject"]["identifier"].startswith(PERSON_RIC[:6])
    recs = records_of(snap)
    cur = recs[world.records["current"]]
    assert cur["document"]["number"] == "沪罚〔2024〕101号"
    assert cur["source"]["unit"] == "上海市测试监督管理局"
    assert [(h["action"], h["reason"], h["document"]) for h in cur["history"]] == [
        ("correct", "罚款金额录入错误", "沪罚更〔2024〕1号")]
    assert cur["history"][0]["fields_changed"] == ["content"]
    restored = recs[world.records["restored"]]
    assert [m["code"] for m in restored["markers"]] == ["restored"]
    assert restored["history"][0]["reason"] == "已履行处罚并完成信用修复"
    assert [m["code"] for m in recs[world.records["objection"]]["markers"]] == ["under_objection"]
    assert world.records["revoked"] not in recs  # Art. 37
    assert world.records["expired"] not in recs  # Art. 35: past its five years
    assert world.records["org"] not in recs  # another subject's
    sections = {s["key"]: s for s in snap["sections"]}
    assert [s["key"] for s in snap["summary"]] == ["administrative", "honours", "lists", "abnormal",
                                                   "commitments", "evaluation", "judicial", "other"]
    assert sections["administrative"]["count"] == 3
    assert {r["id"] for g in sections["honours"]["groups"] for r in g["records"]} == {world.records["commendation"]}
    assert {r["id"] for g in sections["other"]["groups"] for r in g["records"]} == {world.records["arrears"]}
    for empty in ("lists", "abnormal", "evaluation", "commitments", "judicial"):
        assert sections[empty]["count"] == 0 and sections[empty]["none"]["en"] == "none recorded"
    # Art. 34.2: who inquired, when, for what purpose, under which authorization; and the uses.
    organ_rows = [q for q in snap["inquiries"] if q["unit"] == ORGAN_NAME]
    assert len(organ_rows) == 1
    q = organ_rows[0]
    assert q["purpose"] == "procurement" and q["purpose_zh"] == "政府采购" and q["channel"] == "report"
    assert q["authorization"]["id"] == world.authorization_id
    assert q["authorization"]["document"] == "政府采购信用查询授权书 2025-001"
    assert any(q["role"] == "subject" for q in snap["inquiries"])  # this very report
    uses = {u["article"]: u for u in snap["uses"]}
    assert uses["Art. 28.1(2)"]["zh"] == "行政机关用于政府采购" and uses["Art. 28.1(2)"]["count"] == 1


@pytest.mark.article("Art. 34.1")
def test_organisation_judicial_information_is_in_its_section(engine, world):
    from xinyong.auth import Actor

    with session_scope(engine) as s:
        snap = service.issue(s, actor=Actor(role="subject", subject_id=world.org_id)).snapshot
    judicial = next(s for s in snap["sections"] if s["key"] == "judicial")
    assert [r["document"]["number"] for g in judicial["groups"] for r in g["records"]] == ["（2024）沪01执109号"]


@pytest.mark.article("Art. 37")
def test_purge_removes_the_deleted_record_from_stored_reports(engine, world):
    issued = issue_own(engine, world)
    rid = world.records["current"]
    assert rid in records_of(issued.snapshot)
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=rid, document="沪复决〔2025〕9号", decided_by="court", reason="判决撤销",
                         actor=world.provider)
    with session_scope(engine) as s:
        deletion.purge(s, actor=CONSOLE)
    with session_scope(engine) as s:
        snap = service.get(s, issued.number, actor=person_actor(world))
    assert rid not in records_of(snap)
    admin = next(x for x in snap["summary"] if x["key"] == "administrative")
    assert admin["count"] == 2
    assert "沪罚〔2024〕101号" not in str(snap)


def test_another_subject_cannot_read_a_report(engine, world):
    from xinyong.auth import Actor
    from xinyong.errors import NotFound

    number = issue_own(engine, world).number
    with session_scope(engine) as s, pytest.raises(NotFound):
        service.get(s, number, actor=Actor(role="subject", subject_id=world.org_id))
