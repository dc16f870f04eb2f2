"""The workflows that change bound rows by bulk statements (objection markers, purges, report rewrites,
replaced inquiry lists) leave the log able to account for every row, on both databases; and a bulk insert
into a bound table that would leave none is refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select, update

from xinyong import deletion
from xinyong.audit import binding
from xinyong.audit import seal as sealing
from xinyong.audit.verify import verify
from xinyong.auth import Actor
from xinyong.db import session_scope
from xinyong.listing import service as listing
from xinyong.measure import service as measures
from xinyong.models import AuditEvent, ListEntry, ListEntryPerson, ListRemedy, Objection, Record
from xinyong.objection import service as objections
from xinyong.report import service as reports

from ..inquiry.conftest import ORG_USCC, world  # noqa: F401
from ..measure.conftest import RESPONSIBLE_RIC, joint, name_list  # noqa: F401
from .test_coverage import caught, raw, rows_of

pytestmark = pytest.mark.article("Art. 20(2)")


def _ok(engine):
    report = verify(engine)
    assert report.ok, report.problems
    return report


@pytest.mark.article("Art. 36")
def test_objection_markers_set_and_cleared_by_bulk_updates_are_bound(engine, joint):  # noqa: F811
    w = joint.w
    rid = w.records["current"]
    with session_scope(engine) as s:
        obj = objections.file(s, actor=Actor(role="subject", subject_id=w.org_id), subject_id=w.org_id,
                              kind="error", reason="金额错误", evidence=["凭证"], record_ids=[rid], channel="api")
        number = objections.number_of(obj)
    with session_scope(engine) as s:
        assert s.get(Record, rid).objection_open is True  # set by ``update(Record)`` in the service
    _ok(engine)
    with session_scope(engine) as s:
        objections.note(s, objection=number, actor=w.operator, path="center")
    with session_scope(engine) as s:
        objections.decide(s, objection=number, actor=w.operator, outcome="upheld", document="沪信用异议〔2025〕1号",
                          reason="原记录无误")
    with session_scope(engine) as s:
        assert s.get(Record, rid).objection_open is False  # cleared by ``_close``'s bulk update
    sealing.seal(engine)
    _ok(engine)
    # the marker put back by SQL: the record is no longer the row its last event recorded
    raw(engine, update(Record.__table__).where(Record.__table__.c.id == rid).values(objection_open=True))
    report = verify(engine)
    assert any(p.kind == "record-altered" and p.record_id == rid for p in report.problems), report.problems
    raw(engine, update(Record.__table__).where(Record.__table__.c.id == rid).values(objection_open=False))
    # the objection's decision rewritten by SQL
    with session_scope(engine) as s:
        oid = s.scalar(select(Objection.id))
    raw(engine, update(Objection.__table__).where(Objection.__table__.c.id == oid).values(outcome="corrected"))
    last = max(e.id for e in _events(engine) if e.object_type == "objection" and e.action.startswith("row:")
               and e.object_id == str(oid))
    caught(engine, "row-altered", table="objection", key=str(oid), event_id=last)


def _events(engine):
    with session_scope(engine) as s:
        return s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


@pytest.mark.article("Art. 37")
@pytest.mark.article("Art. 25.3")
def test_a_list_entry_purged_with_its_persons_remedies_and_copies_is_bound(engine, joint):  # noqa: F811
    """The purge deletes the entry's persons and remedies by bulk statements, the entry by the ORM, and
    rewrites the applications and reports that cited it: every one of those rows is accounted for."""
    w = joint.w
    with session_scope(engine) as s:
        chk = measures.check(s, actor=w.organ, subjects_raw=[ORG_USCC, RESPONSIBLE_RIC], context="permit",
                             channel="api")
        measures.apply(s, check_id=chk["check_id"], measure="R-MARKET", subject=ORG_USCC,
                       document="沪府许〔2025〕2号", actor=w.organ)
    with session_scope(engine) as s:
        reports.issue(s, actor=Actor(role="subject", subject_id=w.org_id))
    with session_scope(engine) as s:
        rem = listing.apply_remedy(s, entry_id=joint.entry_id, reason="处罚决定已被撤销",
                                   actor=Actor(role="subject", subject_id=w.org_id))
        listing.decide_remedy(s, remedy_id=rem.id, decided_by="court", outcome="revoked",
                              document="(2025)沪01行终1号", actor=w.organ)
    _ok(engine)
    with session_scope(engine) as s:
        assert deletion.purge(s, actor=w.organ).steps["list_entries"].deleted
        assert s.scalar(select(ListEntry.id).where(ListEntry.id == joint.entry_id)) is None
        assert not s.scalars(select(ListEntryPerson.id)).all() and not s.scalars(select(ListRemedy.id)).all()
    sealing.seal(engine)
    _ok(engine)
    deleted = {(e.object_type, e.object_id) for e in _events(engine) if e.action == "row:delete"}
    assert ("list_entry", str(joint.entry_id)) in deleted
    assert {t for t, _k in deleted} >= {"list_entry", "list_entry_person", "list_remedy"}
    rewritten = [e for e in _events(engine) if e.action == "row:update" and e.object_type == "credit_report"]
    assert rewritten  # the report's bulk rewrite (``report.service._rewrite``) is followed by its row event
    # the purged entry put back by SQL
    f = binding.form("list_entry")
    [gone] = [e for e in _events(engine) if e.action == "row:delete" and e.object_type == "list_entry"]
    template = {c.name: None for c in f.table.columns}
    template.update(id=joint.entry_id, list_id=joint.list_id, subject_id=w.org_id, ground="(2)", ground_text="x",
                    document="沪市监〔2025〕9号", decided_on=date(2025, 6, 1), status="listed",
                    created_at=rows_of(engine, "credit_list")[0]["created_at"])
    raw(engine, insert(f.table).values(template))
    caught(engine, "row-inserted", table="list_entry", key=str(joint.entry_id), event_id=gone.id)


@pytest.mark.article("Art. 17.2")
def test_an_inquiry_list_replaced_through_the_orm_is_bound(engine, joint):  # noqa: F811
    """Publishing a new inquiry list replaces the organ's rows (collection cascades delete the old ones)."""
    w = joint.w
    with session_scope(engine) as s:
        name_list(s, w.organ, joint.list_id, purposes=("permit",))
    sealing.seal(engine)
    _ok(engine)
    assert any(e.action == "row:delete" and e.object_type == "unit_inquiry_list" for e in _events(engine))


def test_a_bulk_insert_into_a_bound_table_through_the_session_is_refused(engine, joint):  # noqa: F811
    w = joint.w
    with pytest.raises(binding.UnboundInsert), session_scope(engine) as s:
        s.execute(insert(ListRemedy), [{"entry_id": joint.entry_id, "subject_id": w.org_id, "reason": "x",
                                        "applied_on": date(2025, 6, 16), "status": "pending"}])
    _ok(engine)


def test_rows_written_in_a_rolled_back_transaction_leave_no_event(engine, joint):  # noqa: F811
    w = joint.w
    before = len(_events(engine))
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        listing.apply_remedy(s, entry_id=joint.entry_id, reason="处罚决定已被撤销",
                             actor=Actor(role="subject", subject_id=w.org_id))
        s.flush()
        raise RuntimeError("the unit of work fails")
    assert len(_events(engine)) == before
    # and the next unit of work in a fresh session does not inherit anything
    with session_scope(engine) as s:
        listing.apply_remedy(s, entry_id=joint.entry_id, reason="处罚决定已被撤销",
                             actor=Actor(role="subject", subject_id=w.org_id))
    _ok(engine)
