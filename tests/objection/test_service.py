"""Objections end to end on both databases: every path, the deadlines on the official calendar, the
marker, the Center's case, refusals with their articles, and the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from xinyong import deletion
from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.errors import DomainError, RuleViolation
from xinyong.inquiry import service as inquiry
from xinyong.law import calendar
from xinyong.law.errors import UnknownCalendarYear
from xinyong.models import AuditEvent, Record, RecordHistory
from xinyong.objection import service

from .conftest import EXAMPLE_2027, ORG_USCC


def _file(engine, w, *records, kind="error", to=None, actor=None):
    with session_scope(engine) as s:
        obj = service.file(s, actor=actor or Actor(role="subject", subject_id=w.org_id), subject_id=w.org_id,
                           kind=kind, reason="处罚金额记载错误", evidence=["沪罚〔2024〕11号决定书复印件"],
                           record_ids=[w.records[r] for r in records], to_uscc=to, channel="api")
        return service.number_of(obj)


def _view(engine, number):
    with session_scope(engine) as s:
        return service.view(s, service.get(s, number))


def _step(view, name):
    return next(st for st in view["steps"] if st["step"] == name)


def _marker(engine, record_id):
    with session_scope(engine) as s:
        return s.get(Record, record_id).objection_open


def _self_view_markers(engine, w, record_id):
    with session_scope(engine) as s:
        ans = inquiry.inquire(s, actor=Actor(role="subject", subject_id=w.org_id), subject_id=w.org_id,
                              channel="api")
    return next((r["markers"] for r in ans.records if r["id"] == record_id), None)


def _center_case(engine, w, case_no):
    with session_scope(engine) as s:
        return inquiry.inquire(s, actor=w.center_officer, subject_id=w.org_id, case_no=case_no, channel="cli")


@pytest.mark.article("Art. 36.2(1)")
@pytest.mark.article("Art. 36.2")
def test_center_own_scope_corrected_with_history_markers_and_case(engine, world, pin):
    w = world
    pin("2025-09-30")  # a Tuesday, the day before National Day 2025 (Oct 1–8 off; Sat Oct 11 worked)
    number = _file(engine, w, "a")
    assert number == f"YY-2025-{int(number[-6:]):06d}"
    # From filing the record is served "under objection", to its subject as to anyone else.
    assert _marker(engine, w.records["a"]) is True
    assert _self_view_markers(engine, w, w.records["a"]) == ["under_objection"]
    # The Center may inquire into this objection's records, under its number, while open — and beyond them
    # sees only what the public sees (the decision is monotone over public visibility).
    ans = _center_case(engine, w, number)
    from xinyong.auth import PUBLIC
    from xinyong.inquiry import service as inquiries
    with session_scope(engine) as s:
        public = {r["id"] for r in inquiries.inquire(s, actor=PUBLIC, subject_id=ans.subject["id"],
                                                     channel="portal").records}
    assert ans.allowed and w.records["a"] in {r["id"] for r in ans.records}
    assert {r["id"] for r in ans.records} - {w.records["a"]} <= public
    with session_scope(engine) as s:
        service.note(s, objection=number, actor=CONSOLE, path="center")
    v = _view(engine, number)
    # note: within 1 working day of 09-30 (not counted): Oct 1–8 are holidays → 1st working day 10-09
    assert _step(v, "note")["due_on"] == "2025-10-09" and _step(v, "note")["done_on"] == "2025-09-30"
    assert _step(v, "note")["basis"] == {"parameter": "objection.center.note_working_days", "value": 1,
                                         "article": "Art. 36.2", "kind": "regulation", "note": None}
    # decide: 5 working days of receipt: 10-09 (1), 10-10 (2), Sat 10-11 in lieu (3), 10-13 (4), 10-14 (5)
    assert _step(v, "decide")["due_on"] == "2025-10-14"
    assert _step(v, "decide")["basis"]["parameter"] == "objection.center.decide_working_days"
    assert _step(v, "decide")["basis"]["article"] == "Art. 36.2(1)"
    pin("2025-10-11")
    with session_scope(engine) as s:
        service.decide(s, objection=number, actor=w.center, outcome="corrected", document="沪信用异议〔2025〕1号",
                       reason="平台归集时金额转换错误", changes={"content": "罚款人民币200元", "fine_wan": "0.02"})
    v = _view(engine, number)
    assert v["status"] == "closed" and v["decision"]["outcome"] == "corrected"
    assert v["decision"]["information_source"].startswith("上海市测试监督管理局")
    with session_scope(engine) as s:
        rec = s.get(Record, w.records["a"])
        assert rec.version == 2 and rec.content["content"] == "罚款人民币200元" and not rec.objection_open
        assert str(rec.amount_yuan) == "200.00"
        hist = s.scalars(select(RecordHistory).where(RecordHistory.record_id == rec.id)).all()
        assert [(h.action, h.document) for h in hist] == [(service.CORRECT_ACTION, "沪信用异议〔2025〕1号")]
        assert hist[0].previous_content["content"] == "罚款人民币2000元"
    assert _self_view_markers(engine, w, w.records["a"]) == []
    # Closed: no longer a case of the Center.
    ans = _center_case(engine, w, number)
    assert not ans.allowed and ans.article == "Art. 20(1)"
    # The objector's inbox shows the outcome, its reasons and the source.
    with session_scope(engine) as s:
        mine = service.inbox(s, actor=Actor(role="subject", subject_id=w.org_id))
    assert mine[0]["number"] == number and mine[0]["decision"]["reasons"] == "平台归集时金额转换错误"


@pytest.mark.article("Art. 36.2(2)")
@pytest.mark.parametrize("outcome", ["corrected", "upheld", "deleted"])
def test_provider_scope_transferred_and_decided_by_the_provider(engine, world, pin, outcome):
    w = world
    pin("2025-09-30")
    number = _file(engine, w, "a", "b")
    with session_scope(engine) as s:
        service.note(s, objection=number, actor=w.center, path="provider")
    v = _view(engine, number)
    # transfer: 2 working days of receipt 09-30: 10-09 (1), 10-10 (2)
    assert _step(v, "transfer")["due_on"] == "2025-10-10"
    assert _step(v, "transfer")["basis"]["article"] == "Art. 36.2(2)"
    pin("2025-10-09")
    with session_scope(engine) as s:
        service.transfer(s, objection=number, actor=CONSOLE)
    v = _view(engine, number)
    assert v["handler"]["uscc"] == w.provider.unit_uscc
    # The provider's 5 working days run from the day it received the transfer (10-09, not counted):
    # 10-10 (1), Sat 10-11 in lieu (2), 10-13 (3), 10-14 (4), 10-15 (5)
    dec = _step(v, "provider-decide")
    assert (dec["due_on"], dec["start_on"], dec["party"]) == ("2025-10-15", "2025-10-09", "provider")
    assert dec["basis"]["parameter"] == "objection.provider.decide_working_days"
    # While transferred the Center may still inquire under the case; the marker stays.
    assert _center_case(engine, w, number).allowed
    pin("2025-10-13")
    kw = {"changes": {"content": "罚款人民币200元", "fine_wan": "0.02"}} if outcome == "corrected" else {}
    with session_scope(engine) as s:
        service.decide(s, objection=number, actor=w.provider, outcome=outcome, document="沪市监复〔2025〕9号",
                       reason="经复核" + ("原决定无误" if outcome == "upheld" else "予以处理"), **kw)
    v = _view(engine, number)
    assert v["status"] == "decided" and v["decision"]["decided_by"] == "provider"
    # informing the objector "promptly": the platform's policy (1 working day), not a regulation number
    inform = _step(v, "inform")
    assert inform["due_on"] == "2025-10-14"
    assert inform["basis"] == {"parameter": "objection.center.inform_working_days", "value": 1,
                               "article": "Art. 36.2(2)", "kind": "platform-policy",
                               "note": service.INFORM_NOTE}
    # The objector does not see the outcome until the Center tells it.
    with session_scope(engine) as s:
        assert service.inbox(s, subject_id=w.org_id)[0]["decision"] is None
        assert _marker(engine, w.records["a"]) is True
        service.inform(s, objection=number, actor=w.center)
    v = _view(engine, number)
    assert v["status"] == "closed"
    with session_scope(engine) as s:
        seen = service.inbox(s, subject_id=w.org_id)[0]["decision"]
        rec = s.get(Record, w.records["a"])
        assert seen["outcome"] == outcome and seen["informed_on"] == "2025-10-13"
        assert not rec.objection_open
        if outcome == "corrected":
            assert rec.version == 2 and rec.content["content"] == "罚款人民币200元"
        elif outcome == "upheld":
            assert rec.version == 1 and rec.status == "active"
        else:
            assert rec.status == "revoked"
            report = deletion.purge(s, actor=CONSOLE)
            assert [d["record_id"] for d in report.deleted] == [w.records["a"], w.records["b"]]
    if outcome == "deleted":
        with session_scope(engine) as s:
            assert s.get(Record, w.records["a"]) is None
    assert not _center_case(engine, w, number).allowed


@pytest.mark.article("Art. 36.3")
def test_credit_service_establishment_decides_with_reasons_and_source(engine, world, pin):
    w = world
    pin("2025-09-30")
    number = _file(engine, w, "c", to=w.agency.unit_uscc)
    v = _view(engine, number)
    assert v["addressee"] == "credit-service" and _step(v, "note")["party"] == "credit-service"
    assert _step(v, "note")["basis"]["parameter"] == "objection.credit_service.note_working_days"
    assert _marker(engine, w.records["c"]) is True
    # The Center does not handle it, nor note it: the establishment does.
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        service.note(s, objection=number, actor=CONSOLE, path="center")
    assert exc.value.article == "Art. 36.3"
    # Not a Center case: the Center cannot inquire under it.
    assert not _center_case(engine, w, number).allowed
    with session_scope(engine) as s:
        service.note(s, objection=number, actor=w.agency)
    # decide: 7 working days of 09-30: 10-09, 10-10, 10-11 (Sat, in lieu), 10-13, 10-14, 10-15, 10-16
    assert _step(_view(engine, number), "decide")["due_on"] == "2025-10-16"
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        service.decide(s, objection=number, actor=w.agency, outcome="upheld", document="某评估〔2025〕3号",
                       reason="", information_source="上海市公共信用信息服务平台")
    assert exc.value.article == "Art. 36.3" and exc.value.field == "reason"
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        service.decide(s, objection=number, actor=w.agency, outcome="upheld", document="某评估〔2025〕3号",
                       reason="信息与来源一致")
    assert exc.value.article == "Art. 36.3" and exc.value.field == "information_source"
    with session_scope(engine) as s:
        service.decide(s, objection=number, actor=w.agency, outcome="upheld", document="某评估〔2025〕3号",
                       reason="信息与来源一致", information_source="上海市公共信用信息服务平台")
    v = _view(engine, number)
    assert v["status"] == "closed"
    assert v["decision"]["information_source"] == "上海市公共信用信息服务平台"
    assert v["decision"]["reasons"] == "信息与来源一致"
    assert _marker(engine, w.records["c"]) is False


@pytest.mark.article("Art. 36.1")
def test_omission_without_records_resolved(engine, world, pin):
    w = world
    pin("2025-06-16")
    number = _file(engine, w, kind="omission", actor=CONSOLE)
    with session_scope(engine) as s:
        service.note(s, objection=number, actor=CONSOLE, path="center")
        with pytest.raises(DomainError) as exc:
            service.decide(s, objection=number, actor=CONSOLE, outcome="corrected", document="d", reason="r")
        assert exc.value.article == "Art. 36.2(1)" and exc.value.field == "outcome"
    with session_scope(engine) as s:
        service.decide(s, objection=number, actor=CONSOLE, outcome="resolved", document="沪信用〔2025〕2号",
                       reason="已补充归集表彰信息")
    v = _view(engine, number)
    assert (v["status"], v["decision"]["outcome"], v["records"]) == ("closed", "resolved", [])
    # an omission cannot go the provider's way without a record naming the provider
    number2 = _file(engine, w, kind="omission")
    with session_scope(engine) as s:
        service.note(s, objection=number2, actor=CONSOLE, path="provider")
        with pytest.raises(RuleViolation) as exc:
            service.transfer(s, objection=number2, actor=CONSOLE)
    assert exc.value.article == "Art. 36.2(2)"


@pytest.mark.article("Art. 36.1")
def test_filing_refusals(engine, world):
    w = world
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation) as exc:  # another subject's record
            service.file(s, actor=Actor(role="subject", subject_id=w.org_id), subject_id=w.org_id, kind="error",
                         reason="不是我的", record_ids=[w.records["foreign"]], channel="api")
        assert exc.value.article == "Art. 36.1" and exc.value.status == 403
        with pytest.raises(RuleViolation) as exc:
            service.file(s, actor=CONSOLE, subject_id=w.org_id, kind="error", reason=" ",
                         record_ids=[w.records["a"]], channel="cli")
        assert exc.value.article == "Art. 36.1" and exc.value.field == "reason"
        with pytest.raises(RuleViolation) as exc:  # addressed to a unit that is not an establishment
            service.file(s, actor=CONSOLE, subject_id=w.org_id, kind="error", reason="r",
                         record_ids=[w.records["a"]], to_uscc=w.provider.unit_uscc, channel="cli")
        assert exc.value.article == "Art. 36.3"
        with pytest.raises(DomainError) as exc:
            service.file(s, actor=CONSOLE, subject_id=w.org_id, kind="gossip", reason="r", channel="cli")
        assert exc.value.article == "Art. 36.1"
    assert _marker(engine, w.records["foreign"]) is False


@pytest.mark.article("Art. 36.2")
@pytest.mark.article("Art. 36.2(2)")
def test_wrong_party_and_out_of_order_refused(engine, world, pin):
    w = world
    number = _file(engine, w, "a")
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation) as exc:  # deciding before noting
            service.decide(s, objection=number, actor=CONSOLE, outcome="upheld", document="d", reason="r")
        assert exc.value.article == "Art. 36.2"
        with pytest.raises(RuleViolation) as exc:  # the provider, before any transfer
            service.decide(s, objection=number, actor=w.provider, outcome="upheld", document="d", reason="r")
        assert exc.value.article == "Art. 36.2"
        with pytest.raises(RuleViolation) as exc:  # a providing unit cannot note
            service.note(s, objection=number, actor=w.provider, path="provider")
        assert exc.value.article == "Art. 36.2" and exc.value.status == 403
        with pytest.raises(RuleViolation) as exc:  # transfer before noting
            service.transfer(s, objection=number, actor=CONSOLE)
        assert exc.value.article == "Art. 36.2"
    with session_scope(engine) as s:
        service.note(s, objection=number, actor=CONSOLE, path="provider")
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation) as exc:  # the Center may not decide the provider's scope
            service.decide(s, objection=number, actor=CONSOLE, outcome="upheld", document="d", reason="r")
        assert exc.value.article == "Art. 36.2(2)"
        with pytest.raises(RuleViolation) as exc:  # nor the provider before the transfer
            service.decide(s, objection=number, actor=w.provider, outcome="upheld", document="d", reason="r")
        assert exc.value.article == "Art. 36.2(2)"
        with pytest.raises(RuleViolation) as exc:  # inform before any decision
            service.inform(s, objection=number, actor=CONSOLE)
        assert exc.value.article == "Art. 36.2(2)"
        service.transfer(s, objection=number, actor=CONSOLE)
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation) as exc:  # a unit it was not transferred to
            service.decide(s, objection=number, actor=w.other_provider, outcome="upheld", document="d",
                           reason="r")
        assert exc.value.article == "Art. 36.2(2)" and exc.value.status == 403
        with pytest.raises(RuleViolation) as exc:  # the establishment has nothing to do with it
            service.decide(s, objection=number, actor=w.agency, outcome="upheld", document="d", reason="r")
        assert exc.value.article == "Art. 36.2(2)"
        with pytest.raises(RuleViolation) as exc:  # upheld without written reasons
            service.decide(s, objection=number, actor=w.provider, outcome="upheld", document="d", reason="")
        assert exc.value.article == "Art. 36.2(2)" and exc.value.field == "reason"
        service.decide(s, objection=number, actor=w.provider, outcome="upheld", document="d", reason="无误")
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:  # only the Center informs
        service.inform(s, objection=number, actor=w.provider)
    assert exc.value.article == "Art. 36.2(2)"


@pytest.mark.article("Art. 36.2(2)")
def test_records_of_two_providers_cannot_be_transferred_to_one(engine, world):
    number = _file(engine, world, "a", "other_provider")
    with session_scope(engine) as s:
        service.note(s, objection=number, actor=CONSOLE, path="provider")
        with pytest.raises(RuleViolation) as exc:
            service.transfer(s, objection=number, actor=CONSOLE)
    assert exc.value.article == "Art. 36.2(2)" and "more than one providing unit" in exc.value.message


@pytest.mark.article("Art. 36.2")
def test_receipt_on_a_holiday_or_rest_day_is_not_counted(engine, world, pin):
    w = world
    pin("2025-10-01")  # National Day: the day of receipt never counts, holiday or not
    first = _file(engine, w, "a")
    # 10-02 … 10-08 are holidays: the 1st working day after 10-01 is Thu 10-09
    assert _step(_view(engine, first), "note")["due_on"] == "2025-10-09"
    pin("2025-09-27")  # a Saturday off; Sunday 09-28 is an in-lieu working day
    second = _file(engine, w, "b")
    assert _step(_view(engine, second), "note")["due_on"] == "2025-09-28"
    with session_scope(engine) as s:
        service.note(s, objection=second, actor=CONSOLE, path="center")
    # 5 working days after Sat 09-27: Sun 09-28 (1), 09-29 (2), 09-30 (3), 10-09 (4), 10-10 (5)
    assert _step(_view(engine, second), "decide")["due_on"] == "2025-10-10"
    # A record covered by two open objections keeps its marker until both are closed.
    third = _file(engine, w, "b")
    with session_scope(engine) as s:
        service.decide(s, objection=second, actor=CONSOLE, outcome="upheld", document="d", reason="无误")
    assert _marker(engine, w.records["b"]) is True
    with session_scope(engine) as s:
        service.note(s, objection=third, actor=CONSOLE, path="center")
        service.decide(s, objection=third, actor=CONSOLE, outcome="upheld", document="d", reason="无误")
    assert _marker(engine, w.records["b"]) is False


@pytest.mark.article("Art. 36.2")
def test_overdue_listing(engine, world, pin):
    w = world
    pin("2025-09-30")
    late = _file(engine, w, "a")
    on_time = _file(engine, w, "b")
    with session_scope(engine) as s:
        service.note(s, objection=on_time, actor=CONSOLE, path="provider")
    pin("2025-10-09")  # the note's last day: not yet overdue
    with session_scope(engine) as s:
        assert service.overdue(s) == []
    pin("2025-10-13")
    with session_scope(engine) as s:
        rows = service.overdue(s)
    assert [(r["objection"], r["step"], r["party"], r["due_on"], r["basis"]["parameter"], r["basis"]["article"])
            for r in rows] == [
        (late, "note", "center", "2025-10-09", "objection.center.note_working_days", "Art. 36.2"),
        (on_time, "transfer", "center", "2025-10-10", "objection.center.transfer_working_days", "Art. 36.2(2)"),
    ]
    # Noting it late: the step is done, the lateness stays visible.
    with session_scope(engine) as s:
        service.note(s, objection=late, actor=CONSOLE, path="center")
        assert [r["objection"] for r in service.overdue(s)] == [on_time]
    assert _step(_view(engine, late), "note")["late"] is True


@pytest.mark.article("Art. 36.2")
def test_unknown_calendar_year_refuses_the_step_until_the_year_is_added(engine, world, pin, empty_calendar_dir):
    w = world
    pin("2026-12-30")
    number = _file(engine, w, "a")  # note due 2026-12-31: the package knows 2026
    assert _step(_view(engine, number), "note")["due_on"] == "2026-12-31"
    with session_scope(engine) as s, pytest.raises(UnknownCalendarYear) as exc:
        service.note(s, objection=number, actor=CONSOLE, path="center")
    assert exc.value.year == 2027 and "xinyong law calendar add" in exc.value.message
    assert _view(engine, number)["status"] == "filed"  # nothing half-done
    assert _marker(engine, w.records["a"]) is True  # the marker stays (fails closed)
    calendar.add_year_file(EXAMPLE_2027)  # an EXAMPLE year file (not an official notice)
    with session_scope(engine) as s:
        service.note(s, objection=number, actor=CONSOLE, path="center")
    # 5 working days after 2026-12-30: 12-31 (1); example 2027: Jan 1–3 off → 01-04 (2), 01-05 (3),
    # 01-06 (4), 01-07 (5)
    assert _step(_view(engine, number), "decide")["due_on"] == "2027-01-07"
    assert date(2027, 1, 7).weekday() == 3


def test_every_step_is_audited_without_personal_data(engine, world):
    w = world
    number = _file(engine, w, "a")
    with session_scope(engine) as s:
        service.note(s, objection=number, actor=CONSOLE, path="provider")
        service.transfer(s, objection=number, actor=CONSOLE)
        service.decide(s, objection=number, actor=w.provider, outcome="upheld", document="d", reason="原决定无误")
        service.inform(s, objection=number, actor=CONSOLE)
    with session_scope(engine) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "objection",
                                                    AuditEvent.action.like("objection:%"))  # not row events
                           .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["objection:file", "objection:note", "objection:transfer",
                                          "objection:decide", "objection:inform"]
    assert {e.subject_id for e in events} == {w.org_id}
    text = repr([e.details for e in events])
    for personal in ("处罚金额记载错误", "决定书复印件", "原决定无误", ORG_USCC):
        assert personal not in text
    assert events[0].details["number"] == number and events[0].details["due"]["due_on"]
