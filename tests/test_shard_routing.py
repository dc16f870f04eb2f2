"""The path to sharding by subject (docs/scaling.md): every statement the hot paths send — after the look-ups
by their own key (a token, a session cookie, an identifier's digest) and the reference tables — names the subject
it concerns, so that on Citus it would route to one shard. Statements are caught as SQLite executes them (the
trace callback gives each with its values), through the real front doors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from xinyong.app import create_app
import xinyong.models  # noqa: F401  (every table)
from xinyong.db import Base, session_scope
from xinyong.objection import service as objections
from xinyong.report import service as reports
from xinyong.auth import CONSOLE, Actor

from .inquiry.conftest import ORG_USCC, world  # noqa: F401

# Small tables read on every request, replicated to every node.
REFERENCE = {"catalog_item", "catalog_version", "unit", "unit_provides", "unit_inquiry_item", "unit_inquiry_list", "officer",
             "measure", "credit_list", "list_comment", "service_norm", "audit_checkpoint", "worker_job", "batch",
             "batch_reject", "alembic_version", "sqlite_sequence", "sqlite_master"}
# Distributed by their own key: the look-ups that find the subject (or the actor).
OWN_KEY = {"access_token": "token_digest", "web_session": "cookie_digest", "subject": "identifier_digest",
           "subject_identifier": "identifier_digest",  # a former identifier: the look-up an unknown digest falls back to
           "measure_check": "unit_id"}  # a check covers up to 1,000 subjects: it is the organ's, by its unit
# Statements known not to route by subject yet, by the table and a fragment of the statement, with the reason.
# The list may only shrink.
KNOWN_UNROUTED = {
    ("audit_event", "max(id)"): "the audit log's id high-water mark (each shard's own chain once sharded)",
}
SUBJECT_KEY = re.compile(r'\bsubject_id\b\s*(=|IN\b)|\bsubject\.id\s*(=|IN\b)|"?subject"?\."?id"?\s*(=|IN\b)',
                         re.IGNORECASE)
TABLES = set(Base.metadata.tables)
TABLE = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def _unrouted(sql: str) -> list[str]:
    head = sql.lstrip().split(None, 1)[0].upper()
    if head not in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
        return []  # BEGIN, COMMIT, PRAGMA, SAVEPOINT …
    tables = ({t.lower() for t in TABLE.findall(sql)} & TABLES) - REFERENCE  # (words in quoted text are not tables)
    bad = []
    for table in sorted(tables):
        if table in OWN_KEY and re.search(rf'\b{OWN_KEY[table]}\b', sql):
            continue
        if head in ("INSERT", "WITH") and re.search(rf'INTO\s+"?{table}"?\s*\([^)]*\bsubject_id\b', sql,
                                                   re.IGNORECASE):
            continue  # the row carries its subject (also in a WITH chain, PostgreSQL's log write): its shard
        if SUBJECT_KEY.search(sql):
            continue
        if any(t == table and fragment.lower() in sql.lower() for t, fragment in KNOWN_UNROUTED):
            continue
        bad.append(table)
    return bad


@pytest.fixture
def traced(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("the statements are caught with SQLite's trace callback (the same statements run on both)")
    seen: list[str] = []

    def on_checkout(dbapi_conn, _record, _proxy):
        dbapi_conn.set_trace_callback(seen.append)

    event.listen(engine, "checkout", on_checkout)
    yield seen
    event.remove(engine, "checkout", on_checkout)


# Paths known not to route every statement yet: the tables whose statements do not name the subject, with why.
# Equality is asserted, so the list shrinks as the fixes land (docs/scaling.md says what each needs). Empty: every
# path routes; a statement that stops naming its subject fails the test.
KNOWN_PATHS: dict[str, tuple[set[str], str]] = {}


def _check(seen: list[str], what: str) -> None:
    problems = [(t, s[:160]) for s in seen for t in _unrouted(s)]
    assert seen, f"{what}: no statement was caught (the trace is broken)"
    known = KNOWN_PATHS.get(what, (set(), ""))[0]
    assert {t for t, _ in problems} == known, (
        f"{what}: statements that would not route to one shard: {problems}" if not known or
        {t for t, _ in problems} - known else f"{what}: fixed? remove it from KNOWN_PATHS: {problems}")


def test_the_hot_paths_route_every_statement_by_subject(engine, world, traced):  # noqa: F811
    client = TestClient(create_app(engine))
    auth = {"Authorization": f"Bearer {world.organ_token}"}
    traced.clear()
    r = client.post("/api/v1/inquiries", headers=auth, json={"subject": ORG_USCC, "purpose": "permit"})
    assert r.status_code == 200, r.text
    _check(traced, "an inquiry")

    traced.clear()
    r = client.post("/api/v1/checks", headers=auth, json={"subjects": [ORG_USCC], "context": "permit"})
    assert r.status_code == 200, r.text
    _check(traced, "a check")

    traced.clear()
    with session_scope(engine) as s:
        objections.file(s, actor=CONSOLE, subject_id=world.org_id, kind="error", reason="金额错误",
                        evidence=["缴款凭证"], record_ids=[world.records["current"]], channel="cli")
    _check(traced, "an objection filed")

    traced.clear()
    with session_scope(engine) as s:
        reports.issue(s, actor=Actor(role="subject", subject_id=world.org_id))
    _check(traced, "a report issued")


def test_the_checker_catches_a_statement_that_names_no_subject():
    assert _unrouted("SELECT record.id FROM record WHERE record.doc_no = 'x'") == ["record"]
    assert _unrouted("SELECT record.id FROM record WHERE record.subject_id = 4") == []
    assert _unrouted("SELECT id FROM access_token WHERE token_digest = 'ab'") == []
    assert _unrouted("SELECT code FROM catalog_item") == []
    assert _unrouted("INSERT INTO inquiry_log (subject_id, at) VALUES (1, 2)") == []
    assert _unrouted("WITH l AS (INSERT INTO inquiry_log (subject_id, at) VALUES (1, 2) RETURNING id) "
                     "INSERT INTO audit_event (subject_id, object_id) SELECT 1, id FROM l") == []
    assert _unrouted("WITH l AS (UPDATE record SET status = 'x' WHERE id = 3 RETURNING id) SELECT * FROM l") == [
        "record"]
    assert _unrouted("SELECT subject_id FROM subject_identifier WHERE identifier_digest = 'ab'") == []


def test_the_audit_read_back_names_the_subject_and_finds_a_row_moved_to_another(engine, world, traced):  # noqa: F811
    """The rows a transaction wrote are read back at commit by key and subject (audit.binding); a row moved to
    another subject in the same transaction is not lost: it is read again by its key and gets its update event."""
    from sqlalchemy import select, update
    from xinyong.audit import binding
    from xinyong.models import AuditEvent, Record

    rid, form = world.records["current"], binding.form("record")
    read_back = "SELECT record.id, record.subject_id, record.unit_id"  # every column: the row for its digest
    traced.clear()
    with session_scope(engine) as s:
        s.execute(update(Record).where(Record.id == rid, Record.subject_id == world.org_id)
                  .values(objection_open=True))
    back = [q for q in traced if q.startswith(read_back)]
    assert len(back) == 1 and f"record.subject_id IN ({world.org_id})" in back[0], back
    _check(traced, "a record marked")

    traced.clear()
    with session_scope(engine) as s:
        s.execute(update(Record).where(Record.id == rid, Record.subject_id == world.org_id)
                  .values(subject_id=world.person_id))
    assert len([q for q in traced if q.startswith(read_back)]) == 2  # by the subject noted, then by the key
    with session_scope(engine) as s:
        last = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "record", AuditEvent.object_id == str(rid),
                                                  AuditEvent.action.like("row:%"))
                         .order_by(AuditEvent.id.desc())).first()
        row = s.execute(select(*form.columns).where(Record.id == rid)).mappings().one()
    assert (last.action, last.subject_id, last.digest) == ("row:update", world.person_id, form.digest(row))
