"""The inquiry log's group commit: every inquiry logged exactly once, no answer before its row is committed
(Art. 34.1), a bad row failing only its own request, and the writer stopping cleanly."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from xinyong.app import create_app
from xinyong.db import session_scope
from xinyong.inquiry import groupcommit
from xinyong.models import InquiryLog

from .conftest import ORG_USCC


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def _logged(engine, ids) -> dict[int, int]:
    with session_scope(engine) as s:
        return dict(s.execute(select(InquiryLog.id, func.count()).where(InquiryLog.id.in_(ids))
                              .group_by(InquiryLog.id)).all())


def _wait_for(cond, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.002)


async def _inquiries(app, token: str, n: int) -> tuple[list[asyncio.Task], httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    client = httpx.AsyncClient(transport=transport, base_url="http://test")
    body = {"subject": ORG_USCC, "purpose": "permit"}
    tasks = [asyncio.create_task(client.post("/api/v1/inquiries", headers=auth(token), json=body)) for _ in range(n)]
    return tasks, client


def _queued(writer) -> int:
    """Submissions waiting for the writer or taken by it (not yet answered)."""
    return len(writer._pending) + writer.in_flight


def _blocked_writer(engine):
    """The engine's writer, its commits held until ``release`` is set; ``entered`` is set when one waits."""
    writer = groupcommit.writer_for(engine)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        entered.set()
        assert release.wait(10)

    writer.before_commit = hold
    return writer, entered, release


@pytest.mark.article("Art. 34.1")
@pytest.mark.parametrize("n", [12, pytest.param(50, marks=pytest.mark.long)])
def test_concurrent_inquiries_are_logged_once_and_answered_only_after_their_commit(engine, world, n):
    app = create_app(engine)
    writer, entered, release = _blocked_writer(engine)

    async def scenario():
        tasks, client = await _inquiries(app, world.organ_token, n)
        try:
            # the first group is held in its commit; the others queue behind it
            await asyncio.to_thread(_wait_for, lambda: entered.is_set() and _queued(writer) == n)
            await asyncio.sleep(0.05)
            assert not any(t.done() for t in tasks), "an answer left before its log row was committed"
            release.set()
            return await asyncio.gather(*tasks)
        finally:
            release.set()
            await client.aclose()

    try:
        responses = asyncio.run(scenario())
    finally:
        writer.before_commit = None
        groupcommit.stop(engine)
    assert [r.status_code for r in responses] == [200] * n
    ids = [r.json()["inquiry_id"] for r in responses]
    assert len(set(ids)) == n
    assert _logged(engine, ids) == {i: 1 for i in ids}
    assert writer.groups <= 2  # the group held, then all that queued behind it in one transaction
    assert not writer.running


@pytest.mark.article("Art. 34.1")
def test_a_row_that_cannot_be_written_fails_only_its_own_request(engine, world, monkeypatch):
    app = create_app(engine)
    writer, entered, release = _blocked_writer(engine)
    real = groupcommit.read_inquiry
    calls = []

    def spoiling(*a, **kw):
        decided = real(*a, **kw)
        calls.append(decided)
        if len(calls) in (3, 6):
            decided.rows[0]["channel"] = None  # NOT NULL: this row cannot be inserted
        return decided

    monkeypatch.setattr(groupcommit, "read_inquiry", spoiling)
    n = 8

    async def scenario():
        tasks, client = await _inquiries(app, world.organ_token, n)
        try:
            await asyncio.to_thread(_wait_for, lambda: entered.is_set() and _queued(writer) == n)
            release.set()
            return await asyncio.gather(*tasks)
        finally:
            release.set()
            await client.aclose()

    try:
        responses = asyncio.run(scenario())
    finally:
        writer.before_commit = None
        groupcommit.stop(engine)
    statuses = [r.status_code for r in responses]
    assert sorted(statuses) == [200] * (n - 2) + [500] * 2
    for r in responses:
        if r.status_code == 500:
            assert ORG_USCC not in r.text and "channel" not in r.text  # nothing of it disclosed
    ids = [r.json()["inquiry_id"] for r in responses if r.status_code == 200]
    assert len(set(ids)) == n - 2 and _logged(engine, ids) == {i: 1 for i in ids}
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(InquiryLog)) == n - 2


@pytest.mark.article("Art. 34.1")
def test_denials_are_logged_before_refused_and_the_writer_stops_with_the_app(engine, world):
    writer = groupcommit.writer_for(engine)
    ok = {"subject": ORG_USCC, "purpose": "permit"}
    with TestClient(create_app(engine)) as client:
        res = client.post("/api/v1/inquiries", headers=auth(world.court_token), json={"subject": ORG_USCC})
        assert res.status_code == 403, res.text
        with session_scope(engine) as s:
            log = s.scalars(select(InquiryLog).order_by(InquiryLog.id.desc())).first()
        assert log.decision == "deny" and res.json()["details"]["inquiry_id"] == log.id
        # an unknown token is refused before a malformed identifier is, as before
        res = client.post("/api/v1/inquiries", headers=auth("nope"), json={"subject": "not-an-id", **ok})
        assert res.status_code == 401
        res = client.post("/api/v1/inquiries", headers=auth(world.organ_token), json={**ok, "subject": "not-an-id"})
        assert res.status_code == 422
        assert client.post("/api/v1/inquiries", headers=auth(world.organ_token), json=ok).status_code == 200
        assert writer.running
        thread = writer._thread
    assert not writer.running and not thread.is_alive()  # the app's lifespan stopped it
    groupcommit.stop(engine)  # stopping a stopped writer is harmless
    with TestClient(create_app(engine)) as client:  # and a later inquiry starts it again
        res = client.post("/api/v1/inquiries", headers=auth(world.organ_token), json=ok)
        assert res.status_code == 200 and _logged(engine, [res.json()["inquiry_id"]])
    assert not writer.running


def test_on_postgresql_the_reads_are_one_round_trip_with_no_transaction(engine, world, monkeypatch, tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's pipeline")
    from contextlib import contextmanager

    real = groupcommit.read_session
    trace = tmp_path / "libpq.trace"

    @contextmanager
    def traced(eng):
        with real(eng) as s, open(trace, "w") as out:
            pgconn = s.connection().connection.dbapi_connection.pgconn
            pgconn.trace(out.fileno())
            try:
                yield s
            finally:
                pgconn.untrace()

    groupcommit.read_inquiry(engine, token=world.organ_token, subject=ORG_USCC, purpose="permit", case_no=None,
                             channel="api")  # warm: the reference cache is read once
    monkeypatch.setattr(groupcommit, "read_session", traced)
    decided = groupcommit.read_inquiry(engine, token=world.organ_token, subject=ORG_USCC, purpose="permit",
                                       case_no=None, channel="api")
    assert decided.answer.allowed and decided.rows
    text = trace.read_text()
    assert text.count("ReadyForQuery") == 1, text
    assert "BEGIN" not in text and "COMMIT" not in text
    # one statement, not a pipeline of three: the token, the subject and its authorizations are read together
    # (a pipeline costs the client more CPU than the round trip it saves)
    assert text.count("\tExecute\t") == 1, text


@pytest.mark.article("Art. 34.1")
def test_on_postgresql_a_group_is_written_in_one_round_trip_with_no_transaction(engine, world, tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's one statement in autocommit")
    from sqlalchemy import event

    decided = [groupcommit.read_inquiry(engine, token=world.organ_token, subject=ORG_USCC, purpose="permit",
                                        case_no=None, channel="api") for _ in range(5)]
    writer = groupcommit.LogWriter(engine)
    entered, release = threading.Event(), threading.Event()
    writer.before_commit = lambda: (entered.set(), release.wait(10))
    trace = tmp_path / "libpq.trace"

    def on_checkout(dbapi_conn, _record, _proxy):
        if threading.current_thread().name == "inquiry-log-writer":
            dbapi_conn.pgconn.trace(out.fileno())

    def on_checkin(dbapi_conn, _record):
        dbapi_conn.pgconn.untrace()

    async def scenario():
        first = asyncio.ensure_future(writer.write(decided[0].rows, decided[0].events))
        await asyncio.to_thread(entered.wait, 10)  # the first group is held; the other four queue behind it
        rest = [asyncio.ensure_future(writer.write(d.rows, d.events)) for d in decided[1:]]
        await asyncio.to_thread(_wait_for, lambda: len(writer._pending) == 4)
        release.set()
        return [await first] + [await f for f in rest]

    with open(trace, "w") as out:
        event.listen(engine, "checkout", on_checkout)
        event.listen(engine, "checkin", on_checkin)
        try:
            ids = [i for group in asyncio.run(scenario()) for i in group]
        finally:
            release.set()
            event.remove(engine, "checkout", on_checkout)
            event.remove(engine, "checkin", on_checkin)
            writer.stop()
    assert writer.groups == 2 and len(set(ids)) == 5 and _logged(engine, ids) == {i: 1 for i in ids}
    text = trace.read_text()
    assert text.count("ReadyForQuery") == 2, text  # one round trip a group
    assert "BEGIN" not in text and "COMMIT" not in text
    with session_scope(engine) as s:  # each row with its audit event, as the two-statement path writes them
        from xinyong.models import AuditEvent
        events = s.scalars(select(AuditEvent.object_id).where(AuditEvent.object_type == "inquiry",
                                                              AuditEvent.object_id.in_([str(i) for i in ids]))).all()
    assert sorted(events) == sorted(str(i) for i in ids)


@pytest.mark.article("Art. 17.3")
def test_the_authorizations_read_with_the_token_decide_as_the_decision_reads_them(engine, world):
    """The pipelined read (PostgreSQL) hands the decision the authorizations it would have read itself."""
    from datetime import date

    from xinyong.auth import Actor
    from xinyong.inquiry import authorizations
    from xinyong.inquiry import service as inquiries

    def both():
        decided = groupcommit.read_inquiry(engine, token=world.organ_token, subject=ORG_USCC, purpose="permit",
                                           case_no=None, channel="api")
        with session_scope(engine) as s:
            direct = inquiries.inquire(s, actor=world.organ, subject=ORG_USCC, purpose="permit", channel="api")
        assert decided.answer.records == direct.records
        assert decided.rows[0]["authorization_id"] == direct.authorization_id
        return decided.answer

    arrears = "沪税〔2024〕7号"
    assert arrears not in {r["document"]["number"] for r in both().records}
    with session_scope(engine) as s:
        auth = authorizations.grant(
            s, subject_id=world.org_id, unit_uscc=world.organ.unit_uscc, items=["arrears"], purpose="permit",
            valid_from=date(2025, 6, 1), valid_until=date(2025, 12, 31), document="授权书 2025-001",
            actor=Actor(role="subject", subject_id=world.org_id))
        auth_id = auth.id
    answer = both()
    assert arrears in {r["document"]["number"] for r in answer.records} and answer.authorization_id == auth_id
    with session_scope(engine) as s:  # withdrawn: read with the token all the same, and it opens nothing
        authorizations.withdraw(s, authorization_id=auth_id, reason="撤回授权",
                                actor=Actor(role="subject", subject_id=world.org_id))
    assert arrears not in {r["document"]["number"] for r in both().records}
