"""What was refused leaves an audit trace (Art. 19(1)): failed authentications (the token's prefix by a keyed
digest, never the token), refused batch, objection and check actions over HTTP and from the console. The
traces hold no personal data, are bounded by the rate limits, and keep `audit verify` intact."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from xinyong import config
from xinyong.app import create_app
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE
from xinyong.cli import app as cli_app
from xinyong.clock import now
from xinyong.db import session_scope
from xinyong.models import AuditEvent, Subject, Unit, UnitToken
from xinyong import tokens

from .factories import CF_COLUMNS, PROVIDER_USCC, cf_row, person_cf_row, to_csv
from .helpers import TODAY, add_provider, run_file
from .helpers import issue_subject_token

pytestmark = pytest.mark.article("Art. 19(1)")
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def events(engine, *actions: str) -> list[AuditEvent]:
    with session_scope(engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)))


def _text(e: AuditEvent) -> str:
    return " ".join(str(x) for x in (e.actor, e.object_type, e.object_id, e.digest,
                                      orjson.dumps(e.details).decode()))


@pytest.fixture
def client(engine):
    return TestClient(create_app(engine), client=("203.0.113.5", 50000))


def test_failed_authentications_are_traced_by_digest_only(client, engine):
    _actor, token = add_provider(engine)
    wrong = "xy_" + "Q" * 43
    assert client.get("/api/v1/catalog", headers=bearer(wrong)).status_code == 401
    # a revoked token and an expired one, each with its reason
    with session_scope(engine) as s:
        unit = s.get(Unit, s.scalar(select(UnitToken.unit_id).where(UnitToken.unit_id.is_not(None))))
        revoked_id, revoked = tokens.issue(s, actor=CONSOLE, label="old", unit=unit)
        _expired_id, expired = tokens.issue(s, actor=CONSOLE, label="short", unit=unit,
                                            expires_at=now() - timedelta(minutes=1))
        tokens.revoke(s, token_id=revoked_id, actor=CONSOLE)
    assert client.get("/api/v1/units/me", headers=bearer(revoked)).status_code == 401
    # the hot path authenticates inside its own unit of work: traced the same
    res = client.post("/api/v1/inquiries", headers=bearer(expired), json={"subject": cf_row(1)["CF_XDR_SHXYM"],
                                                                         "purpose": "permit"})
    assert res.status_code == 401
    assert client.get("/api/v1/catalog", headers=bearer(token)).status_code == 200  # success: no trace
    found = events(engine, "auth:failed")
    assert [(e.object_type, e.details["reason"], e.details["route"]) for e in found] == [
        ("authentication", "unknown", "GET /api/v1/catalog"),
        ("authentication", "revoked-or-expired", "GET /api/v1/units/me"),
        ("authentication", "revoked-or-expired", "POST /api/v1/inquiries")]
    assert all(e.details["article"] == "Art. 19(1)" and e.actor == "unauthenticated" for e in found)
    assert len({e.object_id for e in found}) == 3 and all(len(e.object_id) == 16 for e in found)
    for e, t in zip(found, (wrong, revoked, expired)):
        text = _text(e)
        assert t not in text and t[:11] not in text and t[3:11] not in text
        assert "203.0.113.5" not in text and len(e.details["address"]) == 16
    # the same prefix gives the same digest: failures on one token can be told apart from a scan
    assert client.get("/api/v1/catalog", headers=bearer(wrong[:11] + "other")).status_code == 401
    assert events(engine, "auth:failed")[-1].object_id == found[0].object_id
    assert verify(engine).ok


def test_refused_batch_actions_are_traced(client, engine):
    _actor, token = add_provider(engine)
    assert client.get("/api/v1/batches/00000000-0000-4000-8000-000000000000",
                      headers=bearer(token)).status_code == 404
    data = to_csv([{**cf_row(1), "宗教信仰": "某"}], [*CF_COLUMNS, "宗教信仰"])
    res = client.post("/api/v1/batches", headers=bearer(token), files={"file": ("x.csv", data, "text/csv")})
    assert res.status_code == 422 and res.json()["article"] == "Art. 14.3"
    found = events(engine, "batch:refused")
    assert [(e.object_type, e.object_id, e.details["route"], e.details["status"], e.details["error"],
             e.details["article"], e.details["channel"]) for e in found] == [
        ("refusal", "00000000-0000-4000-8000-000000000000", "GET /api/v1/batches/{batch_id}", 404, "not_found",
         None, "api"),
        ("refusal", "-", "POST /api/v1/batches", 422, "file_refused", "Art. 14.3", "api")]
    assert found[0].actor == f"unit:{PROVIDER_USCC}"
    assert all("message" not in e.details for e in found)  # a message may quote input: never kept
    # an accepted action leaves no refusal trace
    assert client.get("/api/v1/catalog", headers=bearer(token)).status_code == 200
    assert len(events(engine, "batch:refused")) == 2
    assert verify(engine).ok


def test_refused_objection_and_check_actions_are_traced(client, engine, tmp_path):
    actor, token = add_provider(engine)
    person = person_cf_row(7, TODAY.replace(year=1980))
    assert run_file(engine, actor, tmp_path, to_csv([person], CF_COLUMNS)).accepted == 1
    res = client.post("/api/v1/objections/沪异〔2025〕404号/decision", headers=bearer(token),
                      json={"outcome": "upheld", "document": "d", "reason": "r"})
    assert res.status_code in (403, 404)
    with session_scope(engine) as s:
        subject = s.scalar(select(Subject))
        subject_token = issue_subject_token(s, subject, label="me")
    ric = person["CF_XDR_ZJHM"]
    res = client.post("/api/v1/checks", headers=bearer(subject_token), json={"subjects": [ric], "context": "permit"})
    assert res.status_code == 403
    res = client.post("/api/v1/checks", headers=bearer(token), json={"subjects": [ric], "context": "gossip"})
    assert res.status_code in (403, 422)
    organ_status = res.status_code
    objection = events(engine, "objection:refused")
    assert [(e.object_id, e.details["route"]) for e in objection] == [
        ("沪异〔2025〕404号", "POST /api/v1/objections/{objection}/decision")]
    checks = events(engine, "check:refused")
    assert [(e.details["status"], e.actor) for e in checks] == [(403, f"subject:{subject.id}"),
                                                                (organ_status, f"unit:{PROVIDER_USCC}")]
    for e in [*objection, *checks]:  # no personal data: the identifier is in no event
        assert ric not in _text(e) and ric[:6] + "********" + ric[-4:] not in _text(e)
    assert verify(engine).ok


@sqlite_only
def test_refused_console_commands_are_traced(database_url, monkeypatch, tmp_path):
    from xinyong.db import get_engine

    engine = get_engine()
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: refusals from the console")
    add_provider(engine)
    runner = CliRunner()
    res = runner.invoke(cli_app, ["check", "91310115000000011X", "--context", "gossip", "--unit", PROVIDER_USCC])
    assert res.exit_code == 1 and "error [" in res.stderr
    res = runner.invoke(cli_app, ["objection", "show", "no-such"])
    assert res.exit_code != 0
    found = events(engine, "check:refused", "objection:refused")
    assert [(e.action, e.details["channel"], e.details["route"], e.actor) for e in found][:1] == [
        ("check:refused", "cli", "xinyong check", "console")]
    assert {e.action for e in found} <= {"check:refused", "objection:refused"}
    assert "91310115000000011X" not in " ".join(_text(e) for e in found)


@sqlite_only
def test_traces_are_bounded_by_the_failure_limit(database_url, monkeypatch, engine):
    monkeypatch.setenv("XINYONG_RATE_AUTH_FAILURES", "3/hour")
    config.reset_settings()
    client = TestClient(create_app(engine), client=("203.0.113.5", 50000))
    assert [client.get("/api/v1/catalog", headers=bearer(f"xy_scan{n:04d}")).status_code
            for n in range(12)] == [401] * 3 + [429] * 9
    assert len(events(engine, "auth:failed")) == 3
