"""Art. 37 reaches the issued reports, on both databases: a purged list entry (revoked on remedy, Art. 25.3)
or a purged record leaves every stored report — the list section, the grade's contributions, the grounds of
the measures applied — a mark with only its id and the article in its place; the rewrite is audited with
the digest of what is now stored. ``scrub_storage`` then vacuums every table the purge touched."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from xinyong import deletion
from xinyong.audit import service as audit
from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.listing import service as listing
from xinyong.measure import service as measures
from xinyong.measure.purge import deleted_ground
from xinyong.models import AuditEvent, CreditReport
from xinyong.record import workflows
from xinyong.report import render, service

from ..inquiry.conftest import ORG_USCC, world  # noqa: F401
from ..measure.conftest import RESPONSIBLE_RIC, joint  # noqa: F401

ENTRY_DOCUMENT = "沪市监〔2025〕9号"  # the joint entry's determining document
LIST_NAME = "严重违法失信名单"
RECORD_DOCUMENT = "沪罚〔2024〕1号"  # the organization's current penalty


def _apply(engine, joint):  # noqa: F811
    """R-MARKET on the entry (the organization and its legal representative), P-PENALTY on its records."""
    w = joint.w
    with session_scope(engine) as s:
        chk = measures.check(s, actor=w.organ, subjects_raw=[ORG_USCC, RESPONSIBLE_RIC], context="permit",
                             channel="api")
        for subject in (ORG_USCC, RESPONSIBLE_RIC):
            measures.apply(s, check_id=chk["check_id"], measure="R-MARKET", subject=subject, document="沪府许〔2025〕2号",
                           actor=w.organ)
        measures.apply(s, check_id=chk["check_id"], measure="P-PENALTY", subject=ORG_USCC, document="沪府许〔2025〕3号",
                       actor=w.organ)


def _revoke_on_remedy(engine, joint) -> None:  # noqa: F811
    with session_scope(engine) as s:
        rem = listing.apply_remedy(s, entry_id=joint.entry_id, reason="处罚决定已被撤销",
                                   actor=Actor(role="subject", subject_id=joint.w.org_id))
        listing.decide_remedy(s, remedy_id=rem.id, decided_by="court", outcome="revoked",
                              document="(2025)沪01行终1号", actor=joint.w.organ)


def _issue(engine, joint) -> dict[str, str]:  # noqa: F811
    """The organization's own report, an organ's report on it, and the responsible person's own report."""
    w = joint.w
    with session_scope(engine) as s:
        numbers = {"org": service.issue(s, actor=Actor(role="subject", subject_id=w.org_id)).number,
                   "organ": service.issue(s, actor=w.organ, subject=ORG_USCC, purpose="permit").number,
                   "person": service.issue(s, actor=Actor(role="subject", subject_id=joint.person_id)).number}
    assert all(numbers.values())
    return numbers


def _snapshots(engine) -> dict[str, dict]:
    with session_scope(engine) as s:
        return {r.number: r.snapshot for r in s.scalars(select(CreditReport))}


def _every_form(snap: dict) -> str:
    """What a stored report gives out: its stored snapshot, and each format rendered from it."""
    pdf = PdfReader(io.BytesIO(render.render(snap, "pdf")))
    return "\n".join([json.dumps(snap, ensure_ascii=False), render.render(snap, "json").decode("utf-8"),
                      render.to_html(snap), *(page.extract_text() for page in pdf.pages)])


def _section(snap: dict, key: str) -> dict:
    return next(s for s in snap["sections"] if s["key"] == key)


def _grounds(snap: dict, code: str) -> list[dict]:
    return next(m["grounds"] for m in _section(snap, "other")["measures"] if m["measure"]["code"] == code)


def _summary(snap: dict) -> dict[str, int]:
    return {s["key"]: s["count"] for s in snap["summary"]}


def _latest_report_event(s, number: str) -> AuditEvent:
    report_id = s.scalar(select(CreditReport.id).where(CreditReport.number == number))
    return s.scalars(select(AuditEvent).where(AuditEvent.object_type == "report",
                                              AuditEvent.object_id == str(report_id))
                     .order_by(AuditEvent.id.desc())).first()


@pytest.mark.article("Art. 37")
@pytest.mark.article("Art. 25.3")
def test_purged_list_entry_leaves_every_issued_report(cjk_font, engine, joint):  # noqa: F811
    _apply(engine, joint)
    numbers = _issue(engine, joint)
    before = _snapshots(engine)
    for who, number in numbers.items():  # every report holds the entry: its section and the measure's grounds
        assert ENTRY_DOCUMENT in _every_form(before[number]) and LIST_NAME in _every_form(before[number]), who
        assert [e["entry_id"] for e in _section(before[number], "lists")["entries"]] == [joint.entry_id]
        assert [g["entry_id"] for g in _grounds(before[number], "R-MARKET")] == [joint.entry_id]
    contributions = _section(before[numbers["org"]], "evaluation")["grade"]["contributions"]
    [counted] = [c for c in contributions if c["type"] == "list-entry"]
    assert counted["entry_id"] == joint.entry_id and counted["points"] < 0

    _revoke_on_remedy(engine, joint)
    assert _snapshots(engine) == before  # revoked, not yet deleted: the issued reports are as issued
    with session_scope(engine) as s:
        assert deletion.purge(s, actor=CONSOLE).steps["list_entries"].deleted

    after = _snapshots(engine)
    mark = deleted_ground(joint.entry_id)
    for who, number in numbers.items():
        snap = after[number]
        everything = _every_form(snap)
        assert ENTRY_DOCUMENT not in everything and LIST_NAME not in everything, who
        assert "串通投标" not in everything, who  # the entry's ground text
        lists = _section(snap, "lists")
        assert lists["entries"] == [mark]  # the mark, not counted as an entry in force
        assert lists["count"] == _section(before[number], "lists")["count"] - 1 == _summary(snap)["lists"]
        assert _grounds(snap, "R-MARKET") == [mark]  # the measure stands (the organ's decision), its ground marked
        assert "信息已删除" in render.to_html(snap)
    # the grade as issued still adds up: the mark keeps the points, and nothing else of the entry
    contributions = _section(after[numbers["org"]], "evaluation")["grade"]["contributions"]
    assert [c for c in contributions if c.get("deleted")] == [{**mark, "points": counted["points"]}]
    assert len(contributions) == len(_section(before[numbers["org"]], "evaluation")["grade"]["contributions"])

    with session_scope(engine) as s:
        for number in numbers.values():  # audited, with the digest of the snapshot now stored
            event = _latest_report_event(s, number)
            assert (event.action, event.actor, event.details) == (
                "report:purge-entry", "console", {"entry_id": joint.entry_id, "article": "Art. 37"})
            assert event.digest == audit.keyed_digest(after[number])
        report_events = json.dumps([e.details for e in s.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "report"))], ensure_ascii=False)
        assert ENTRY_DOCUMENT not in report_events and RESPONSIBLE_RIC not in report_events

    with session_scope(engine) as s:  # safe to run again: nothing left to rewrite
        deletion.purge(s, actor=CONSOLE)
    assert _snapshots(engine) == after


@pytest.mark.article("Art. 37")
def test_purged_record_leaves_the_grade_and_the_measures_of_issued_reports(cjk_font, engine, joint):  # noqa: F811
    w = joint.w
    rid = w.records["current"]
    _apply(engine, joint)
    numbers = _issue(engine, joint)
    before = _snapshots(engine)
    for who in ("org", "organ"):
        snap = before[numbers[who]]
        assert RECORD_DOCUMENT in _every_form(snap), who
        assert rid in {g.get("record_id") for g in _grounds(snap, "P-PENALTY")}, who
        assert rid in {c.get("record_id") for c in _section(snap, "evaluation")["grade"]["contributions"]}, who
    [graded] = [c for c in _section(before[numbers["org"]], "evaluation")["grade"]["contributions"]
                if c.get("record_id") == rid]

    with session_scope(engine) as s:
        workflows.revoke(s, record_id=rid, document="沪复决〔2025〕9号", decided_by="court", reason="判决撤销",
                         actor=CONSOLE)
    with session_scope(engine) as s:
        deletion.purge(s, actor=CONSOLE)

    after = _snapshots(engine)
    mark = service.deleted_record(rid)
    assert mark == {"type": "record", "record_id": rid, "deleted": True, "hidden": True, "article": "Art. 37",
                    "note": service.DELETED_RECORD_NOTE}
    for who in ("org", "organ"):
        snap, was = after[numbers[who]], before[numbers[who]]
        assert RECORD_DOCUMENT not in _every_form(snap), who
        assert rid not in {r["id"] for sec in snap["sections"] for g in sec["groups"] for r in g["records"]}
        admin = _section(snap, "administrative")
        assert admin["count"] == _section(was, "administrative")["count"] - 1 == _summary(snap)["administrative"]
        assert [g for g in _grounds(snap, "P-PENALTY") if g.get("record_id") == rid] == [mark]
        assert len(_grounds(snap, "P-PENALTY")) == len(_grounds(was, "P-PENALTY"))
        assert [c for c in _section(snap, "evaluation")["grade"]["contributions"] if c.get("record_id") == rid] == [
            {**mark, "points": graded["points"]}]
    assert after[numbers["person"]] == before[numbers["person"]]  # another subject's report: untouched
    with session_scope(engine) as s:
        for who in ("org", "organ"):
            event = _latest_report_event(s, numbers[who])
            assert (event.action, event.details) == ("report:purge-record", {"record_id": rid, "article": "Art. 37"})
            assert event.digest == audit.keyed_digest(after[numbers[who]])


@pytest.mark.article("Art. 37")
def test_scrub_storage_covers_every_table_the_purge_deleted_from_or_rewrote(engine, joint):  # noqa: F811
    _apply(engine, joint)
    _issue(engine, joint)
    _revoke_on_remedy(engine, joint)
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=joint.w.records["current"], document="沪复决〔2025〕9号", decided_by="court",
                         reason="判决撤销", actor=CONSOLE)
    with session_scope(engine) as s:
        deletion.purge(s, actor=CONSOLE)
    touched = {"record", "record_history", "list_entry", "list_entry_person", "list_remedy", "measure_application",
               "measure_check", "credit_report"}
    postgres = engine.dialect.name == "postgresql"
    wal = Path(f"{engine.url.database}-wal")
    if postgres:
        with engine.connect() as conn:
            started = conn.scalar(text("SELECT clock_timestamp()"))
    else:
        assert wal.stat().st_size > 0  # the WAL holds the old pages
    with session_scope(engine) as s:
        assert set(deletion.scrub_storage(s)) >= touched
    if postgres:
        with engine.connect() as conn:
            vacuumed = set(conn.execute(text(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "AND last_vacuum >= :started"), {"started": started}).scalars())
        assert touched <= vacuumed, touched - vacuumed
    else:  # checkpointed into the database file (secure_delete zeroes freed cells) and truncated
        assert wal.stat().st_size == 0
