"""Revision 0011 binds the rows that already exist: each gets a ``row:baseline`` event, so that a database
upgraded from before it verifies, and is held to the log from then on (both databases)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, event, select, text, update

from xinyong import config, db, refcache
from xinyong.audit import seal as sealing
from xinyong.audit.verify import verify
from xinyong.db import make_engine, session_scope
from alembic import command

from xinyong.migrations import alembic_config, upgrade
from xinyong.models import AuditEvent, InquiryLog

from ..conftest import POSTGRES_URL
from ..factories import CF_COLUMNS, cf_row, to_csv
from ..helpers import add_provider, run_file

pytestmark = pytest.mark.article("Art. 20(2)")


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request, tmp_path, monkeypatch):
    """A database at revision 0010 (before the binding), as the platform's engine."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'old.db'}", None
    else:
        if not POSTGRES_URL:
            pytest.skip("XINYONG_TEST_POSTGRES_URL is not set")
        schema = f"xy_base_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in POSTGRES_URL else "?"
        url, drop = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}", (admin, schema)
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    monkeypatch.setenv("XINYONG_VAR_DIR", str(tmp_path / "var"))
    config.reset_settings()
    db.reset_engine()
    refcache.invalidate()
    engine = db.get_engine()
    # The rows are written by today's code at head, then the schema is taken back to 0010 (before the
    # binding) with its row events removed: what a deployment of 0010 holds, whatever columns came later.
    upgrade(engine)
    yield engine
    engine.dispose()
    db.reset_engine()
    config.reset_settings()
    if drop:
        admin, schema = drop
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_rows_from_before_the_binding_are_baselined_and_held_to_the_log_after(old_engine, tmp_path):
    engine = old_engine
    actor, _ = add_provider(engine)
    assert run_file(engine, actor, tmp_path, to_csv([cf_row(i) for i in range(1, 4)], CF_COLUMNS)).accepted == 3
    from xinyong.inquiry import service as inquiry
    from xinyong.unit import service as units

    with session_scope(engine) as s:
        organ, _ = units.add_unit(s, name="上海市某区人民政府办公室", kind="administrative",
                                  uscc=_organ_uscc(), inquires=["penalty"],
                                  purposes=["permit"], published_on=_today(), actor=_console())
        officer, _ = units.add_officer(s, unit=organ, staff_no="ADM-001", name="张三", items=None, purposes=None,
                                       expires_at=None, actor=_console())
        who = _officer(organ, officer)
    with session_scope(engine) as s:
        inquiry.inquire(s, actor=who, subject=cf_row(1)["CF_XDR_SHXYM"], purpose="permit", channel="api")
    engine.dispose()
    down = make_engine(engine.url.render_as_string(hide_password=False))
    if down.dialect.name == "sqlite":  # SQLite rebuilds a table to drop a column: as its docs say, with FKs off
        event.listen(down, "connect", lambda conn, _record: conn.execute("PRAGMA foreign_keys=OFF"))
    command.downgrade(alembic_config(down), "0010")
    down.dispose()
    with session_scope(engine) as s:  # what the platform wrote before 0011: no row events
        s.execute(delete(AuditEvent).where(AuditEvent.action.like("row:%")))
        s.execute(update(AuditEvent).where(AuditEvent.object_type == "inquiry").values(digest="0" * 64))
    upgrade(engine)
    with session_scope(engine) as s:
        baselines = s.scalars(select(AuditEvent).where(AuditEvent.action == "row:baseline")).all()
    assert {e.object_type for e in baselines} >= {"unit", "unit_provides", "officer", "access_token", "inquiry_log"}
    assert all(e.details == {"row": 1, "baseline": "0011"} for e in baselines)
    assert "record" not in {e.object_type for e in baselines}  # as imported: held to their chunks
    sealing.seal(engine)
    report = verify(engine)
    assert report.ok, report.problems
    with engine.begin() as conn:  # by SQL, not through a session of the platform
        log_id = conn.execute(select(InquiryLog.id)).scalar()
        conn.execute(update(InquiryLog).where(InquiryLog.id == log_id).values(reason="forged"))
    report = verify(engine)
    assert [(p.kind, p.table, p.key) for p in report.problems] == [("row-altered", "inquiry_log", str(log_id))]


def _organ_uscc() -> str:
    from ..factories import uscc

    return uscc(1, prefix="11310000")


def _today():
    from ..helpers import TODAY

    return TODAY


def _console():
    from xinyong.auth import CONSOLE

    return CONSOLE


def _officer(unit, officer):
    from xinyong.auth import Actor

    return Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer=officer.staff_no, officer_id=officer.id)
