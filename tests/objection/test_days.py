"""Days of an objection (Art. 36) on both databases: every day shown and stored is the Asia/Shanghai
day, whatever the time of day (05:30 is the previous day in UTC, 23:50 close to the next), and the day
the materials were received — recorded by the Center, never after today — is the one the deadlines
count from, kept beside the day the objection was entered."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from xinyong.app import create_app
from xinyong.auth import CONSOLE, Actor
from xinyong.cli import app
from xinyong.clock import local_date
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.models import AuditEvent, Objection, ObjectionStep
from xinyong.objection import service

from .conftest import AGENCY_USCC, ORG_USCC, subject_token

runner = CliRunner()


def _file(engine, w, *records, actor=None, received_on=None, to=None):
    with session_scope(engine) as s:
        obj = service.file(s, actor=actor or Actor(role="subject", subject_id=w.org_id), subject_id=w.org_id,
                           kind="error", reason="处罚金额记载错误", record_ids=[w.records[r] for r in records],
                           to_uscc=to, channel="api", received_on=received_on)
        return service.number_of(obj)


def _view(engine, number, **kw):
    with session_scope(engine) as s:
        return service.view(s, service.get(s, number), **kw)


def _steps(view):
    return {st["step"]: st for st in view["steps"]}


def _sql_day(conn, backend: str, column: str, objection_id: int) -> date:
    """The day as the database itself computes it (PostgreSQL: in the session's time zone)."""
    if backend == "postgresql":
        return conn.execute(text(f"SELECT CAST({column} AS DATE) FROM objection WHERE id = :i"),
                            {"i": objection_id}).scalar_one()
    return date.fromisoformat(conn.execute(text(f"SELECT date({column}) FROM objection WHERE id = :i"),
                                           {"i": objection_id}).scalar_one())


@pytest.mark.article("Art. 36.2(2)")
@pytest.mark.parametrize("at", ["05:30:00", "23:50:00"])
def test_every_day_shown_and_stored_is_the_shanghai_day(engine, backend, world, pin, at):
    w = world
    pin("2025-09-30", at)
    number = _file(engine, w, "a")
    with session_scope(engine) as s:
        service.note(s, objection=number, actor=w.center, path="provider")
    pin("2025-10-09", at)
    with session_scope(engine) as s:
        service.transfer(s, objection=number, actor=CONSOLE)
    pin("2025-10-13", at)
    with session_scope(engine) as s:
        service.decide(s, objection=number, actor=w.provider, outcome="upheld", document="沪市监复〔2025〕9号",
                       reason="经复核原决定无误")
    v = _view(engine, number)
    assert (v["decision"]["decided_on"], v["decision"]["informed_on"]) == ("2025-10-13", None)
    assert (_steps(v)["inform"]["start_on"], _steps(v)["inform"]["due_on"]) == ("2025-10-13", "2025-10-14")
    pin("2025-10-14", at)
    with session_scope(engine) as s:
        service.inform(s, objection=number, actor=w.center)

    v = _view(engine, number)
    assert (v["received_on"], v["recorded_on"]) == ("2025-09-30", "2025-09-30")
    assert (v["decision"]["decided_on"], v["decision"]["informed_on"]) == ("2025-10-13", "2025-10-14")
    steps = _steps(v)
    assert {k: (st["start_on"], st["done_on"]) for k, st in steps.items()} == {
        "note": ("2025-09-30", "2025-09-30"),
        "transfer": ("2025-09-30", "2025-10-09"),
        "provider-decide": ("2025-10-09", "2025-10-13"),
        "inform": ("2025-10-13", "2025-10-14"),
    }
    assert not any(st["late"] for st in steps.values())
    mine = _view(engine, number, for_subject=True)
    assert (mine["received_on"], mine["decision"]["informed_on"]) == ("2025-09-30", "2025-10-14")

    with session_scope(engine) as s:
        obj = s.scalars(select(Objection)).one()
        s.expire_all()  # read back what the database holds, as the next process would
        obj = s.get(Objection, obj.id)
        assert (obj.received_on, obj.recorded_on) == (date(2025, 9, 30), date(2025, 9, 30))
        assert local_date(obj.received_at) == date(2025, 9, 30)
        assert local_date(obj.decided_at) == date(2025, 10, 13)
        assert local_date(obj.informed_at) == local_date(obj.closed_at) == date(2025, 10, 14)
        rows = s.scalars(select(ObjectionStep).order_by(ObjectionStep.id)).all()
        assert [(r.step, r.done_on, local_date(r.done_at)) for r in rows] == [
            ("note", date(2025, 9, 30), date(2025, 9, 30)),
            ("transfer", date(2025, 10, 9), date(2025, 10, 9)),
            ("provider-decide", date(2025, 10, 13), date(2025, 10, 13)),
            ("inform", date(2025, 10, 14), date(2025, 10, 14)),
        ]
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "objection:file")).all()
        assert [(e.details["received_on"], e.details["recorded_on"]) for e in events] == [("2025-09-30",) * 2]
        # and the database's own dates agree (PostgreSQL sessions run in Asia/Shanghai)
        conn = s.connection()
        assert _sql_day(conn, backend, "received_at", obj.id) == date(2025, 9, 30)
        assert _sql_day(conn, backend, "decided_at", obj.id) == date(2025, 10, 13)
        assert _sql_day(conn, backend, "informed_at", obj.id) == date(2025, 10, 14)


@pytest.mark.article("Art. 36.2")
def test_materials_received_earlier_count_from_the_day_of_receipt(engine, world, pin):
    w = world
    pin("2025-09-30", "05:30:00")
    # received by post on Friday 09-26, entered on Tuesday 09-30
    number = _file(engine, w, "a", actor=CONSOLE, received_on=date(2025, 9, 26))
    v = _view(engine, number)
    assert (v["received_on"], v["recorded_on"]) == ("2025-09-26", "2025-09-30")
    # note within 1 working day of 09-26: Sun 09-28 is an in-lieu working day — already late when entered
    note = _steps(v)["note"]
    assert (note["start_on"], note["due_on"], note["late"]) == ("2025-09-26", "2025-09-28", True)
    with session_scope(engine) as s:
        assert [r["objection"] for r in service.overdue(s)] == [number]
        service.note(s, objection=number, actor=CONSOLE, path="center")
    # decide within 5 working days of receipt: 09-28, 09-29, 09-30, 10-09, 10-10
    assert _steps(_view(engine, number))["decide"]["due_on"] == "2025-10-10"
    # received today: the same day twice
    today_number = _file(engine, w, "b", actor=CONSOLE, received_on=date(2025, 9, 30))
    assert (_view(engine, today_number)["received_on"], _view(engine, today_number)["recorded_on"]) == (
        "2025-09-30", "2025-09-30")


@pytest.mark.article("Art. 36.2")
def test_the_number_carries_the_year_of_receipt(engine, world, pin):
    w = world
    pin("2026-01-05", "09:00:00")
    number = _file(engine, w, "a", actor=CONSOLE, received_on=date(2025, 12, 31))
    assert number.startswith("YY-2025-")
    v = _view(engine, number)
    assert (v["received_on"], v["recorded_on"]) == ("2025-12-31", "2026-01-05")


@pytest.mark.article("Art. 36.2")
@pytest.mark.article("Art. 36.3")
def test_a_day_of_receipt_after_today_or_a_subjects_own_is_refused(engine, world, pin):
    w = world
    pin("2025-09-30", "23:50:00")
    subject = Actor(role="subject", subject_id=w.org_id)
    cases = [
        (CONSOLE, date(2025, 10, 1), None, "Art. 36.2", "after today"),
        (CONSOLE, date(2025, 10, 1), AGENCY_USCC, "Art. 36.3", "after today"),
        (subject, date(2025, 9, 26), None, "Art. 36.2", "received the day it files"),
    ]
    for actor, day, to, article, words in cases:
        with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
            service.file(s, actor=actor, subject_id=w.org_id, kind="error", reason="r",
                         record_ids=[w.records["c"]], to_uscc=to, channel="api", received_on=day)
        assert (exc.value.article, exc.value.field) == (article, "received_on") and words in exc.value.message
    with session_scope(engine) as s:
        assert s.scalars(select(Objection)).all() == []  # nothing half-done
    # a subject filing online is received the day it files (giving that day changes nothing)
    number = _file(engine, w, "c", received_on=date(2025, 9, 30))
    assert _view(engine, number)["received_on"] == "2025-09-30"


def _cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.article("Art. 36.2")
def test_cli_received_on(world, pin):
    w = world
    pin("2025-09-30", "05:30:00")
    res = _cli("objection", "file", ORG_USCC, "--reason", "r", "--record", str(w.records["a"]),
               "--received-on", "2025-09-26", "--json")
    assert res.exit_code == 0, res.output
    v = json.loads(res.stdout)
    assert (v["received_on"], v["recorded_on"], v["steps"][0]["due_on"]) == ("2025-09-26", "2025-09-30",
                                                                             "2025-09-28")
    shown = _cli("objection", "show", v["number"])
    assert "received 2025-09-26, recorded 2025-09-30" in shown.stdout
    res = _cli("objection", "file", ORG_USCC, "--reason", "r", "--received-on", "2025-10-01", "--kind", "omission")
    assert res.exit_code == 1 and res.stderr.startswith("error [Art. 36.2]:") and "after today" in res.stderr
    res = _cli("objection", "file", ORG_USCC, "--reason", "r", "--received-on", "26/09/2025", "--kind", "omission")
    assert res.exit_code == 1 and "YYYY-MM-DD" in res.stderr


@pytest.mark.article("Art. 36.2")
def test_api_the_center_records_the_day_of_receipt_a_subject_cannot(engine, world, pin):
    w = world
    pin("2025-09-30", "05:30:00")
    client = TestClient(create_app(engine))
    center = {"Authorization": f"Bearer {w.center_token}"}
    res = client.post("/api/v1/objections", headers=center, json={
        "subject": ORG_USCC, "record_ids": [w.records["a"]], "reason": "邮寄异议材料", "received_on": "2025-09-26"})
    assert res.status_code == 201, res.text
    body = res.json()
    assert (body["received_on"], body["recorded_on"], body["steps"][0]["due_on"]) == (
        "2025-09-26", "2025-09-30", "2025-09-28")
    assert ORG_USCC not in json.dumps(body["evidence"])
    res = client.post("/api/v1/objections", headers=center, json={
        "subject": ORG_USCC, "record_ids": [w.records["b"]], "reason": "r", "received_on": "2025-10-01"})
    assert res.status_code == 422 and res.json()["article"] == "Art. 36.2"
    assert res.json()["field"] == "received_on"
    me = {"Authorization": f"Bearer {subject_token(engine, w.org_id)}"}
    res = client.post("/api/v1/objections", headers=me, json={
        "record_ids": [w.records["b"]], "reason": "r", "received_on": "2025-09-26"})
    assert res.status_code == 422 and res.json()["article"] == "Art. 36.2"
    res = client.post("/api/v1/objections", headers=me, json={"record_ids": [w.records["b"]], "reason": "r"})
    assert res.status_code == 201 and (res.json()["received_on"], res.json()["recorded_on"]) == ("2025-09-30",) * 2
