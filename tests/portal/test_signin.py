"""Signing in to the portal: the token form, the session cookie, CSRF, idle and revoked sessions, agents."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from xinyong import tokens
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import InvalidInput
from xinyong.models import AuditEvent, Subject, UnitToken, WebSession
from xinyong.portal import web

from ..helpers import AGENT, add_provider, issue_subject_token
from ..factories import uscc
from .support import portal_client

MORNING = "2025-06-16T09:00:00"


@pytest.fixture
def world(engine, portal_world):
    unit_token = add_provider(engine, uscc=uscc(818181))[1]
    with session_scope(engine) as s:
        person = s.get(Subject, portal_world.person_id)
        org = s.get(Subject, portal_world.org_id)
        return {"person": issue_subject_token(s, person), "org": issue_subject_token(s, org),
                "unit": unit_token, **vars(portal_world)}


def _session_cookie(response) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(web.SESSION_COOKIE + "="):
            return header
    raise AssertionError("no session cookie was set")


@pytest.mark.article("Art. 17.1")
def test_a_citizen_signs_in_with_the_token_and_the_cookie_is_http_only_and_strict(engine, world):
    client = portal_client(engine)
    r = client.sign_in(world["person"])
    assert r.status_code == 303 and r.headers["location"] == "/me"
    cookie = _session_cookie(r).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert world["person"] not in cookie  # the cookie is the session's own secret, never the token
    page = client.get("/login", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/me"  # already signed in
    with session_scope(engine) as s:
        row = s.scalar(select(WebSession))
        assert row.ended_at is None and row.token_digest == tokens.token_digest(world["person"])
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "session:open")) is not None


def test_each_kind_of_holder_goes_to_its_own_home(engine, world):
    assert portal_client(engine).sign_in(world["unit"]).headers["location"] == "/unit"
    assert portal_client(engine).sign_in(world["org"]).headers["location"] == "/me"


@pytest.mark.article("Art. 19(1)")
def test_a_form_posted_without_its_csrf_token_is_refused(engine, world):
    client = portal_client(engine)
    r = client.post("/login", data={"token": world["person"]}, no_csrf=True, follow_redirects=False)
    assert r.status_code == 403 and "csrf_token" in r.text and "第十九条" in r.text
    r = client.post("/login", data={"token": world["person"], "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert web.SESSION_COOKIE not in client.cookies
    # signed in, the session's own token is required: the browser's pre-sign-in token no longer does
    before = client.cookies.get(web.CSRF_COOKIE)
    assert client.sign_in(world["person"]).status_code == 303
    r = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
    assert r.status_code == 403


@pytest.mark.article("Art. 19(1)")
def test_a_wrong_token_is_refused_traced_and_counted(engine, world, monkeypatch):
    monkeypatch.setenv("XINYONG_RATE_AUTH_FAILURES", "3/15 minutes")
    from xinyong.config import get_settings

    get_settings.cache_clear()
    try:
        client = portal_client(engine)
        for _ in range(3):
            r = client.sign_in("xy_not-a-token-at-all")
            assert r.status_code == 401 and "令牌未被接受" in r.text
        r = client.sign_in(world["person"])  # the address is locked out now, even with a good token
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    finally:
        get_settings.cache_clear()
    with session_scope(engine) as s:
        failures = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "auth:failed")))
    assert len(failures) == 3 and all(e.details["channel"] == "portal" for e in failures)
    assert all("not-a-token" not in str(e.details) for e in failures)


def test_sign_out_ends_the_session(engine, world):
    client = portal_client(engine)
    client.sign_in(world["person"])
    r = client.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with session_scope(engine) as s:
        row = s.scalar(select(WebSession))
        assert row.ended_at is not None and row.end_reason == "sign-out"
    assert client.get("/login", follow_redirects=False).status_code == 200  # no longer signed in


def _cookie_value(client) -> str:
    return client.cookies.get(web.SESSION_COOKIE) or ""


def test_an_idle_session_ends_and_a_used_one_does_not(engine, world, monkeypatch):
    monkeypatch.setenv("XINYONG_TODAY", MORNING)
    client = portal_client(engine)
    client.sign_in(world["person"])
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T09:10:00")
    assert client.get("/login", follow_redirects=False).status_code == 303  # 10 minutes: still signed in
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T09:24:00")
    assert client.get("/login", follow_redirects=False).status_code == 303  # 14 minutes after last use
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T09:40:00")
    assert client.get("/login", follow_redirects=False).status_code == 200  # 16 minutes idle: ended
    with session_scope(engine) as s:
        assert s.scalar(select(WebSession.end_reason)) == "idle"


def test_revoking_the_token_ends_its_sessions_at_once(engine, world):
    client = portal_client(engine)
    client.sign_in(world["person"])
    with session_scope(engine) as s:
        token_id = s.scalar(select(UnitToken.id).where(UnitToken.token_digest == tokens.token_digest(world["person"])))
        tokens.revoke(s, token_id=token_id, actor=CONSOLE)
    assert client.get("/login", follow_redirects=False).status_code == 200
    with session_scope(engine) as s:
        assert s.scalar(select(WebSession.end_reason)) == "token"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_the_site(engine, world, target):
    client = portal_client(engine)
    r = client.post("/login", data={"token": world["person"], "next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/me"


def test_a_page_that_needs_a_sign_in_sends_to_login_and_back(engine, world):
    client = portal_client(engine)
    r = client.get("/me", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/me"


@pytest.mark.article("Art. 17.1")
def test_an_organization_acts_only_through_a_named_agent_on_a_written_authorization(engine, world):
    with session_scope(engine) as s:
        org = s.get(Subject, world["org_id"])
        with pytest.raises(InvalidInput) as refused:
            tokens.issue(s, actor=CONSOLE, label="subject", subject=org)
        assert refused.value.article == "Art. 17.1"
        with pytest.raises(InvalidInput):
            tokens.issue(s, actor=CONSOLE, label="agent", subject=org, agent_name="李四")
        token_id, token = tokens.issue(s, actor=CONSOLE, label="agent", subject=org, **AGENT)
    with session_scope(engine) as s:
        actor = tokens.authenticate(s, token)
    assert actor.subject_id == world["org_id"] and actor.agent == AGENT["agent_name"]
    assert actor.label == f"subject:{world['org_id']}/agent#{token_id}"  # the agent's name stays out of logs
    assert AGENT["agent_name"] not in actor.label
