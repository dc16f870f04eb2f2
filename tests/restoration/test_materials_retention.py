"""Materials retention (Art. 36, Art. 38; PIPL Art. 19): the stored evidence and restoration files are
deleted once every row naming them is past its period, files no row names after a day, and an Art. 37 purge
takes the evidence files of the objections against the deleted record — nothing else."""

from __future__ import annotations

import io
import os
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from xinyong import deletion
from xinyong.auth import CONSOLE
from xinyong.clock import TZ
from xinyong.db import session_scope
from xinyong.law import parameters
from xinyong.models import AuditEvent, Objection, RestorationApplication
from xinyong.objection import service as objections
from xinyong.record import workflows
from xinyong.restoration import materials
from xinyong.unit import service as units

from ..factories import PROVIDER_USCC
from ..portal.conftest import portal_world  # noqa: F401

CLOSED_ON = date(2025, 1, 10)
DAYS = 180  # the parameters' value, checked below


def _store(content: bytes, stored_on: date) -> dict:
    m = materials.store(io.BytesIO(content), "证明.pdf")
    moment = datetime.combine(stored_on, time(12), TZ).timestamp()
    os.utime(materials.folder() / m["sha256"], (moment, moment))
    return m


def _objection(s, world, stored: list[dict], *, record_ids=(), closed_on: date | None = None) -> int:
    obj = objections.file(s, actor=CONSOLE, subject_id=world.person_id, kind="error" if record_ids else "omission", reason="信息有误",
                          evidence=[materials.as_evidence(m) for m in stored], record_ids=record_ids,
                          channel="cli")
    if closed_on:
        obj.status, obj.closed_at = "closed", datetime.combine(closed_on, time(15), TZ)
    s.flush()
    return obj.id


def _application(s, world, stored: list[dict], *, decided_on: date | None) -> None:
    unit = units.get_by_uscc(s, PROVIDER_USCC)
    moment = datetime.combine(CLOSED_ON, time(9), TZ)
    s.add(RestorationApplication(
        subject_id=world.person_id, record_id=world.records["person"], unit_id=unit.id, item_code="penalty",
        measure="fulfilled", reason="已缴清罚款", materials=stored, status="granted" if decided_on else "applied",
        filed_by="subject", applied_at=moment, applied_on=CLOSED_ON,
        decided_at=moment if decided_on else None, decided_on=decided_on))
    s.flush()


def _exists(m: dict) -> bool:
    return (materials.folder() / m["sha256"]).exists()


@pytest.mark.article("Art. 36")
@pytest.mark.article("Art. 38")
def test_files_past_their_period_go_and_those_inside_it_stay(engine, portal_world):  # noqa: F811
    for name in ("retention.objection_evidence_days", "retention.restoration_materials_days"):
        assert parameters.value(name, CLOSED_ON) == DAYS
    assert parameters.value("retention.materials_unreferenced_days", CLOSED_ON) == 1
    day = CLOSED_ON + timedelta(days=DAYS + 1)
    old = CLOSED_ON - timedelta(days=5)
    with session_scope(engine) as s:
        closed = _store(b"closed objection's evidence", old)
        recent = _store(b"evidence of an objection closed later", old)
        still_open = _store(b"evidence of an open objection", old)
        shared = _store(b"named by a closed and an open one", old)
        decided = _store(b"materials of a decided application", old)
        undecided = _store(b"materials of an undecided application", old)
        orphan = _store(b"an upload whose form failed", day - timedelta(days=3))
        fresh = _store(b"an upload being filed now", day)
        _objection(s, portal_world, [closed, shared], closed_on=CLOSED_ON)
        _objection(s, portal_world, [recent], closed_on=CLOSED_ON + timedelta(days=1))
        _objection(s, portal_world, [still_open, shared])
        _application(s, portal_world, [decided, {"text": "缴款书"}], decided_on=CLOSED_ON)
        _application(s, portal_world, [undecided], decided_on=None)
    with session_scope(engine) as s:
        # the day itself is still inside the period: nothing named goes
        inside = materials.retention(s, day - timedelta(days=1))
    assert inside["evidence"] == inside["materials"] == 0 and inside["unreferenced"] == 1
    assert _exists(closed) and _exists(decided) and not _exists(orphan)
    with session_scope(engine) as s:
        counts = materials.retention(s, day)
        events = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "materials",
                                                    AuditEvent.action == "materials:retention")
                           .order_by(AuditEvent.id)).all()
    assert counts == {"evidence": 1, "materials": 1, "unreferenced": 0, "half_written": 0, "kept": 5}
    assert not _exists(closed) and not _exists(decided)
    assert all(_exists(m) for m in (recent, still_open, shared, undecided, fresh))
    assert [e.details["deleted"]["evidence"] for e in events] == [0, 1]
    assert closed["sha256"] not in str(events[-1].details)  # counts only
    with pytest.raises(FileNotFoundError):
        materials.read(closed["sha256"])


@pytest.mark.article("Art. 37")
def test_the_purge_of_a_record_removes_the_evidence_of_objections_against_it_and_nothing_else(
        engine, portal_world):  # noqa: F811
    record_id = portal_world.records["person"]
    with session_scope(engine) as s:
        theirs = _store(b"evidence about the deleted record", CLOSED_ON)
        shared = _store(b"also named by an objection about nothing", CLOSED_ON)
        other = _store(b"evidence of an objection about nothing", CLOSED_ON)
        kept_by_restoration = _store(b"also sent with a restoration", CLOSED_ON)
        oid = _objection(s, portal_world, [theirs, shared, kept_by_restoration], record_ids=[record_id])
        _objection(s, portal_world, [shared, other])
        _application(s, portal_world, [kept_by_restoration], decided_on=None)
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=record_id, document="沪复决〔2025〕9号", decided_by="court",
                         reason="判决撤销", actor=CONSOLE)
    with session_scope(engine) as s:
        deletion.purge(s, actor=CONSOLE)
        event = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "materials",
                                                   AuditEvent.action == "materials:purge-record")).one()
        assert s.get(Objection, oid) is not None  # the objection stays; its file is gone
    assert event.details == {"record_id": record_id, "files": 1, "article": "Art. 37"}
    assert not _exists(theirs)
    assert _exists(shared) and _exists(other) and _exists(kept_by_restoration)
