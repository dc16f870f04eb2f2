"""Migration 0031 on both databases: the records and steps of objections filed before it get their objection's
subject (backfilled, then NOT NULL), each row a ``row:baseline`` event, and ``audit verify`` stays intact; the
downgrade takes the column away again with its own baseline."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from xinyong import config, db, refcache
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE, Actor
from xinyong.db import make_engine, session_scope
from xinyong.migrations import alembic_config, current, upgrade
from xinyong.models import AuditEvent
from xinyong.objection import service as objections

from .conftest import POSTGRES_URL
from .objection.conftest import world  # noqa: F401

TABLES = ("objection_record", "objection_step")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch):
    """Overrides the suite's: a database of this test's own (it is downgraded and upgraded again)."""
    admin = schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm31.db'}"
    else:
        if not POSTGRES_URL:
            pytest.skip("XINYONG_TEST_POSTGRES_URL is not set")
        schema = f"xy_m31_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    monkeypatch.setenv("XINYONG_VAR_DIR", str(tmp_path / "var"))
    config.reset_settings()
    db.reset_engine()
    refcache.invalidate()
    upgrade(db.get_engine())
    yield url
    db.get_engine().dispose()
    db.reset_engine()
    config.reset_settings()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _rows(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))] for t in TABLES}


def test_rows_from_before_0031_name_their_objections_subject(engine, world):  # noqa: F811
    w = world
    with session_scope(engine) as s:  # two subjects' objections: each row must get its own objection's subject
        mine = objections.file(s, actor=Actor(role="subject", subject_id=w.org_id), subject_id=w.org_id,
                               kind="error", reason="金额错误", evidence=["缴款凭证"],
                               record_ids=[w.records["a"], w.records["b"]], channel="api")
        theirs = objections.file(s, actor=CONSOLE, subject_id=w.other_org_id, kind="error", reason="日期错误",
                                 record_ids=[w.records["foreign"]], channel="cli")
        numbers = objections.number_of(mine), objections.number_of(theirs)
    with session_scope(engine) as s:
        objections.note(s, objection=numbers[0], actor=CONSOLE, path="center")
    expected = _rows(engine)
    assert len(expected["objection_record"]) == 3 and len(expected["objection_step"]) == 3

    engine.dispose()
    command.downgrade(alembic_config(engine), "0030")
    assert current(engine) == "0030"
    assert all("subject_id" not in {c["name"] for c in inspect(engine).get_columns(t)} for t in TABLES)

    engine.dispose()
    upgrade(engine)
    refcache.invalidate()
    assert current(engine) == "0031"
    assert _rows(engine) == expected  # each row as it was, its objection's subject filled in
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM objection_record r JOIN objection o ON o.id = r.objection_id "
            "WHERE r.subject_id = o.subject_id")).scalar() == 3
        assert {r[0] for r in conn.execute(text("SELECT DISTINCT subject_id FROM objection_record"))} == {
            w.org_id, w.other_org_id}
    for t in TABLES:
        column = next(c for c in inspect(engine).get_columns(t) if c["name"] == "subject_id")
        assert column["nullable"] is False
        assert any(fk["constrained_columns"] == ["subject_id"] and fk["referred_table"] == "subject"
                   for fk in inspect(engine).get_foreign_keys(t))
    with session_scope(engine) as s:
        baselines = s.execute(select(AuditEvent.object_type, AuditEvent.subject_id, AuditEvent.details).where(
            AuditEvent.action == "row:baseline", AuditEvent.object_type.in_(TABLES))).all()
    assert sorted((t, d["baseline"]) for t, _s, d in baselines) == sorted(
        [("objection_record", "0031-downgrade")] * 3 + [("objection_step", "0031-downgrade")] * 3
        + [("objection_record", "0031")] * 3 + [("objection_step", "0031")] * 3)
    assert {sid for _t, sid, d in baselines if d["baseline"] == "0031"} == {w.org_id, w.other_org_id}
    report = verify(engine)
    assert report.ok, report.problems[:3]

    with session_scope(engine) as s:  # and the service goes on from there
        objections.decide(s, objection=numbers[0], actor=CONSOLE, outcome="upheld", document="沪信复〔2025〕1号",
                          reason="记载无误")
    assert verify(engine).ok
