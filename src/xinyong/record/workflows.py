"""The lawful workflows that change or remove a record, each with its document, reason and audit event:
corrections and withdrawals by the provider (Art. 11), revocation and deletion (Art. 37), restoration
(Art. 38). Nothing else changes a stored record.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
from ..config import get_settings
from ..errors import DomainError, NotFound, RuleViolation, msg
from ..law.periods import deadline_fields
from ..law.rules import rule
from ..models import CatalogItem, Record, RecordAction, RecordHistory, RecordTombstone, Subject, Unit
from ..notice import service as notices
from ..ops import journal
from ..subject.service import identifier_of
from .fields import CANONICAL_KEYS, content_keys, declared_fields
from .rules import ItemInfo, RowContext, validate_row

REVOKED_BY = ("organ", "reconsideration", "court")
# Fields a correction may not touch: they are the record's identity (Art. 11 corrections fix content).
IDENTITY = ("catalog_item", "doc_no", "subject_id")

PurgeHook = Callable[[Session, list[tuple[int, int]]], None]  # (session, [(record_id, subject_id)]): copies removed
PurgeStep = Callable[[Session, Actor, date], "PurgeReport"]


@rule("Art. 11")
def check_provider_of(record_unit_id: int, actor: Actor, article: str = "Art. 11") -> None:
    """Only the unit that provided a record reports what happened to it."""
    if actor.role == "console":
        return
    if actor.unit_id != record_unit_id:
        raise RuleViolation("only the unit that originally provided this record may do this",
                            article=article, status=403)


@rule("Art. 37")
def check_revocation(document: str, decided_by: str) -> None:
    """A revocation is reported in writing, as decided by the organ, a reconsideration organ or a court."""
    if not document.strip():
        raise RuleViolation("the written notice of revocation must be named", article="Art. 37",
                            field="document")
    if decided_by not in REVOKED_BY:
        raise RuleViolation(msg("revoked by whom: one of {revoked_by}", revoked_by=", ".join(REVOKED_BY)),
                            article="Art. 37",
                            field="decided_by")


@rule("Art. 38")
def check_restoration(untrustworthy: bool, document: str) -> None:
    """Restoration applies to untrustworthiness information, on the provider's written proof."""
    if not untrustworthy:
        raise RuleViolation("credit restoration applies to untrustworthiness information only",
                            article="Art. 38", field="record")
    if not document.strip():
        raise RuleViolation("the written proof of credit restoration must be named", article="Art. 38",
                            field="document")


def _load(session: Session, record_id: int) -> Record:
    rec = session.get(Record, record_id)
    if rec is None or rec.status == "revoked":
        raise NotFound(msg("no record {record_id}", record_id=record_id))
    return rec


def _deadline_fields(name: str, received_on: date) -> dict[str, Any]:
    """The stored deadline with its basis; an unknown calendar year is noted, never guessed."""
    fields = deadline_fields(name, received_on)
    fields["deadline_note"] = fields.pop("note")
    return fields


def _action(session: Session, rec: Record, action: str, document: str, reason: str, actor: Actor,
            decided_by: str | None = None, deadline_name: str | None = None, done: bool = True) -> RecordAction:
    received_at = now()
    fields = _deadline_fields(deadline_name, received_at.date()) if deadline_name else {}
    row = RecordAction(record_id=rec.id, subject_id=rec.subject_id, unit_id=rec.unit_id,
                       item_code=rec.item_code, action=action, document=document.strip()[:200],
                       reason=reason.strip(), decided_by=decided_by, received_at=received_at,
                       received_on=received_at.date(), done_at=received_at if done else None, **fields)
    session.add(row)
    session.flush()
    return row


def _history(session: Session, rec: Record, action: str, reason: str, document: str, actor: Actor) -> None:
    session.add(RecordHistory(record_id=rec.id, subject_id=rec.subject_id, version=rec.version + 1,
                              action=action, changed_at=now(), actor_unit_id=actor.unit_id,
                              reason=reason.strip(), document=document.strip()[:200],
                              previous_content=rec.content, previous_digest=rec.content_digest))


def correct(session: Session, *, record_id: int, changes: dict[str, Any], reason: str, document: str,
            actor: Actor, action: str = "correct", check_provider: bool = True) -> Record:
    """Correct a record's content (the provider, Art. 11; or an objection decision, Art. 36)."""
    rec = _load(session, record_id)
    if check_provider:
        check_provider_of(rec.unit_id, actor)
    if not document.strip() or not reason.strip():
        raise RuleViolation("a correction names its document and its reason", article="Art. 34.1",
                            field="document" if not document.strip() else "reason")
    unknown = sorted(k for k in changes if k not in CANONICAL_KEYS)
    if unknown:
        raise RuleViolation(msg("not a record field: {unknown} (the fields are those of docs/import-format.md, "
                                "e.g. content, fine_wan, doc_date)", unknown=", ".join(unknown)), article="Art. 11",
                            field=unknown[0])
    touched = [k for k in changes if k in IDENTITY]
    if touched:
        raise RuleViolation(msg("{touched} identify the record and cannot be corrected; withdraw it and submit the "
                                "right one", touched=", ".join(touched)), article="Art. 11", field=touched[0])
    item = session.get(CatalogItem, rec.item_code)
    declared = declared_fields(item.fields, item.record_format)
    undeclared = sorted(k for k in changes if k not in content_keys(declared))
    if undeclared:
        raise RuleViolation(msg("{undeclared}: not a declared field of catalog item '{code}' (only the catalog's "
                                "declared fields are aggregated)", undeclared=", ".join(undeclared), code=item.code),
                            article="Art. 11",
                            field=undeclared[0])
    subject = session.get(Subject, rec.subject_id)
    unit = session.get(Unit, rec.unit_id)
    values = {**rec.content, **{k: ("" if v is None else str(v)) for k, v in changes.items()},
              "subject_id": identifier_of(session, subject), "catalog_item": rec.item_code}
    ctx = RowContext(unit_items=frozenset(p.item_code for p in unit.provides) | {rec.item_code},
                     items={item.code: ItemInfo(item.code, "published", item.published_on or date.min,
                                                None, item.untrustworthy, item.continuing, declared)},
                     fmt="general", today=today())
    draft = validate_row(values, ctx)
    change = audit.record_change_details(rec, draft.content_digest)  # before the row changes
    _history(session, rec, action, reason, document, actor)
    rec.content, rec.content_digest = draft.content, draft.content_digest
    rec.doc_date, rec.doc_org, rec.conduct_date = draft.doc_date, draft.doc_org, draft.conduct_date
    rec.ended_on, rec.ended_on_source = draft.ended_on, draft.ended_on_source
    rec.procedure, rec.severity, rec.amount_yuan = draft.procedure, draft.severity, draft.amount_yuan
    rec.version += 1
    _action(session, rec, action, document, reason, actor)
    audit.append(session, action=f"record:{action}", actor=actor, object_type="record", object_id=rec.id,
                 subject_id=rec.subject_id, content=[rec.subject_id, rec.item_code, rec.doc_no, rec.content_digest],
                 details={**change, "version": rec.version})
    return rec


def withdraw(session: Session, *, record_id: int, reason: str, document: str, actor: Actor) -> Record:
    """The provider withdraws a record it submitted in error (Art. 11): never served again, history kept."""
    rec = _load(session, record_id)
    check_provider_of(rec.unit_id, actor)
    if not document.strip() or not reason.strip():
        raise RuleViolation("a withdrawal names its document and its reason", article="Art. 34.1")
    _history(session, rec, "withdraw", reason, document, actor)
    rec.status, rec.version = "withdrawn", rec.version + 1
    _action(session, rec, "withdraw", document, reason, actor)
    audit.append(session, action="record:withdraw", actor=actor, object_type="record", object_id=rec.id,
                 subject_id=rec.subject_id, content=[rec.id, "withdrawn"],
                 details={"content_digest": rec.content_digest, "previous_digest": rec.content_digest,
                          "status": "withdrawn"})
    return rec


def revoke(session: Session, *, record_id: int, document: str, decided_by: str, reason: str,
           actor: Actor) -> RecordAction:
    """Art. 37: the designation was revoked. Never served from now on; deleted by ``purge`` within
    3 working days of the written notice."""
    rec = _load(session, record_id)
    check_provider_of(rec.unit_id, actor, "Art. 37")
    check_revocation(document, decided_by)
    rec.status = "revoked"
    act = _action(session, rec, "revoke", document, reason or "designation revoked", actor,
                  decided_by=decided_by, deadline_name="revocation.delete_working_days", done=False)
    audit.append(session, action="record:revoke", actor=actor, object_type="record", object_id=rec.id,
                 subject_id=rec.subject_id, content=[rec.id, "revoked", act.id],
                 details={"content_digest": rec.content_digest, "previous_digest": rec.content_digest,
                          "status": "revoked", "action_id": act.id, "due_on": act.due_on.isoformat() if act.due_on else None})
    notices.tell(session, subject_id=rec.subject_id, kind="record_revoked", object_type="record", object_id=rec.id,
                 actor=actor, record_id=rec.id, item=rec.item_code, document=document, decided_by=decided_by,
                 due_on=act.due_on.isoformat() if act.due_on else None)  # Art. 37
    return act


def restore(session: Session, *, record_id: int, document: str, reason: str, actor: Actor) -> RecordAction:
    """Art. 38: the provider's written proof of credit restoration. Removed from the inquiry
    interface at once (the deadline is 3 working days); its subject still sees it, marked.

    Never refused for the national minimum publicity periods: those govern only the public page.
    """
    rec = _load(session, record_id)
    check_provider_of(rec.unit_id, actor, "Art. 38")
    check_restoration(rec.untrustworthy, document)
    _history(session, rec, "restore", reason or "credit restored", document, actor)
    rec.status, rec.version = "restored", rec.version + 1
    act = _action(session, rec, "restore", document, reason or "credit restored", actor,
                  deadline_name="restoration.hide_working_days", done=True)
    audit.append(session, action="record:restore", actor=actor, object_type="record", object_id=rec.id,
                 subject_id=rec.subject_id, content=[rec.id, "restored", act.id],
                 details={"content_digest": rec.content_digest, "previous_digest": rec.content_digest,
                          "status": "restored"})
    notices.tell(session, subject_id=rec.subject_id, kind="record_restored", object_type="record", object_id=rec.id,
                 actor=actor, record_id=rec.id, item=rec.item_code, document=document)  # Art. 38
    return act


def remove(session: Session, *, record_id: int, document: str, reason: str, actor: Actor,
           article: str) -> RecordAction:
    """Delete a record on a lawful decision other than revocation (an objection upheld in the
    subject's favour, Art. 36): never served from now on, deleted by ``purge`` like a revoked one."""
    rec = _load(session, record_id)
    if not document.strip() or not reason.strip():
        raise RuleViolation("a deletion names its deciding document and its reason", article=article)
    rec.status = "revoked"
    act = _action(session, rec, "delete", document, reason, actor, done=False)
    audit.append(session, action="record:remove", actor=actor, object_type="record", object_id=rec.id,
                 subject_id=rec.subject_id, content=[rec.id, "removed", act.id],
                 details={"content_digest": rec.content_digest, "previous_digest": rec.content_digest,
                          "status": "revoked", "action_id": act.id, "article": article})
    return act


@dataclass
class PurgeReport:
    deleted: list[dict]
    late: list[dict]  # deleted after their deadline, or still pending past it
    unknown_deadline: list[dict]
    steps: dict[str, PurgeReport] = field(default_factory=dict)  # the registered purge steps' reports

    @property
    def any_late(self) -> bool:
        return bool(self.late) or any(r.any_late for r in self.steps.values())


PURGE_CHUNK = 500  # revoked records deleted together: one statement per table and chunk (``binding.IN_BATCH``)
# what the purge reads of a record (no ORM object: the rows go by one ``DELETE … IN``)
_PURGED = (Record.id, Record.subject_id, Record.unit_id, Record.item_code, Record.doc_no, Record.content,
           Record.content_digest, Record.batch_id, Record.line_no)


def delete_revoked(session: Session, *, actor: Actor, day: date, copies: Iterable[PurgeHook],
                   chunk: int | None = None) -> PurgeReport:
    """Step 1 of the Art. 37 flow (``xinyong.deletion``, which is the only caller): delete every revoked record
    from the database — the row, its history, its line in the stored batch file and the provider's other stored
    copies, then each of ``copies`` (what other domains keep of it); a tombstone keeps ids, item, document,
    dates, a keyed digest, and the record's place in its import with its keyed member digest (the chunk stays
    verifiable; no content or document number is kept). Reports deletions past their deadline. Every row
    written or deleted is bound to the audit log (``audit.binding``).

    The records go ``chunk`` at a time (``PURGE_CHUNK``), in the order their acts were received: each chunk's
    records, histories and copies are read and deleted with one statement per table (naming the subjects, so
    that they route by subject: docs/scaling.md), each stored file is rewritten once, and the tombstones and
    events are written together — what one record at a time would leave, in fewer statements."""
    copies = list(copies)
    size = max(1, chunk or PURGE_CHUNK)
    report = PurgeReport([], [], [])
    pending = session.scalars(select(RecordAction).where(RecordAction.action.in_(("revoke", "delete")),
                                                         RecordAction.done_at.is_(None))
                              .order_by(RecordAction.id)).all()
    deleted: set[int] = set()
    for i in range(0, len(pending), size):
        _delete_chunk(session, actor, pending[i:i + size], copies, deleted)
    for act in pending:
        info = {"record_id": act.record_id, "action_id": act.id, "received_on": act.received_on.isoformat(),
                "due_on": act.due_on.isoformat() if act.due_on else None}
        report.deleted.append(info)
        if act.due_on is None:
            report.unknown_deadline.append({**info, "note": act.deadline_note})
        elif day > act.due_on:
            report.late.append(info)
    session.flush()
    return report


def _delete_chunk(session: Session, actor: Actor, acts: list[RecordAction], copies: list[PurgeHook],
                  deleted: set[int]) -> None:
    """One chunk of ``delete_revoked``: the records of these acts that are still there (an act whose record is
    gone, or whose record an earlier act of the purge deleted, is only marked done)."""
    subjects = sorted({a.subject_id for a in acts})
    found = {r.id: r for r in session.execute(select(*_PURGED).where(
        Record.id.in_(sorted({a.record_id for a in acts})), Record.subject_id.in_(subjects)))}
    live: list[tuple[RecordAction, Any]] = []
    for act in acts:
        rec = found.get(act.record_id)
        if rec is not None and rec.id not in deleted:
            deleted.add(rec.id)
            live.append((act, rec))
    if live:
        ids = [rec.id for _a, rec in live]
        subjects = sorted({rec.subject_id for _a, rec in live})
        # The record as a member of its import chunk (its digest as imported: the one its first change
        # replaced): what keeps the chunk verifiable once the record is gone (``audit.service.chunk_digest``).
        imported: dict[int, str] = {}
        for rid, previous in session.execute(
                select(RecordHistory.record_id, RecordHistory.previous_digest)
                .where(RecordHistory.record_id.in_(ids), RecordHistory.subject_id.in_(subjects),
                       RecordHistory.previous_digest.is_not(None))
                .order_by(RecordHistory.record_id, RecordHistory.version)):
            imported.setdefault(rid, previous)
        _blank_stored_copies(session, [rec for _a, rec in live])
        records = [(rec.id, rec.subject_id) for _a, rec in live]
        for remove in copies:
            remove(session, records)
        session.execute(delete(RecordHistory).where(RecordHistory.record_id.in_(ids),
                                                    RecordHistory.subject_id.in_(subjects)))
        session.execute(delete(Record).where(Record.id.in_(ids), Record.subject_id.in_(subjects)))
        tombstones, events = [], []
        for act, rec in live:
            member = audit.member_digest([rec.subject_id, rec.item_code, rec.doc_no,
                                          imported.get(rec.id) or rec.content_digest])
            details = audit.record_delete_details(rec, member)
            deleted_at = now()
            tombstones.append(RecordTombstone(
                record_id=act.record_id, subject_id=act.subject_id, unit_id=act.unit_id, item_code=act.item_code,
                revoking_document=act.document, decided_by=act.decided_by, received_on=act.received_on,
                due_on=act.due_on, deleted_at=deleted_at, content_digest=audit.keyed_digest(rec.content),
                batch_id=rec.batch_id, line_no=rec.line_no, member_digest=member))
            events.append(audit.event_row(action="record:delete", actor=actor, object_type="record",
                                          object_id=act.record_id, subject_id=act.subject_id,
                                          content=[act.record_id, "deleted", act.id],
                                          details={**details, "action_id": act.id}))
            journal.note(session, "record", {
                "record_id": act.record_id, "subject_id": act.subject_id, "unit_id": act.unit_id,
                "item_code": act.item_code, "action": act.action, "document": act.document,
                "decided_by": act.decided_by, "received_on": act.received_on, "due_on": act.due_on,
                "basis_parameter": act.basis_parameter, "basis_value": act.basis_value,
                "basis_article": act.basis_article, "deleted_at": deleted_at, "member_digest": member,
                "batch_id": rec.batch_id, "line_no": rec.line_no})
        session.add_all(tombstones)  # one INSERT for all on PostgreSQL (SQLite: row by row, for their ids)
        audit.append_many(session, events)
    for act in acts:
        act.done_at = now()
    session.flush()


def write_journal(session: Session) -> None:
    """Before the purge commits: what it deleted, for a restore from an older backup to delete again
    (``ops.journal``)."""
    journal.write_noted(session)


def scrub_storage(session: Session, tables: Iterable[str]) -> list[str]:
    """After the purge commits: make the deleted bytes unrecoverable from the database files too — in each of
    ``tables`` (those the flow deletes from or rewrites: ``xinyong.deletion.TABLES``). Returns them."""
    bind = session.get_bind()
    tables = list(tables)
    if bind.dialect.name == "postgresql":
        quote = bind.dialect.identifier_preparer.quote
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM " + ", ".join(quote(t) for t in tables))
    elif bind.dialect.name == "sqlite":
        # secure_delete is on for every connection; the WAL still holds the old pages until checkpoint.
        with bind.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return tables


def _blank_stored_copies(session: Session, recs: list[Any]) -> None:
    """Remove these records' rows from the stored copies (Art. 37), each file rewritten once: every record's
    row from the stored copy of its batch file (the encrypted spool, and a plaintext copy an older version
    kept), every other row keeping its line number; and the rows that name one of them in its provider's
    other stored copies (``_other_copies``)."""
    from . import spool
    from .importer import stored_copy_path

    folder = get_settings().var_dir / "batches"
    lines: dict[Path, set[int]] = {}
    uploads: dict[str, list[Path]] = {}
    for rec in recs:
        if not rec.batch_id or not rec.line_no:
            continue
        paths = uploads.get(rec.batch_id)
        if paths is None:
            spool_path = stored_copy_path(rec.batch_id)
            paths = [spool_path] if spool_path.exists() else []
            # a plaintext copy an older version kept (``0009_catalog_fields`` re-spools them)
            paths += [p for p in folder.glob(f"{rec.batch_id}.*") if p != spool_path and p.suffix != ".rejects"]
            uploads[rec.batch_id] = paths
        for path in paths:
            lines.setdefault(path, set()).add(rec.line_no)
    for path, found in _other_copies(session, recs).items():
        lines.setdefault(path, set()).update(found)
    for path, numbers in lines.items():
        if spool.is_spool(path):
            spool.remove_lines(path, numbers)
        else:
            _blank_lines(path, numbers)


def _other_copies(session: Session, recs: list[Any]) -> dict[Path, set[int]]:
    """The rows naming these records in their providers' other stored copies: a file that carried one again
    (counted already present) or another version of it (rejected, same identity). Only the copies of finished
    batches that counted such rows are read, each once; a batch still running is left to its retention."""
    from ..models import Batch
    from ..subject.identifiers import parse_identifier
    from ..subject.service import digests_of_many, identifier_digest
    from . import spool
    from .fields import FieldError, map_row
    from .importer import stored_copy_path
    from .rules import DEFAULT_ITEM

    found: dict[Path, set[int]] = {}
    by_unit: dict[int, dict[tuple[str, str], list[Any]]] = {}
    for rec in recs:
        by_unit.setdefault(rec.unit_id, {}).setdefault((rec.doc_no, rec.item_code), []).append(rec)
    candidates = session.execute(select(Batch.id, Batch.unit_id).where(
        Batch.unit_id.in_(sorted(by_unit)), Batch.status.in_(("done", "failed")),
        (Batch.already_present > 0) | (Batch.rejected > 0)).order_by(Batch.id)).all()
    if not candidates:
        return found
    digests = digests_of_many(session, sorted({rec.subject_id for rec in recs}))  # current and former identifiers
    for batch_id, unit_id in candidates:
        path = stored_copy_path(batch_id)
        if not spool.is_spool(path):
            continue
        named = by_unit[unit_id]
        with spool.SpoolReader(path) as reader:
            fmt = reader.format
            for row in reader:
                if row.error is not None:
                    continue
                try:
                    m = map_row(fmt, row.values)
                    key = ((m["doc_no"] or "").strip(), (m["catalog_item"] or "").strip() or DEFAULT_ITEM.get(fmt, ""))
                    if key not in named:
                        continue
                    ident = parse_identifier(m["subject_id"], today=today(), allow_unlisted_region=True)
                except (DomainError, FieldError):  # an unreadable row names no record
                    continue
                digest = identifier_digest(ident)
                if any(digest in digests.get(rec.subject_id, ()) and
                       not (batch_id == rec.batch_id and row.line == rec.line_no) for rec in named[key]):
                    found.setdefault(path, set()).add(row.line)
    return found


def _blank_lines(path: Path, lines: set[int]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with path.open("rb") as src, tmp.open("wb") as dst:
        for n, raw in enumerate(src, start=1):
            dst.write(b"\n" if n in lines else raw)
    os.replace(tmp, path)


def pending_actions(session: Session, *, on: date | None = None) -> list[dict]:
    """Revocations not yet carried out, with their deadlines (for the operator's console)."""
    day = on or today()
    rows = session.scalars(select(RecordAction).where(RecordAction.action == "revoke",
                                                      RecordAction.done_at.is_(None)))
    return [{"record_id": a.record_id, "received_on": a.received_on.isoformat(),
             "due_on": a.due_on.isoformat() if a.due_on else None, "basis": a.basis_article,
             "overdue": bool(a.due_on and day > a.due_on), "note": a.deadline_note} for a in rows]


def history_of(session: Session, record_id: int) -> list[dict]:
    rows = session.scalars(select(RecordHistory).where(RecordHistory.record_id == record_id)
                           .order_by(RecordHistory.version))
    return [{"version": h.version, "action": h.action, "changed_at": h.changed_at.isoformat(),
             "reason": h.reason, "document": h.document, "previous_content": h.previous_content}
            for h in rows]


def acts_of(session: Session, record_id: int, *, unit_id: int) -> list[dict]:
    """The acts a unit reported on one of its records (corrections, withdrawal, revocation, restoration),
    oldest first: kind, document, reason, who decided, when, and the deadline with its basis. Another unit's
    record has none. No content: what the unit itself filed, for its own follow-up (a revoked record is no
    longer served to anyone, but its provider sees the revocation it reported and its deletion deadline)."""
    rows = session.scalars(select(RecordAction).where(RecordAction.record_id == record_id,
                                                      RecordAction.unit_id == unit_id).order_by(RecordAction.id))
    return [{"action": a.action, "document": a.document, "reason": a.reason, "decided_by": a.decided_by,
             "received_at": a.received_at, "due_on": a.due_on, "basis": a.basis_article,
             "note": a.deadline_note, "done_at": a.done_at} for a in rows]
