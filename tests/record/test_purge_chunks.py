"""The Art. 37 purge deletes revoked records a chunk at a time (``workflows.PURGE_CHUNK``), on both databases: what it
leaves — rows, tombstones, audit events, the journal, the stored copies, the report — is what deleting them one
at a time leaves, whatever the chunks; and its statements grow with the chunks, not with the records."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from xinyong import deletion
from xinyong.audit import binding
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE, Actor
from xinyong.clock import TZ
from xinyong.config import get_settings
from xinyong.db import session_scope
from xinyong.measure import service as measures
from xinyong.models import AuditEvent, Record, RecordTombstone, Unit
from xinyong.objection import service as objections
from xinyong.record import importer, workflows
from xinyong.record.spool import SpoolReader
from xinyong.report import service as reports

from ..factories import CF_COLUMNS, cf_row, to_csv
from ..helpers import TODAY
from ..inquiry.conftest import ORG_USCC, world  # noqa: F401
from ..measure.conftest import joint  # noqa: F401

pytestmark = pytest.mark.article("Art. 37")

FIXED = datetime(2025, 6, 16, 10, 0, tzinfo=TZ)  # the purge's own timestamps, the same in every run compared
# The rows a purge deletes or rewrites, and the rows it writes (keyed by what does not depend on the run).
TABLES = {"record": "id", "record_history": "id", "record_action": "id", "record_tombstone": "record_id",
          "objection": "id", "objection_record": "id", "measure_application": "id", "credit_report": "id",
          "credit_report_pdf": "report_id", "credit_commitment": "id", "notice": "id", "exchange_received": "id"}


def _provider(s, record_id: int) -> Actor:
    unit = s.get(Unit, s.get(Record, record_id).unit_id)
    return Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer="console")


def _upload(engine, actor: Actor, tmp_path: Path, rows: list[dict], name: str):
    """An import as the API runs it: the stored copy (the encrypted spool) kept, then imported from it."""
    path = tmp_path / name
    path.write_bytes(to_csv(rows, CF_COLUMNS))
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename=name,
                                   sha256=importer.sha256_of(path), actor=actor)
    copy = importer.keep_copy(batch_id, path, name)
    return importer.run_import(engine, batch_id=batch_id, path=copy, actor=actor, today=TODAY)


@pytest.fixture
def many(engine, joint, tmp_path):  # noqa: F811
    """The joint world, plus: two more uploads from its provider (nine records of eight organisations; the second
    file carries two of them again, another in a different version, and a new one); a check with a measure applied
    on records (its letter to the subject names them); reports issued to two subjects; an objection about two
    records, decided "corrected"; an objection about a record and one that stays. Then eleven records of nine
    subjects are revoked (the objection's two far apart, so that small chunks split them)."""
    w = joint.w
    with session_scope(engine) as s:
        provider = _provider(s, w.records["current"])
    more = [cf_row(n) for n in range(10, 18)] + [cf_row(19, CF_XDR_SHXYM=cf_row(13)["CF_XDR_SHXYM"],
                                                        CF_XDR_MC=cf_row(13)["CF_XDR_MC"])]  # 13's second
    assert _upload(engine, provider, tmp_path, more, "more.csv").accepted == 9
    again = [cf_row(10), cf_row(11), cf_row(12, CF_SY="当事人销售超过保质期的食品（另一版本）。"), cf_row(18)]
    got = _upload(engine, provider, tmp_path, again, "again.csv")
    assert (got.accepted, got.already_present, got.rejected) == (1, 2, 1)
    with session_scope(engine) as s:
        ids = {r.doc_no: (r.id, r.subject_id) for r in s.query(Record)}
    rid = {n: ids[cf_row(n)["CF_WSH"]][0] for n in range(10, 20)}
    sid = {n: ids[cf_row(n)["CF_WSH"]][1] for n in range(10, 20)}
    with session_scope(engine) as s:  # the organ's check before a permit, and a measure applied on the org's penalties
        res = measures.check(s, actor=w.organ, subjects_raw=[ORG_USCC], context="permit", channel="api")
    with session_scope(engine) as s:
        measures.apply(s, check_id=res["check_id"], measure="P-PENALTY", subject=ORG_USCC,
                       document="沪府许〔2025〕4号", actor=w.organ)
    with session_scope(engine) as s:
        reports.issue(s, actor=Actor(role="subject", subject_id=w.org_id))
        reports.issue(s, actor=Actor(role="subject", subject_id=sid[10]))
        reports.issue(s, actor=w.organ, subject=ORG_USCC, purpose="permit")
    org = Actor(role="subject", subject_id=w.org_id)
    with session_scope(engine) as s:
        both = objections.file(s, actor=org, subject_id=w.org_id, kind="error", reason="金额有误", evidence=["缴款凭证"],
                               record_ids=[w.records["current"], w.records["arrears"]], channel="api")
        both = objections.number_of(both)
        one = objections.file(s, actor=Actor(role="subject", subject_id=sid[13]), subject_id=sid[13], kind="error",
                              reason="处罚对象有误", record_ids=[rid[13], rid[19]], channel="api")
        objections.note(s, objection=objections.number_of(one), actor=CONSOLE, path="center")
    with session_scope(engine) as s:
        objections.note(s, objection=both, actor=CONSOLE, path="center")
    with session_scope(engine) as s:
        objections.decide(s, objection=both, actor=CONSOLE, outcome="corrected", document="沪异议〔2025〕1号",
                          reason="经核查", changes={"content": "罚款人民币1500元"})
    order = [w.records["current"], rid[10], rid[11], w.records["person"], rid[12], rid[13], rid[15], rid[16],
             w.records["expired"], w.records["arrears"], rid[18]]
    with session_scope(engine) as s:
        for n, record_id in enumerate(order):
            workflows.revoke(s, record_id=record_id, document=f"沪复决〔2025〕{n}号", decided_by="court",
                             reason="判决撤销", actor=_provider(s, record_id))
    return order


def _jsonable(v):
    if isinstance(v, (int, float, str, bool, type(None), list, dict)):
        return v
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def _state(s: Session, mark: int, tombstones: dict[str, int]) -> dict:
    """What the purge left, as the database (inside its transaction) and the stored copies hold it."""
    out: dict = {}
    for name, key in TABLES.items():
        rows = [dict(r) for r in s.execute(text(f'SELECT * FROM "{name}"')).mappings()]
        if name == "record_tombstone":
            for r in rows:
                tombstones[str(r.pop("id"))] = r["record_id"]  # its id comes from a sequence: not rolled back
        out[name] = sorted(({k: _jsonable(v) for k, v in r.items()} for r in rows), key=lambda r: r[key])
    events = []
    for e in s.scalars(select(AuditEvent).where(AuditEvent.id > mark)):
        object_id = e.object_id
        if e.object_type == "record_tombstone":
            object_id = f"tombstone of {tombstones[object_id]}"
        events.append((e.action, e.actor, e.object_type, object_id, e.subject_id, e.digest,
                       orjson.dumps(e.details, option=orjson.OPT_SORT_KEYS).decode()))
    out["events"] = sorted(events, key=repr)
    folder = get_settings().var_dir / "batches"
    out["copies"] = {p.name: [(row.line, row.values) for row in SpoolReader(p)] for p in sorted(folder.glob("*.spool"))}
    return out


def _purge_rolled_back(engine, monkeypatch, tmp_path, chunk: int, files: Path) -> tuple[dict, int]:
    """``deletion.purge`` with this chunk, the row events its commit would append, then everything read and the
    transaction rolled back; the stored copies put back as they were. Returns what it left and its statements."""
    batches = get_settings().var_dir / "batches"
    shutil.rmtree(batches)
    shutil.copytree(files, batches)
    journal_dir = tmp_path / f"journal-{chunk}"
    monkeypatch.setenv("XINYONG_PURGE_JOURNAL_DIR", str(journal_dir))
    monkeypatch.setattr(workflows, "PURGE_CHUNK", chunk, raising=False)
    monkeypatch.setattr(workflows, "now", lambda: FIXED)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        # (SQLite: SQLAlchemy inserts the tombstones row by row, for their ids; PostgreSQL: in one statement)
        if not (engine.dialect.name == "sqlite" and statement.startswith("INSERT INTO record_tombstone")):
            seen.append(statement)

    s = Session(engine)
    try:
        mark = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        event.listen(engine, "before_cursor_execute", count)
        try:
            report = deletion.purge(s, actor=CONSOLE)
            binding._before_commit(s)  # the row events the commit appends
        finally:
            event.remove(engine, "before_cursor_execute", count)
        state = _state(s, mark, {})
    finally:
        s.rollback()
        s.close()
    state["report"] = {"deleted": report.deleted, "late": report.late, "unknown": report.unknown_deadline,
                       "steps": {k: (r.deleted, r.late) for k, r in report.steps.items()}}
    [journal] = list(journal_dir.glob("purge-*.json"))
    state["journal"] = orjson.loads(journal.read_bytes())["entries"]
    return state, len(seen)


def test_a_purge_in_chunks_leaves_what_one_record_at_a_time_leaves(engine, many, monkeypatch, tmp_path):
    files = tmp_path / "stored-copies"
    shutil.copytree(get_settings().var_dir / "batches", files)
    one, per_record = _purge_rolled_back(engine, monkeypatch, tmp_path, 1, files)
    assert [d["record_id"] for d in one["report"]["deleted"]] == many
    assert len(one["record_tombstone"]) == len(many) and not {r["id"] for r in one["record"]} & set(many)
    assert {e[0] for e in one["events"]} >= {"record:delete", "objection:purge-record", "report:purge-record",
                                             "measure-application:purge-record", "row:delete", "row:update",
                                             "row:insert"}
    # the objection about two records keeps its corrections' field names only once both are gone
    assert [o["changes"] for o in one["objection"] if o["changes"] and "deleted" in o["changes"]]
    for chunk in (2, 3, 500):
        state, statements = _purge_rolled_back(engine, monkeypatch, tmp_path, chunk, files)
        for part in one:
            assert state[part] == one[part], (chunk, part)
        if chunk == 500:
            in_one = statements
    assert in_one * 4 < per_record  # one chunk against eleven


def test_the_statements_of_a_purge_grow_with_its_chunks_not_its_records(engine, many, monkeypatch, tmp_path):
    """Eleven records of nine subjects, with copies in every domain: in one chunk, one statement per table it reads
    or writes (one record at a time: 19 a record and more); each further chunk as many again, whatever its size."""
    files = tmp_path / "stored-copies"
    shutil.copytree(get_settings().var_dir / "batches", files)
    counts = {chunk: _purge_rolled_back(engine, monkeypatch, tmp_path, chunk, files)[1] for chunk in (500, 4, 1)}
    assert counts[500] <= 50, counts
    assert counts[4] - counts[500] <= 2 * 30, counts  # three chunks
    assert counts[1] > 4 * counts[500], counts  # eleven


def test_after_a_purge_in_chunks_audit_verify_passes(engine, many, monkeypatch):
    monkeypatch.setattr(workflows, "PURGE_CHUNK", 3, raising=False)
    with session_scope(engine) as s:
        report = deletion.purge(s, actor=CONSOLE)
    with session_scope(engine) as s:
        deletion.scrub_storage(s)
    assert [d["record_id"] for d in report.deleted] == many
    with session_scope(engine) as s:
        assert s.scalars(select(RecordTombstone.record_id).order_by(RecordTombstone.id)).all() == many
        assert not s.scalars(select(Record.id).where(Record.id.in_(many))).all()
    rep = verify(engine)
    assert rep.ok, rep.problems[:5]
