"""Every table a subject, an organ or an auditor relies on is bound to the sealed log (Art. 20(2), 34):
a row deleted, altered or inserted by raw SQL is caught by ``audit verify``, on both databases.

The world (``covered``): the joint world (units, officers, tokens, records, a published list with an
organisation and its responsible person on it, published measures), then inquiries, a check and the
measures applied on it, a written authorization, an objection noted, reports issued, a remedy applied
for, records corrected, withdrawn, restored, revoked and purged — every workflow through its service.
Then it is sealed, and each trial tampers with it the way someone with write access to the database
(and none to the services) would.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, delete, insert, select, update

from xinyong import deletion
from xinyong.audit import binding
from xinyong.audit import seal as sealing
from xinyong.audit.rules import ordered
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE, Actor
from xinyong.db import Base, session_scope
from xinyong.errors import RuleViolation
from xinyong.inquiry import authorizations
from xinyong.inquiry import service as inquiry
from xinyong.listing import service as listing
from xinyong.measure import service as measures
from xinyong.models import AuditEvent, InquiryLog, Record, RecordTombstone
from xinyong.objection import service as objections
from xinyong.record import workflows
from xinyong.report import service as reports

from ..factories import uscc
from ..helpers import TODAY
from ..inquiry.conftest import ORG_USCC, world  # noqa: F401
from ..measure.conftest import RESPONSIBLE_RIC, joint  # noqa: F401

pytestmark = pytest.mark.article("Art. 20(2)")

RESTORATION_MEASURE = "fulfilled"
ACCEPTING_USCC = uscc(424242, prefix="11310000")
TABLES = [name for name in binding.BOUND if name != "record"]  # record: its own trials (chunks) below


# --- the world --------------------------------------------------------------------------------


@pytest.fixture
def covered(engine, joint):  # noqa: F811
    w = joint.w
    org = Actor(role="subject", subject_id=w.org_id)
    with session_scope(engine) as s:
        inquiry.inquire(s, actor=w.organ, subject=ORG_USCC, purpose="permit", channel="api")
        inquiry.inquire(s, actor=w.court, subject=ORG_USCC, case_no="(2025)沪01执12号", channel="api")
    with session_scope(engine) as s:  # the address notices are announced to (the letters: notice, below)
        from xinyong.notice import service as notices

        notices.set_contact(s, actor=org, address="fawu@example.com")
    with session_scope(engine) as s:
        chk = measures.check(s, actor=w.organ, subjects_raw=[ORG_USCC, RESPONSIBLE_RIC], context="permit",
                             channel="api")
        measures.apply(s, check_id=chk["check_id"], measure="R-MARKET", subject=ORG_USCC,
                       document="沪府许〔2025〕2号", actor=w.organ)
    with session_scope(engine) as s:
        authorizations.publish_notice(s, text_zh="同意告知书", text_en="consent notice", published_on=TODAY,
                                      actor=CONSOLE)  # consent_notice (Art. 14.2)
        authorizations.grant(s, subject_id=w.org_id, unit_uscc=w.agency.unit_uscc, items=["penalty"],
                             purpose="credit-assessment", valid_from=TODAY, valid_until=TODAY + timedelta(days=90),
                             document="授权书〔2025〕1号", actor=org)
    with session_scope(engine) as s:
        obj = objections.file(s, actor=CONSOLE, subject_id=w.org_id, kind="error", reason="金额错误",
                              evidence=["缴款凭证"], record_ids=[w.records["current"]], channel="cli")
        objections.note(s, objection=objections.number_of(obj), actor=CONSOLE, path="center")
    with session_scope(engine) as s:
        reports.issue(s, actor=org)
        reports.issue(s, actor=w.organ, subject=ORG_USCC, purpose="permit")
    with session_scope(engine) as s:
        listing.apply_remedy(s, entry_id=joint.entry_id, reason="处罚决定已被撤销", actor=org)
    with session_scope(engine) as s:  # publication: a comment on the list's standard, answered; the service norms
        from xinyong.portal import public

        comment = listing.record_comment(s, list_id=joint.list_id, received_on=TODAY.replace(month=4, day=1),
                                         summary="建议明确认定标准", actor=w.organ)
        listing.respond_to_comment(s, comment_id=comment.id, response="已采纳", actor=w.organ)
        public.edit_norms(s, windows="市中心窗口", hours="工作日", reports="窗口申请", objections="书面提出",
                          effective_on=None, actor=w.operator)
    with session_scope(engine) as s:  # a credit restoration application (Art. 38), decided
        from xinyong.restoration import service as restoration

        app = restoration.apply(s, actor=org, record_id=w.records["current"], measure=RESTORATION_MEASURE,
                                reason="已履行行政处罚决定", materials=[])
        restoration.decide(s, application_id=app.id, actor=_provider(s, w.records["current"]), outcome="refused",
                           document="沪修复〔2025〕1号", reason="公示期未满")
    with session_scope(engine) as s:  # a credit commitment (Art. 13.2), accepted: it becomes a record too
        from xinyong.commitment import service as commitment
        from xinyong.unit import service as units

        accepting, _ = units.add_unit(s, name="上海市承诺受理局", kind="administrative", uscc=ACCEPTING_USCC,
                                      provides=["commitment"], published_on=TODAY, actor=CONSOLE)
        pledge = commitment.declare(s, actor=org, form="commitment", kind="voluntary", accepting_uscc=ACCEPTING_USCC,
                                    reason="申请许可", content="材料真实", liability="承担责任", valid_until=None,
                                    disclosure="public", guaranteed=True)
        commitment.accept(s, commitment_id=pledge.id, actor=units.actor_for(accepting), document="承字1号")
    with session_scope(engine) as s:  # the oversight register: a failed verification, and the authority's order

        from xinyong.oversight import register, service as oversight

        class _Failed:
            ok, events, sealed, unsealed, checkpoints, records, problems = False, 1, 0, 1, 0, 0, []

        oversight.record_verification(s, report=_Failed(), actor=CONSOLE)
        [key] = [e["key"] for e in register.entries(s) if e["kind"] == "verification-failure"]
        register.decide(s, key=key, actor=Actor(role="supervisor"), outcome="order_to_correct", decided_by="王科长",
                        document="沪信监〔2025〕1号", deadline=TODAY + timedelta(days=30))
    with session_scope(engine) as s:
        workflows.correct(s, record_id=w.records["arrears"], changes={"content": "欠缴增值税（更正）"},
                          reason="录入错误", document="沪税更〔2025〕1号", actor=_provider(s, w.records["arrears"]))
        workflows.correct(s, record_id=w.records["restored"], changes={"content": "罚款人民币500元"},
                          reason="录入错误", document="沪更〔2025〕2号", actor=_provider(s, w.records["restored"]))
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=w.records["restored"], document="沪撤销〔2025〕1号", decided_by="court",
                         reason="判决撤销", actor=CONSOLE)
    with session_scope(engine) as s:  # the life of a subject: a former organization code (issue 13 §6)
        from xinyong.subject import service as subjects

        subjects.record_change(s, actor=_provider(s, w.records["current"]), subject=ORG_USCC,
                               kind="former_identifier", former_identifier=ORG_USCC[8:17], doc_no="沪市监变〔2025〕1号",
                               doc_date=TODAY, doc_org="上海市市场监督管理局")
    with session_scope(engine) as s:  # compiling the catalog (Art. 10): a contested proposal up to its publication
        from xinyong.catalog import compilation

        supervisor = Actor(role="supervisor")
        proposal = compilation.propose(
            s, item={"code": "grade-a-tax", "name_zh": "纳税信用A级", "name_en": "Grade-A taxpayers",
                     "class": "positive", "article": "Art. 9.1", "legal_basis": "《纳税信用管理办法》",
                     "disclosure": "public", "record_format": "general"},
            reasons="守信激励", contested=True, actor=_provider(s, w.records["current"]))
        compilation.record_assessment(s, proposal_id=proposal.id, held_on=TODAY - timedelta(days=50),
                                      representatives=["纳税人代表"], experts=["专家甲"], conclusion="同意", actor=supervisor)
        draft = compilation.compile_draft(s, title="目录草案", proposal_ids=[proposal.id], procedures="归集程序",
                                          actor=supervisor, on=TODAY - timedelta(days=45))
        compilation.put_out_for_comment(s, draft_id=draft.id, comment_from=TODAY - timedelta(days=40),
                                        comment_to=TODAY - timedelta(days=10), actor=supervisor)
        comment = compilation.record_comment(s, draft_id=draft.id, received_on=TODAY - timedelta(days=20),
                                             summary="建议", actor=supervisor)
        compilation.respond(s, comment_id=comment.id, response="采纳", actor=supervisor)
        compilation.approve(s, draft_id=draft.id, document="纪要〔2025〕1号", approved_on=TODAY, actor=supervisor)
        compilation.publish(s, draft_id=draft.id, actor=supervisor, on=TODAY)
    _exchange(engine, w)
    with session_scope(engine) as s:
        deletion.purge(s, actor=CONSOLE)
    sealing.seal(engine)
    return joint


def _exchange(engine, w) -> None:
    """Another platform (Art. 12): registered, exported to (an objection transferred to it on a record it sent),
    and its own export imported (records with their provenance, an objection about one of ours)."""
    from xinyong.exchange import keys, service as exchange

    from ..exchange.peer import Peer
    from ..factories import cf_row

    peer = Peer()
    with session_scope(engine) as s:
        exchange.add_partner(s, kind="province", name="浙江省公共信用信息平台", uscc=uscc(515151, prefix="11330000"), region="CN-ZJ",
                             verify_key=peer.verify_key, seal_key=peer.seal_key, items=["penalty"], actor=CONSOLE)
    row = {**cf_row(515), "exchange_ref": "9001"}
    objection = {"number": "ZJ-2025-000001", "record_ref": str(w.records["arrears"]), "kind": "error",
                 "reason": "金额有误", "received_on": TODAY.isoformat()}
    body, signature, files = peer.bundle(keys.platform_keys().seal_key, {"CF.jsonl": [row],
                                                                         "objections.jsonl": [objection]})
    got = exchange.import_export(engine, sender="浙江省公共信用信息平台", body=body, signature=signature, files=files,
                                 actor=CONSOLE)
    assert got.files["CF.jsonl"]["accepted"] == 1 and got.objections == 1
    with session_scope(engine) as s:
        received = s.scalar(select(Record.id).where(Record.doc_no == row["CF_WSH"]))
        obj = objections.file(s, actor=CONSOLE, subject_id=s.get(Record, received).subject_id, kind="error",
                              reason="处罚对象有误", record_ids=[received], channel="cli")
        objections.note(s, objection=obj.id, actor=CONSOLE, path="provider")
        objections.transfer(s, objection=obj.id, actor=CONSOLE)  # to the platform the record came from
    with session_scope(engine) as s:
        result = exchange.export(s, recipient="浙江省公共信用信息平台", region="CN-ZJ", since=None, actor=CONSOLE,
                                 directory=None, channel="cli")
    result.discard()
    assert result.manifest["counts"].get("objections.jsonl") == 1


def _provider(s, record_id: int) -> Actor:
    rec = s.get(Record, record_id)
    from xinyong.models import Unit

    unit = s.get(Unit, rec.unit_id)
    return Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer="console")


# --- tampering by raw SQL ---------------------------------------------------------------------


def raw(engine, stmt, params=None):
    """One statement as a database user would run it: no services, no hooks, foreign keys not enforced."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction (pysqlite begins on DML)
            conn.commit()
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        result = conn.execute(stmt, params) if params is not None else conn.execute(stmt)
        conn.commit()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
        return result


def rows_of(engine, name: str) -> list[dict]:
    f = binding.form(name)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(f.table).order_by(*[f.table.c[k] for k in f.key])).mappings()]


def last_event(engine, name: str, key: str) -> AuditEvent:
    with session_scope(engine) as s:
        evs = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    mine = [e for e in evs if _binds(e, name) and e.object_id == key]
    assert mine, f"no event binds {name} {key}"
    return mine[-1]


def _binds(e: AuditEvent, name: str) -> bool:
    b = binding.BOUND[name]
    return (e.object_type == name and e.action in binding.ACTIONS) or any(
        e.object_type == t and e.action.startswith(a) for t, a in b.aliases)


def where_key(f: binding.Form, row: dict):
    return [f.table.c[k] == row[k] for k in f.key]


def caught(engine, kind: str, *, table: str, key: str, event_id: int | None):
    report = verify(engine)
    assert not report.ok
    mine = [p for p in report.problems if p.table == table and p.key == key]
    assert mine, report.problems
    assert mine[0].kind == kind, mine
    assert mine[0].event_id == event_id, mine
    with pytest.raises(RuleViolation) as exc:
        report.raise_if_failed()
    assert exc.value.article == "Art. 20(2)"
    return report


def changed(col, value):
    """Another value of the same type: what a forger would write."""
    t = col.type
    if isinstance(t, DateTime):
        return value + timedelta(seconds=1)
    if isinstance(t, Date):
        return value + timedelta(days=1)
    if isinstance(t, Boolean):
        return not value
    if isinstance(t, Numeric) and not isinstance(t, Integer):
        return value + Decimal("1")
    if isinstance(t, Integer):
        return value + 1
    if isinstance(t, JSON):
        return {"forged": True} if value != {"forged": True} else {"forged": False}
    return "X" if value != "X" else "Y"


def _unique_columns(table) -> set[str]:
    cols = {c.name for c in table.columns if c.unique}
    for cons in table.constraints:
        if cons.__class__.__name__ == "UniqueConstraint":
            cols |= {c.name for c in cons.columns}
    for ix in table.indexes:
        if ix.unique:
            cols |= {c.name for c in ix.columns}
    return cols


def forged_copy(f: binding.Form, row: dict) -> dict:
    """A new row like ``row``: a fresh key (an integer key beyond those used), unique columns varied."""
    new = dict(row)
    if f.key == ("id",):
        new["id"] = row["id"] + 1000  # never a key an event spoke of (a deleted one's would be "put back")
    elif len(f.key) == 1 and isinstance(f.table.c[f.key[0]].type, Integer):  # a numbered key (catalog_version)
        new[f.key[0]] = row[f.key[0]] + 1000
    for name in _unique_columns(f.table) | (set(f.key) if len(f.key) > 1 else set()):
        if name == "id":
            continue
        v = new[name]
        col = f.table.c[name]
        new[name] = v + 1_000_000 if isinstance(col.type, Integer) else f"F{v}"[: col.type.length or 40]
    return new


def test_every_table_is_bound_or_says_why():
    tables = set(Base.metadata.tables)
    assert not set(binding.BOUND) & set(binding.NOT_BOUND)
    assert tables <= set(binding.BOUND) | set(binding.NOT_BOUND), tables - set(binding.BOUND) - set(binding.NOT_BOUND)
    assert set(binding.BOUND) <= tables
    assert all(b.why for b in binding.BOUND.values()) and all(binding.NOT_BOUND.values())


def test_the_workflows_leave_every_bound_table_verifiable(engine, covered):
    report = verify(engine)
    assert report.ok, report.problems
    empty = [name for name in TABLES if not report.rows.get(name)]
    assert not empty, f"the world leaves these bound tables empty: {empty}"
    assert not any("cannot be recomputed" in n or "not checked" in n for n in report.notes), report.notes


# Each tampering below is tried on every bound table of one world (built once per database, not once per table:
# the world is most of the time), each tampering undone by SQL before the next table (``caught`` looks only at the
# tampered table's row; verify passing at the end proves every undoing). A failure names every table whose
# tampering went unseen.

def _each_table(engine, tables, tamper) -> None:
    missed = {}
    for table in tables:
        try:
            undo = tamper(table)
        except AssertionError as exc:  # noqa: PERF203 - one world, every table tried, every miss named
            missed[table] = str(exc)[:300]
            continue
        undo()
    assert not missed, f"tampering not caught in {len(missed)} table(s): {missed}"
    report = verify(engine)  # every tampering undone: the world verifies again (so each table was tried alone)
    assert report.ok, ("undoing the tampering left", report.problems)


def test_a_row_deleted_by_sql_is_caught(engine, covered):
    def tamper(table):
        f = binding.form(table)
        row = rows_of(engine, table)[-1]
        key = f.key_of(row)
        ev = last_event(engine, table, key)
        raw(engine, delete(f.table).where(*where_key(f, row)))
        undo = lambda: raw(engine, insert(f.table).values(row))  # noqa: E731
        try:
            caught(engine, "row-missing", table=table, key=key, event_id=ev.id)
        except AssertionError:
            undo()
            raise
        return undo

    _each_table(engine, TABLES, tamper)


ALTERABLE = [name for name in TABLES if binding.form(name).values]


def test_a_row_altered_by_sql_is_caught(engine, covered):
    def tamper(table):
        f = binding.form(table)
        row = rows_of(engine, table)[0]
        key = f.key_of(row)
        ev = last_event(engine, table, key)
        # a column with a value; a forger changes what matters, any column will do here
        name = next(n for n, _c in f.values if row[n] is not None)
        raw(engine, update(f.table).where(*where_key(f, row)).values({name: changed(f.table.c[name], row[name])}))
        undo = lambda: raw(engine, update(f.table).where(*where_key(f, row)).values({name: row[name]}))  # noqa: E731
        try:
            caught(engine, "row-altered", table=table, key=key, event_id=ev.id)
        except AssertionError:
            undo()
            raise
        return undo

    _each_table(engine, ALTERABLE, tamper)


def test_a_row_inserted_by_sql_is_caught(engine, covered):
    def tamper(table):
        f = binding.form(table)
        before = {f.key_of(r) for r in rows_of(engine, table)}
        raw(engine, insert(f.table).values(forged_copy(f, rows_of(engine, table)[0])))
        [new] = [r for r in rows_of(engine, table) if f.key_of(r) not in before]
        undo = lambda: raw(engine, delete(f.table).where(*where_key(f, new)))  # noqa: E731
        try:
            caught(engine, "row-inserted", table=table, key=f.key_of(new), event_id=None)
        except AssertionError:
            undo()
            raise
        return undo

    _each_table(engine, TABLES, tamper)


def test_a_lawfully_deleted_row_put_back_by_sql_is_caught(engine, covered):
    """The purge deleted a corrected record and its history (Art. 37): the log says those rows are gone. One
    put back by SQL, with its old key, is caught."""
    with session_scope(engine) as s:
        gone = s.scalars(select(AuditEvent).where(AuditEvent.action == "row:delete",
                                                  AuditEvent.object_type == "record_history")).all()
    assert len(gone) == 1
    ev = gone[0]
    f = binding.form("record_history")
    template = rows_of(engine, "record_history")[0]
    raw(engine, insert(f.table).values({**template, "id": int(ev.object_id)}))
    caught(engine, "row-inserted", table="record_history", key=ev.object_id, event_id=ev.id)


# --- the inquiry log: the issue reproduced ----------------------------------------------------


@pytest.mark.article("Art. 34.1")
def test_the_inquiry_log_is_held_to_the_log_row_by_row(engine, covered):
    """Who inquired is what a subject's report shows: a log row deleted, altered or inserted by SQL is caught."""
    log = InquiryLog.__table__
    with session_scope(engine) as s:
        first, last = s.scalars(select(InquiryLog).order_by(InquiryLog.id)).all()[:2]
        first_id, last_id = first.id, last.id
        template = {c.name: getattr(first, c.name) for c in log.columns if c.name != "id"}
    assert verify(engine).ok
    ev = last_event(engine, "inquiry_log", str(first_id))
    assert ev.action.startswith("inquiry:") and ev.object_type == "inquiry"  # the hot path's own event
    raw(engine, update(log).where(log.c.id == first_id).values(reason="依职权查询", purpose="procurement"))
    caught(engine, "row-altered", table="inquiry_log", key=str(first_id), event_id=ev.id)
    raw(engine, update(log).where(log.c.id == first_id).values(reason=template["reason"],
                                                                 purpose=template["purpose"]))
    assert verify(engine).ok  # put back exactly: its digest is the one sealed
    ev2 = last_event(engine, "inquiry_log", str(last_id))
    raw(engine, delete(log).where(log.c.id == last_id))
    caught(engine, "row-missing", table="inquiry_log", key=str(last_id), event_id=ev2.id)
    raw(engine, insert(log).values({**template, "reason": "forged"}))
    with session_scope(engine) as s:
        forged = s.scalar(select(InquiryLog.id).where(InquiryLog.reason == "forged"))
    caught(engine, "row-inserted", table="inquiry_log", key=str(forged), event_id=None)


def test_hot_path_events_carry_the_digest_of_the_row_as_the_database_returns_it(engine, covered):
    """The inquiry log and the check rows are digested from the values inserted: the same bytes as from the
    row read back, on either database (time zones, dates, JSON)."""
    for name in ("inquiry_log", "measure_check"):
        f = binding.form(name)
        for row in rows_of(engine, name):
            ev = last_event(engine, name, f.key_of(row))
            assert ev.digest == f.digest(row), (name, row)


def test_row_events_hold_no_personal_data(engine, covered):
    with session_scope(engine) as s:
        evs = s.scalars(select(AuditEvent).where(AuditEvent.action.like("row:%"))).all()
    assert evs
    text_ = repr([(e.object_type, e.object_id, e.actor, e.details, e.subject_id) for e in evs])
    assert RESPONSIBLE_RIC not in text_ and RESPONSIBLE_RIC[6:14] not in text_
    assert all(set(e.details) <= {"row", "baseline"} for e in evs)


# --- records: the state the importer stores, and rows changed since ---------------------------


def test_a_records_state_flipped_by_sql_is_caught(engine, covered):
    w = covered.w
    rec = Record.__table__
    # a record never changed since its import, put under objection (or hidden) by SQL
    with session_scope(engine) as s:
        untouched = s.scalar(select(Record.id).where(Record.id == w.records["person"]))
    raw(engine, update(rec).where(rec.c.id == untouched).values(status="restored"))
    report = verify(engine)
    assert any(p.kind == "record-altered" and p.record_id == untouched and "status" in p.message
               for p in report.problems), report.problems
    raw(engine, update(rec).where(rec.c.id == untouched).values(status="active"))
    assert verify(engine).ok
    # a record changed through a workflow since (under objection), its marker cleared by SQL
    objected = w.records["current"]
    raw(engine, update(rec).where(rec.c.id == objected).values(objection_open=False))
    report = verify(engine)
    assert any(p.kind == "record-altered" and p.record_id == objected for p in report.problems), report.problems


# --- a lawful purge leaves what verification needs --------------------------------------------


@pytest.mark.article("Art. 37")
def test_after_a_purge_the_chunk_is_verified_and_a_neighbour_edited_with_its_digest_is_caught(
        engine, tmp_path):
    from ..factories import CF_COLUMNS, cf_row, to_csv
    from ..helpers import add_provider, run_file
    from xinyong.audit.rules import content_digest

    actor, _ = add_provider(engine)
    r = run_file(engine, actor, tmp_path, to_csv([cf_row(i) for i in range(1, 7)], CF_COLUMNS), chunk_rows=3)
    assert r.accepted == 6
    with session_scope(engine) as s:
        recs = s.scalars(select(Record).order_by(Record.line_no)).all()
        target, neighbour = recs[1], recs[2]  # the second and third rows: the same chunk (3 rows a chunk)
        target_id, neighbour_id, doc_no, target_line = target.id, neighbour.id, target.doc_no, target.line_no
        content = {**neighbour.content, "content": "罚款人民币1元"}
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=target_id, document="沪撤销〔2025〕9号", decided_by="court",
                         reason="判决撤销", actor=actor)
    with session_scope(engine) as s:
        deletion.purge(s, actor=actor)
    sealing.seal(engine)
    report = verify(engine)
    assert report.ok, report.problems
    assert not report.notes or all("cannot be recomputed" not in n and "not checked" not in n for n in report.notes)
    with session_scope(engine) as s:
        tomb = s.scalar(select(RecordTombstone).where(RecordTombstone.record_id == target_id))
        delete_event = s.scalar(select(AuditEvent).where(AuditEvent.action == "record:delete"))
    # the tombstone and the deletion keep the record's place and member digest — no content, no document number
    assert (tomb.batch_id, tomb.line_no) == (r.batch_id, target_line) and len(tomb.member_digest) == 64
    assert delete_event.details["member_digest"] == tomb.member_digest
    assert doc_no not in repr(delete_event.details) and doc_no not in repr(
        {c.name: getattr(tomb, c.name) for c in RecordTombstone.__table__.columns})
    # the neighbour edited by SQL, its digest recomputed: the chunk's keyed digest no longer matches
    rec = Record.__table__
    raw(engine, update(rec).where(rec.c.id == neighbour_id).values(content=content,
                                                                    content_digest=content_digest(content)))
    report = verify(engine)
    assert not report.ok
    assert [p.kind for p in ordered(report.problems)][0] == "records-mismatch", report.problems
    # the tombstone's member digest altered by SQL: a bound row altered
    tomb_t = RecordTombstone.__table__
    raw(engine, update(tomb_t).where(tomb_t.c.record_id == target_id).values(member_digest="0" * 64))
    report = verify(engine)
    assert any(p.kind == "row-altered" and p.table == "record_tombstone" for p in report.problems), report.problems
