"""The operator's console (/console) and the agents' tokens it issues, on both databases."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from xinyong import tokens
from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.law import calendar
from xinyong.models import AuditEvent
from xinyong.objection import service as objections
from xinyong.record import workflows
from xinyong.unit import service as units

from ..factories import PROVIDER_USCC, uscc
from .conftest import ORG_NAME, ORG_USCC
from .support import PortalClient, portal_client

CENTER_USCC = uscc(5151, prefix="12310000")
SUPERVISOR_USCC = uscc(5252, prefix="11310000")
NEW_UNIT_USCC = uscc(5353, prefix="11310000")


@dataclass
class Desk:
    operator_token: str
    supervisor_token: str


@pytest.fixture
def desk(engine) -> Desk:
    with session_scope(engine) as s:
        _, op = units.add_unit(s, name="上海市公共信用信息服务中心", kind="operator", uscc=CENTER_USCC,
                               published_on=portal_world_day(), actor=CONSOLE)
        _, sup = units.add_unit(s, name="上海市发展和改革委员会", kind="supervisor", uscc=SUPERVISOR_USCC,
                                published_on=portal_world_day(), actor=CONSOLE)
    return Desk(op, sup)


def portal_world_day():
    from ..helpers import TODAY

    return TODAY


def _operator(engine, desk):
    client = portal_client(engine)
    assert client.sign_in(desk.operator_token).headers["location"] == "/console"
    return client


def _file_objection(engine, subject_id: int, record_id: int) -> str:
    with session_scope(engine) as s:
        obj = objections.file(s, actor=Actor(role="subject", subject_id=subject_id), subject_id=subject_id,
                              kind="error", reason="处罚金额记载错误", record_ids=[record_id], channel="portal")
        return objections.number_of(obj)


@pytest.mark.article("Art. 36.2")
def test_the_operator_sees_an_overdue_objection_first_and_marked(engine, portal_world, desk, monkeypatch):
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-03T10:00:00")  # a Tuesday: noting is due on the 4th
    late = _file_objection(engine, portal_world.org_id, portal_world.records["current"])
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T10:00:00")
    fresh = _file_objection(engine, portal_world.org_id, portal_world.records["two_years"])
    client = _operator(engine, desk)
    page = client.get("/console")
    assert page.status_code == 200, page.text
    queue = page.text.split('id="objection-queue"')[1].split("</table>")[0]
    rows = re.findall(r"<tr( class=\"overdue\")?>\s*<th scope=\"row\"><span class=\"code\">([^<]+)", queue)
    assert [(bool(cls), number.strip()) for cls, number in rows] == [(True, late), (False, fresh)]
    assert "逾期" in queue and "第三十六条第二款" in queue  # marked overdue, its article linked
    assert 'href="/articles/36"' in queue
    english = client.get("/console?lang=en").text
    assert "Overdue by" in english and "Objection queue by deadline" in english


@pytest.mark.article("Art. 36.2")
def test_the_calendar_warning_appears_from_november_when_next_year_is_missing(engine, desk, monkeypatch, tmp_path):
    monkeypatch.setenv("XINYONG_CALENDAR_DIR", str(tmp_path / "calendar"))
    calendar.reset_cache()
    real = calendar.known_years()
    assert 2026 in real  # the package knows it: no warning
    monkeypatch.setenv("XINYONG_TODAY", "2025-11-02T10:00:00")
    client = _operator(engine, desk)
    assert 'id="calendar-warning"' not in client.get("/console").text
    monkeypatch.setattr(calendar, "known_years", lambda: {y: s for y, s in real.items() if y <= 2025})
    page = client.get("/console").text
    assert 'id="calendar-warning"' in page and "2026" in page.split('id="calendar-warning"')[1][:400]
    monkeypatch.setenv("XINYONG_TODAY", "2025-10-31T10:00:00")  # before 1 November: not yet
    assert 'id="calendar-warning"' not in client.get("/console").text


@pytest.mark.article("Art. 17.1")
def test_an_agent_token_is_shown_once_and_signs_in_as_the_organizations_agent(engine, portal_world, desk):
    client = _operator(engine, desk)
    form = client.get("/console/agents").text.split('action="/console/agents"')[1]
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', form).group(1)  # the form's own token, as a browser sends it
    posted = client.post("/console/agents", data={"subject": ORG_USCC, "agent_name": "王代理",
                                                  "agent_document": "授权委托书 沪门-2025-007",
                                                  "expires_on": "2026-06-16", "csrf_token": csrf},
                         follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/console/agents")
    page = client.get("/console/agents").text
    token = re.search(r'id="issued-token">([^<]+)<', page).group(1)
    assert ORG_NAME in page and "王代理" in page
    again = client.get("/console/agents").text
    assert token not in again and 'id="issued-token"' not in again  # shown once
    assert "授权委托书 沪门-2025-007" in again  # the list keeps the authorization, never the token
    with session_scope(engine) as s:
        actor = tokens.authenticate(s, token)
    assert (actor.role, actor.subject_id, actor.agent) == ("subject", portal_world.org_id, "王代理")
    agent = PortalClient(client.app)  # another browser, the same app
    signed = agent.sign_in(token)
    assert signed.status_code == 303 and signed.headers["location"] == "/me"
    assert "王代理" in agent.get("/oversight").text  # any page's header: signed in as the agent
    # revoked: the token no longer signs in
    token_id = actor.token_id
    assert client.post(f"/console/agents/{token_id}/revoke", data={}, follow_redirects=False).status_code == 303
    assert PortalClient(client.app).sign_in(token).status_code == 401


@pytest.mark.article("Art. 17.1")
def test_an_agent_token_names_the_authorization_and_never_shows_a_persons_number(engine, portal_world, desk):
    client = _operator(engine, desk)
    refused = client.post("/console/agents", data={"subject": ORG_USCC, "agent_name": "王代理", "agent_document": "",
                                                   "expires_on": "2026-06-16"})
    assert refused.status_code == 422 and "第十七条第一款" in refused.text
    ric = portal_world.person_ric
    posted = client.post("/console/agents", data={"subject": ric, "agent_name": "张代理",
                                                  "agent_document": "授权委托书 个人-1", "expires_on": "2026-01-01"},
                         follow_redirects=False)
    assert posted.status_code == 303 and ric not in posted.headers["location"]
    page = client.get("/console/agents").text
    assert ric not in page and ric[:6] in page  # masked: 前6后4
    unknown = client.post("/console/agents", data={"subject": ORG_USCC[:-1] + ("0" if ORG_USCC[-1] != "0" else "1"),
                                                   "agent_name": "x", "agent_document": "y", "expires_on": "2026-01-01"})
    assert unknown.status_code in (404, 422)
    # a form posted without its CSRF token is refused (403, Art. 19(1))
    res = client.post("/console/agents", data={"subject": ORG_USCC, "agent_name": "a", "agent_document": "b",
                                               "expires_on": "2026-01-01"}, no_csrf=True)
    assert res.status_code == 403 and "第十九条" in res.text
    assert client.post("/console/verify", data={}, no_csrf=True).status_code == 403


@pytest.mark.article("Art. 19(2)")
def test_the_console_is_the_operators_only(engine, desk):
    anonymous = portal_client(engine)
    res = anonymous.get("/console/units", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/login")
    supervisor = PortalClient(anonymous.app)
    supervisor.sign_in(desk.supervisor_token)
    page = supervisor.get("/console")
    assert page.status_code == 403 and 'href="/articles/19"' in page.text


def test_the_operator_registers_a_unit_and_adds_an_officer_whose_token_is_shown_once(engine, portal_world, desk):
    client = _operator(engine, desk)
    res = client.post("/console/units", data={"name": "上海市新建测试局", "kind": "administrative",
                                              "uscc": NEW_UNIT_USCC, "provides": ["penalty"]}, follow_redirects=False)
    assert res.status_code == 303, res.text
    page = client.get("/console/units").text
    assert 'id="issued-token"' in page and "上海市新建测试局" in page
    assert 'id="issued-token"' not in client.get("/console/units").text
    res = client.post(f"/console/units/{NEW_UNIT_USCC}/officers", data={"staff_no": "A-7", "name": "赵六"},
                      follow_redirects=False)
    assert res.status_code == 303
    page = client.get(f"/console/units/{NEW_UNIT_USCC}").text
    token = re.search(r'id="issued-token">([^<]+)<', page).group(1)
    with session_scope(engine) as s:
        actor = tokens.authenticate(s, token)
    assert (actor.unit_uscc, actor.officer) == (NEW_UNIT_USCC, "A-7")
    # a duplicate staff number is refused on the page, in place
    dup = client.post(f"/console/units/{NEW_UNIT_USCC}/officers", data={"staff_no": "A-7", "name": "赵六"})
    assert dup.status_code == 409 and 'id="refusal"' in dup.text
    # the catalog (read-only) and ingestion pages
    assert "penalty" in client.get("/console/catalog").text
    ingestion = client.get("/console/ingestion").text
    assert "上海市测试监督管理局" in ingestion and 'id="batches-by-unit"' in ingestion


@pytest.mark.article("Art. 37")
def test_a_deletion_past_its_deadline_is_late_on_the_console(engine, portal_world, desk, monkeypatch):
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-03T10:00:00")
    with session_scope(engine) as s:
        provider = units.actor_for(units.get_by_uscc(s, PROVIDER_USCC))
        workflows.revoke(s, record_id=portal_world.records["current"], document="沪复〔2025〕1号",
                         decided_by="reconsideration", reason="撤销", actor=provider)
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T10:00:00")
    page = _operator(engine, desk).get("/console").text
    due = page.split('id="deletions-due"')[1].split("</table>")[0]
    assert f"#{portal_world.records['current']}" in due and 'class="overdue"' in due and "第三十七条" in due


@pytest.mark.article("Art. 20(2)")
def test_verify_from_the_console_is_queued_the_worker_runs_it_and_the_page_keeps_its_outcome(engine, desk):
    from xinyong import worker
    from xinyong.models import AuditVerification

    client = _operator(engine, desk)
    assert "never run from the console" in client.get("/console?lang=en").text
    res = client.post("/console/verify", data={}, follow_redirects=False)
    assert res.status_code == 303 and "verified=queued" in res.headers["location"]
    again = client.post("/console/verify", data={}, follow_redirects=False)  # one waits: no second
    assert again.status_code == 303
    with session_scope(engine) as s:  # nothing was verified in the request
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "audit:verify")).all() == []
        [queued] = s.scalars(select(AuditVerification)).all()
        assert queued.started_at is None and queued.outcome is None
    page = client.get(res.headers["location"].replace("?", "?lang=en&")).text
    assert 'id="verify-done"' in page and "never run from the console" in page
    assert 'data-state="queued"' in page and "waiting for xinyong worker" in page
    assert worker.Worker(engine).run_verifications() == [{"id": queued.id, "ok": True}]
    assert worker.Worker(engine).run_verifications() == []  # finished: not run twice
    with session_scope(engine) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "audit:verify")).one()
        row = s.get(AuditVerification, queued.id)
        assert (row.outcome, row.summary["ok"], row.finished_at is not None) == ("ok", True, True)
    assert event.details["ok"] is True and event.details["events"] > 0 and event.actor == queued.requested_by
    page = client.get("/console?lang=en").text
    assert "Intact" in page.split('id="last-verification"')[1][:600]
    assert 'data-state="finished"' in page and ": intact" in page.split('id="verification-request"')[1][:600]



@pytest.mark.article("Art. 20(2)")
def test_a_verification_whose_worker_died_is_shown_interrupted_and_run_again_by_the_next_worker(engine, desk,
                                                                                                  monkeypatch):
    from datetime import timedelta

    from sqlalchemy import update

    from xinyong import worker
    from xinyong.clock import wall_now
    from xinyong.models import AuditVerification
    from xinyong.oversight import operations

    client = _operator(engine, desk)
    client.post("/console/verify", data={}, follow_redirects=False)
    # a worker claims it, then dies inside audit verify (its heartbeat stops with it)
    def dies(engine):
        raise SystemExit("killed")

    monkeypatch.setattr("xinyong.audit.verify.verify", dies)
    with pytest.raises(SystemExit):
        operations.run_queued_verifications(engine)
    monkeypatch.undo()
    with session_scope(engine) as s:
        [row] = s.scalars(select(AuditVerification)).all()
        assert row.started_at is not None and row.finished_at is None and row.runs == 1 and row.lease_holder
        # while its lease runs, another worker leaves it alone and the page says running
    assert worker.Worker(engine).run_verifications() == []
    assert 'data-state="running"' in client.get("/console?lang=en").text
    with session_scope(engine) as s:  # the lease lapses: nobody renews it
        s.execute(update(AuditVerification).values(lease_expires_at=wall_now() - timedelta(seconds=1)))
    page = client.get("/console?lang=en").text
    assert 'data-state="interrupted"' in page and "the next worker runs it again" in page
    assert "已中断" in client.get("/console?lang=zh").text
    assert client.post("/console/verify", data={}, follow_redirects=False).status_code == 303  # still the one
    assert worker.Worker(engine).run_verifications() == [{"id": row.id, "ok": True}]
    with session_scope(engine) as s:
        [again] = s.scalars(select(AuditVerification)).all()
        assert (again.outcome, again.runs, again.lease_holder) == ("ok", 2, None)
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "audit:verify")).all()) == 1


# --- the API route of agents' tokens ------------------------------------------------------------------------

@pytest.mark.article("Art. 17.1")
def test_the_agent_token_api_is_the_operators(engine, portal_world, desk):
    client = portal_client(engine)
    body = {"subject": ORG_USCC, "agent_name": "王代理", "agent_document": "授权委托书 1", "expires_on": "2026-01-01"}
    auth = {"Authorization": f"Bearer {desk.operator_token}"}
    res = client.post("/api/v1/agent-tokens", json=body, headers=auth)
    assert res.status_code == 201, res.text
    issued = res.json()
    assert issued["subject"]["identifier"] == ORG_USCC and issued["agent_name"] == "王代理" and issued["token"]
    listed = client.get("/api/v1/agent-tokens", headers=auth).json()
    assert [t["id"] for t in listed] == [issued["id"]] and "token" not in listed[0]
    assert client.post("/api/v1/agent-tokens", json={**body, "agent_document": ""}, headers=auth).status_code == 422
    other = {"Authorization": f"Bearer {desk.supervisor_token}"}
    assert client.post("/api/v1/agent-tokens", json=body, headers=other).status_code == 403
    res = client.post(f"/api/v1/agent-tokens/{issued['id']}/revocation", headers=auth)
    assert res.status_code == 200 and res.json()["state"] == "revoked"
    assert client.post("/api/v1/agent-tokens/999999/revocation", headers=auth).status_code == 404
