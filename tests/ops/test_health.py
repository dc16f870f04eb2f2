"""GET /healthz and /readyz: ready only when the platform can serve (database, migrations at head, this year's
working days, no restore in progress); the next year's calendar and a late seal are warnings, never a stop."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from xinyong import db
from xinyong.app import create_app
from xinyong.audit.seal import seal
from xinyong.ops import health

from ..helpers import add_provider

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


_clients: dict[int, TestClient] = {}


@pytest.fixture(autouse=True)
def _one_app_per_engine():
    yield
    _clients.clear()


def _get(engine, path):
    client = _clients.get(id(engine))
    if client is None:
        client = _clients[id(engine)] = TestClient(create_app(engine))
    return client.get(path)


def test_ready_and_healthy_with_details_and_nothing_personal(engine, backend):
    add_provider(engine)
    ready = _get(engine, "/readyz")
    assert ready.status_code == 200 and ready.json() == {"ready": True, "not_ready": []}
    details = _get(engine, "/healthz").json()
    assert details["database"]["reachable"] and details["database"]["revision"] == health.migrations_head()
    assert details["database"]["dialect"] == backend and details["calendar"]["current_year"] == 2025
    assert 2025 in details["calendar"]["years_known"] and details["warnings"] == []
    text_ = _get(engine, "/healthz").text
    assert str(engine.url.database) not in text_ and "postgresql://" not in text_ and "sqlite:" not in text_
    assert _get(engine, "/healthz").headers["cache-control"] == "no-store"


@sqlite_only
def test_not_ready_before_migrations_and_when_behind_head(engine, tmp_path):
    empty = db.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    r = _get(empty, "/readyz")
    assert r.status_code == 503 and [x["code"] for x in r.json()["not_ready"]] == ["database_not_migrated"]
    assert _get(empty, "/healthz").status_code == 200  # alive all the same
    shutil.copy(engine.url.database, tmp_path / "old.db")
    old = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with old.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    r = _get(old, "/readyz")
    assert r.status_code == 503 and r.json()["not_ready"][0]["code"] == "migrations_not_at_head"
    assert "0001" in r.json()["not_ready"][0]["message"]
    empty.dispose()
    old.dispose()


def test_an_unreachable_database_is_a_reason_with_its_first_line(tmp_path):
    gone = db.make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}")
    r = _get(gone, "/readyz")
    assert r.status_code == 503 and r.json()["not_ready"][0]["code"] == "database_unreachable"
    body = _get(gone, "/healthz").json()
    assert body["database"]["reachable"] is False and body["ready"] is False


@sqlite_only
def test_a_year_the_calendar_does_not_know_stops_serving(engine, monkeypatch):
    monkeypatch.setenv("XINYONG_TODAY", "2031-06-16T10:00:00")
    r = _get(engine, "/readyz")
    assert r.status_code == 503
    assert [x["code"] for x in r.json()["not_ready"]] == ["calendar_unknown"] and "2031" in r.text


@sqlite_only
@pytest.mark.parametrize(("today", "warned"), [("2026-10-31T23:00:00", False), ("2026-11-01T08:00:00", True),
                                               ("2026-12-31T23:00:00", True)])
def test_the_next_years_calendar_missing_from_1_november_is_a_warning_only(engine, monkeypatch, today, warned):
    monkeypatch.setenv("XINYONG_TODAY", today)  # chinese_calendar knows 2026, not 2027
    body = _get(engine, "/healthz").json()
    assert ("calendar_next_year_missing" in [w["code"] for w in body["warnings"]]) is warned
    assert body["ready"] is True and _get(engine, "/readyz").status_code == 200


@sqlite_only
def test_a_late_seal_is_a_warning_not_a_stop(engine, monkeypatch):
    add_provider(engine)  # events written at 10:00
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T12:29:00")  # 149 minutes: not yet late (ops.seal_late_minutes)
    body = _get(engine, "/healthz").json()
    assert body["audit"]["seal_late"] is False and body["audit"]["last_sealed_at"] is None
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T12:31:00")
    body = _get(engine, "/healthz").json()
    assert body["audit"]["seal_late"] is True and [w["code"] for w in body["warnings"]] == ["seal_late"]
    assert _get(engine, "/readyz").status_code == 200
    seal(engine)
    body = _get(engine, "/healthz").json()
    assert body["audit"]["seal_late"] is False and body["warnings"] == []
    assert 0 <= body["audit"]["seconds_since_seal"] < 60


@sqlite_only
def test_a_restore_in_progress_is_not_served(engine):
    marker = health.restore_marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("restoring")
    r = _get(engine, "/readyz")
    assert r.status_code == 503 and r.json()["not_ready"][0]["code"] == "restore_in_progress"
    marker.unlink()
    assert _get(engine, "/readyz").status_code == 200
