"""Inquiries over HTTP and the CLI: subject in the body, officers named, denials logged then refused."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from xinyong.app import create_app
from xinyong.cli import app as cli
from xinyong.db import session_scope
from xinyong.models import InquiryLog

from .conftest import ORG_USCC, subject_token


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(engine):
    with TestClient(create_app(engine)) as c:
        yield c


def last_log(engine):
    with session_scope(engine) as s:
        return s.scalars(select(InquiryLog).order_by(InquiryLog.id.desc())).first()


@pytest.mark.article("Art. 19(2)")
def test_officer_inquires_and_is_named_in_the_log(client, engine, world):
    from xinyong import tokens
    from xinyong.auth import CONSOLE
    from xinyong.models import Unit

    with session_scope(engine) as s:
        unit_token = tokens.issue(s, actor=CONSOLE, label="admin", unit=s.get(Unit, world.organ.unit_id))[1]
    res = client.post("/api/v1/inquiries", headers=auth(unit_token), json={"subject": ORG_USCC, "purpose": "permit"})
    assert res.status_code == 403 and res.json()["article"] == "Art. 19(2)"
    res = client.post("/api/v1/units/me/officers", headers=auth(unit_token),
                      json={"staff_no": "A-017", "name": "李四", "purposes": ["permit"]})
    assert res.status_code == 201, res.text
    officer_token = res.json()["token"]
    res = client.post("/api/v1/inquiries", headers=auth(officer_token),
                      json={"subject": ORG_USCC, "purpose": "permit"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["decision"] == "allow" and len(body["records"]) == 2
    log = last_log(engine)
    assert (log.officer_label, log.unit_id, log.channel) == ("A-017", world.organ.unit_id, "api")
    # an officer's purposes are within the unit's; others refused
    res = client.post("/api/v1/units/me/officers", headers=auth(unit_token),
                      json={"staff_no": "A-018", "name": "王五", "purposes": ["funding"]})
    assert res.status_code == 422 and res.json()["article"] == "Art. 19(2)"


@pytest.mark.article("Art. 17.2")
def test_denied_inquiry_is_logged_then_refused(client, engine, world):
    res = client.post("/api/v1/inquiries", headers=auth(world.organ_token),
                      json={"subject": world.person_ric, "purpose": "funding"})
    assert res.status_code == 403
    body = res.json()
    assert body["article"] == "Art. 17.2" and body["article_text"]
    assert last_log(engine).decision == "deny"


@pytest.mark.article("Art. 17.1")
def test_subject_token_sees_itself_and_who_asked(client, engine, world):
    token = subject_token(engine, world.org_id)
    client.post("/api/v1/inquiries", headers=auth(world.organ_token), json={"subject": ORG_USCC, "purpose": "permit"})
    mine = client.post("/api/v1/inquiries", headers=auth(token), json={})
    assert mine.status_code == 200 and len(mine.json()["records"]) == 4
    who = client.get("/api/v1/me/inquiries", headers=auth(token)).json()
    assert who[1]["by"]["kind"] == "administrative" and who[1]["purpose"] == "permit"
    assert client.get("/api/v1/me/inquiries", headers=auth(world.organ_token)).status_code == 403


@pytest.mark.article("Art. 17.3")
def test_subject_grants_and_withdraws_over_the_api(client, engine, world):
    token = subject_token(engine, world.org_id)
    res = client.post("/api/v1/me/authorizations", headers=auth(token), json={
        "unit_uscc": world.agency.unit_uscc, "items": ["arrears"], "purpose": "credit-assessment",
        "valid_until": "2025-12-31", "document": "信用报告查询授权书 No. 88"})
    assert res.status_code == 201, res.text
    auth_id = res.json()["id"]
    ask = lambda: client.post("/api/v1/inquiries", headers=auth(world.agency_token),  # noqa: E731
                              json={"subject": ORG_USCC, "purpose": "credit-assessment"}).json()
    assert any(r["item"]["code"] == "arrears" for r in ask()["records"])
    assert client.delete(f"/api/v1/me/authorizations/{auth_id}", headers=auth(token)).status_code == 200
    assert not any(r["item"]["code"] == "arrears" for r in ask()["records"])
    res = client.post("/api/v1/me/authorizations", headers=auth(token), json={
        "unit_uscc": world.agency.unit_uscc, "items": ["arrears"], "purpose": "x",
        "valid_until": "2025-12-31", "document": " "})
    assert res.status_code == 422 and res.json()["article"] == "Art. 17.3"


def test_revoked_token_refused(client, engine, world):
    from xinyong import tokens
    from xinyong.auth import CONSOLE
    from xinyong.models import UnitToken

    with session_scope(engine) as s:
        tid = s.scalars(select(UnitToken.id).where(UnitToken.officer_id == world.organ.officer_id)).one()
        tokens.revoke(s, token_id=tid, actor=CONSOLE)
    res = client.post("/api/v1/inquiries", headers=auth(world.organ_token),
                      json={"subject": ORG_USCC, "purpose": "permit"})
    assert res.status_code == 401


@pytest.mark.article("Art. 17.2")
def test_cli_inquire(database_url, engine, world):
    runner = CliRunner()
    res = runner.invoke(cli, ["inquire", ORG_USCC, "--unit", world.organ.unit_uscc, "--purpose", "permit", "--json"])
    assert res.exit_code == 1 and "--console-reason" in res.stderr and "Art. 19(2)" in res.stderr
    reason = ["--console-reason", "counter request 2025-06-16, officer on leave"]
    res = runner.invoke(cli, [*reason, "inquire", ORG_USCC, "--unit", world.organ.unit_uscc, "--purpose", "permit",
                              "--json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["records"]) == 2
    log = last_log(engine)
    assert (log.channel, log.officer_label) == ("cli", "console")
    res = runner.invoke(cli, [*reason, "inquire", world.person_ric, "--unit", world.organ.unit_uscc, "--purpose",
                              "promotion"])
    assert res.exit_code == 1 and res.stderr.startswith("error [Art. 17.2]:")
    res = runner.invoke(cli, ["inquiries", "of", world.person_ric, "--json"])
    assert [r["decision"] for r in json.loads(res.stdout)] == ["deny"]


@pytest.mark.article("Art. 19(2)")
def test_the_console_acting_for_a_unit_is_recorded_with_its_reason(database_url, engine, world):
    from xinyong.models import AuditEvent

    runner = CliRunner()
    res = runner.invoke(cli, ["--console-reason", "window request, file 2025-77", "inquire", world.person_ric,
                              "--unit", world.organ.unit_uscc, "--purpose", "permit"])
    assert res.exit_code == 0, res.output
    with session_scope(engine) as s:
        acts = s.scalars(select(AuditEvent).where(AuditEvent.action == "console:act-for")).all()
    assert [(a.details["command"], a.details["reason"], a.object_id) for a in acts] == [
        ("xinyong inquire", "window request, file 2025-77", str(world.organ.unit_id))]
    assert world.person_ric not in str(acts[0].details)


@pytest.mark.article("Art. 19(2)")
def test_the_supervisor_sees_every_console_act_for_a_unit(client, database_url, engine, world):
    runner = CliRunner()
    res = runner.invoke(cli, ["--console-reason", "电话申请，工单 2025-0616-3", "inquire", ORG_USCC, "--unit",
                              world.organ.unit_uscc, "--purpose", "permit"])
    assert res.exit_code == 0, res.output
    seen = client.get("/api/v1/oversight/console-acts", headers=auth(world.supervisor_token))
    assert seen.status_code == 200, seen.text
    [act] = seen.json()
    assert (act["command"], act["reason"], act["unit"]["uscc"]) == ("xinyong inquire", "电话申请，工单 2025-0616-3",
                                                                    world.organ.unit_uscc)
    assert act["unit"]["name"] == "上海市某区人民政府办公室"
    assert client.get("/api/v1/oversight/console-acts", headers=auth(world.organ_token)).status_code == 403


@pytest.mark.article("Art. 20(1)")
def test_the_consoles_record_history_is_a_decided_and_logged_read(database_url, engine, world, monkeypatch):
    """Reproduced on main: `xinyong record history N` printed any record's previous contents to the console,
    with no decision and no log. Now: the provider (its own records) or the Center on a case about it."""
    from ..factories import PROVIDER_USCC

    runner = CliRunner()
    rid = world.records["person"]
    res = runner.invoke(cli, ["record", "history", str(rid)])
    assert res.exit_code == 1 and "may see" in res.stderr
    res = runner.invoke(cli, ["record", "history", "999999"])
    assert res.exit_code == 1 and "may see" in res.stderr  # the same for a record that does not exist
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: the provider's clerk at the Center's window")
    res = runner.invoke(cli, ["record", "history", str(rid), "--unit", world.organ.unit_uscc])
    assert res.exit_code == 1  # not the organ's record
    res = runner.invoke(cli, ["record", "history", str(rid), "--unit", PROVIDER_USCC])
    assert res.exit_code == 0 and json.loads(res.stdout) == []
    log = last_log(engine)
    assert (log.subject_id, log.record_ids, log.article, log.channel) == (world.person_id, [rid], "Art. 11", "cli")
