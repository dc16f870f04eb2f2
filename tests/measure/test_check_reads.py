"""A one-subject check's reads (``measure.reads``): on PostgreSQL the token and the subject with its records in one
statement at the front door (``POST /checks``); the same answers and log rows as the other paths;
every statement found by its own key or routed by the subject (docs/scaling.md)."""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from xinyong.auth import Actor
from xinyong.db import Prepared, session_scope
from xinyong.inquiry import authorizations, groupcommit
from xinyong.measure import endpoints, service
from xinyong.measure.schemas import CheckIn

from ..factories import uscc
from ..helpers import add_provider
from ..test_shard_routing import _unrouted
from .conftest import ORG_USCC, RESPONSIBLE_RIC

NEW_USCC = uscc(700012)
UNKNOWN = uscc(999996)


def _door(engine, token, subjects, context="permit") -> dict:
    return asyncio.run(endpoints.answer_check(engine, token, CheckIn(subjects=subjects, context=context)))


def _service(engine, actor, subjects, context="permit") -> dict:
    with session_scope(engine) as s:
        return service.check(s, actor=actor, subjects_raw=subjects, context=context, channel="api")


@contextmanager
def _libpq_trace(engine, path):
    """Every connection the engine hands out (the reads' and the log writer's) traced into ``path``; psycopg's
    automatic preparing off, so that a statement's fifth run on a connection costs no round trip of its own."""
    out = open(path, "w")

    def on_checkout(dbapi_conn, _record, _proxy):
        dbapi_conn.prepare_threshold = None
        dbapi_conn.pgconn.trace(out.fileno())

    def on_checkin(dbapi_conn, _record):
        dbapi_conn.pgconn.untrace()
        dbapi_conn.prepare_threshold = 5

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)
        out.close()


def _round_trips(text: str) -> int:
    return text.count("ReadyForQuery")


@pytest.mark.article("Art. 34.1")
def test_on_postgresql_a_check_at_the_front_door_sends_the_token_with_the_subject(engine, joint, tmp_path):
    """The token and the subject with its records in one statement (one round trip), no BEGIN or COMMIT; then only
    what this subject needs (its authorizations: the organ's list holds a non-public item; its entries: a list
    names it; a former identifier: it is unknown), then the log and check rows in one autocommit statement. On
    main each of these was one round trip more (5, 5 and 4): the token was read alone."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's libpq trace")
    w = joint.w
    _door(engine, w.organ_token, [ORG_USCC])  # warm: the reference cache is read once
    cases = ((ORG_USCC, {"R-MARKET", "P-PENALTY"}, 4),  # token + subject, authorizations, entries, the rows
             (RESPONSIBLE_RIC, {"R-MARKET"}, 4),  # the same, its entry as the person responsible (Art. 33)
             (UNKNOWN, set(), 3))  # token + subject, the former identifiers, the rows
    for subject, expected, trips in cases:
        trace = tmp_path / "libpq.trace"
        with _libpq_trace(engine, trace):
            answer = _door(engine, w.organ_token, [subject])
        assert {m["code"] for m in answer["subjects"][0]["measures"]} == expected
        assert answer["check_id"] and answer["subjects"][0]["inquiry_id"]
        text = trace.read_text()
        assert _round_trips(text) == trips, (subject, text)
        assert "BEGIN" not in text and "COMMIT" not in text
        first = text.split("ReadyForQuery", 1)[0]  # the first round trip: the token and the subject
        assert "FROM access_token" in first and "subject.identifier_digest" in first, first


def _prepared_alike(engine, joint, subject: str) -> dict:
    """The front door's reads (the token with the subject on PostgreSQL), the service's and the batch path's give
    one subject the same answer and the same log row (what was revealed, the decision, the authorization, the
    bases)."""
    w = joint.w

    def strip(rows):
        return [{k: v for k, v in r.items() if k != "at"} for r in rows]

    with groupcommit.read_session(engine) as s:
        door = service.read_check(s, token=w.organ_token, subjects_raw=[subject], context="permit", channel="api")
    with groupcommit.read_session(engine) as s:
        one = service.prepare_check(s, actor=w.organ, subjects_raw=[subject], context="permit", channel="api")
    with groupcommit.read_session(engine) as s:
        many = service.prepare_check(s, actor=w.organ, subjects_raw=[subject, UNKNOWN], context="permit",
                                     channel="api")
    assert strip(door.rows) == strip(one.rows) == strip(many.rows[:1]), subject
    a, b, c = door.finish([1], 2), one.finish([1], 2), many.finish([1, 3], 2)
    assert a["subjects"] == b["subjects"] == c["subjects"][:1], subject
    return a["subjects"][0]


@pytest.mark.article("Art. 17.3")
def test_the_front_doors_reads_decide_as_the_other_paths_read(engine, joint):
    """A listed organization, its responsible person, an unknown identifier, a natural person, the organization
    once it authorized the organ to see its arrears, and the organization by its former identifier (read by its
    id after the miss): each answered and logged alike by the front door's reads and the others."""
    w = joint.w
    for subject in (ORG_USCC, RESPONSIBLE_RIC, UNKNOWN, w.person_ric):
        _prepared_alike(engine, joint, subject)
    assert "P-ARREARS" in {m["code"] for m in _prepared_alike(engine, joint, ORG_USCC)["not_evaluable"]}
    with session_scope(engine) as s:
        authorizations.grant(s, subject_id=w.org_id, unit_uscc=w.organ.unit_uscc, items=["arrears"],
                             purpose="permit", valid_from=date(2025, 6, 1), valid_until=date(2025, 12, 31),
                             document="授权书 2025-002", actor=Actor(role="subject", subject_id=w.org_id))
    opened = _prepared_alike(engine, joint, ORG_USCC)
    assert "P-ARREARS" in {m["code"] for m in opened["measures"]}
    provider, _ = add_provider(engine, uscc=uscc(781, prefix="11310000"))
    from xinyong.subject import service as subjects
    with session_scope(engine) as s:
        subjects.record_change(s, actor=provider, subject=ORG_USCC, kind="identifier_changed",
                               new_identifier=NEW_USCC, effective_on=date(2025, 6, 12), doc_no="沪市监变〔2025〕31号",
                               doc_date=date(2025, 6, 10), doc_org="上海市市场监督管理局")
    former = _prepared_alike(engine, joint, ORG_USCC)
    assert former["subject"]["id"] == w.org_id and "R-MARKET" in {m["code"] for m in former["measures"]}
    assert _prepared_alike(engine, joint, NEW_USCC)["measures"] == former["measures"]


class _Statements:
    """Every statement sent: SQLAlchemy's, and the ones ``db.Prepared`` runs on the driver's cursor (the token
    with the subject among them), caught in whichever thread sends them."""

    def __init__(self, engine, monkeypatch):
        self.seen: list[str] = []
        lock = threading.Lock()
        real_send = Prepared.send

        def send(prepared, cursor, dialect, params):
            with lock:
                self.seen.append(prepared._form(dialect)[0])
            return real_send(prepared, cursor, dialect, params)

        def before(_conn, _cursor, statement, _params, _context, _many):
            with lock:
                self.seen.append(statement)

        monkeypatch.setattr(Prepared, "send", send)
        event.listen(engine, "before_cursor_execute", before)
        self._remove = lambda: event.remove(engine, "before_cursor_execute", before)


def test_every_statement_of_a_check_is_found_by_its_key_or_routed_by_the_subject(engine, joint, monkeypatch):
    """On both databases (the token with the subject is PostgreSQL's own statement): the token by its digest, the
    subject by the identifier's digest, its entries by the subject's id, everything else naming the subject."""
    w = joint.w
    _door(engine, w.organ_token, [ORG_USCC])
    caught = _Statements(engine, monkeypatch)
    try:
        for subject in (ORG_USCC, RESPONSIBLE_RIC, UNKNOWN):
            caught.seen.clear()
            _door(engine, w.organ_token, [subject])
            assert caught.seen and not [(t, q[:160]) for q in caught.seen for t in _unrouted(q)], subject
            caught.seen.clear()
            _service(engine, w.organ, [subject])
            assert caught.seen and not [(t, q[:160]) for q in caught.seen for t in _unrouted(q)], subject
    finally:
        caught._remove()
