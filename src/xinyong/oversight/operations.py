"""What the operator (the Center) sees of the platform's running: units and their officers and tokens,
ingestion, the objection queue by deadline, revocations and restorations due and late, purge, seal and
verification, and the working-day calendar (the console's pages, ``xinyong.portal.console``).

Reads only: every act (adding a unit or an officer, issuing or revoking a token) goes through the domain's own
service (``unit.service``, ``tokens``), as the API and the CLI do. Subjects appear by surrogate id only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..audit.chain import iso_utc
from ..clock import local_date, now, today, wall_now
from ..db import session_scope
from ..errors import NotFound, msg
from ..law import calendar as cal
from ..law import parameters
from ..models import (AuditCheckpoint, AuditEvent, AuditVerification, Batch, BatchReject, Objection, ObjectionStep,
                      Officer, RecordAction, Unit, UnitToken, WorkerJob)
from . import service

log = logging.getLogger(__name__)

# --- units, officers, tokens ------------------------------------------------------------------------------

def units_overview(session: Session) -> list[dict[str, Any]]:
    """Every unit with its kind, state and how many officers (active) and live tokens it has."""
    officers = dict(session.execute(select(Officer.unit_id, func.count()).where(Officer.active.is_(True))
                                    .group_by(Officer.unit_id)).all())
    live = dict(session.execute(select(UnitToken.unit_id, func.count())
                                .where(UnitToken.unit_id.is_not(None), UnitToken.revoked_at.is_(None))
                                .group_by(UnitToken.unit_id)).all())
    return [{"id": u.id, "name": u.name, "kind": u.kind, "uscc": u.uscc, "active": u.active,
             "created_at": u.created_at, "officers": int(officers.get(u.id, 0)), "tokens": int(live.get(u.id, 0)),
             "provides": [p.item_code for p in u.provides]}
            for u in session.scalars(select(Unit).order_by(Unit.kind, Unit.name))]


def unit_detail(session: Session, uscc: str) -> dict[str, Any]:
    """One unit: what it provides and inquires into, its officers and its tokens (never their values)."""
    from ..catalog import service as catalog_items
    from ..unit import service as units

    unit = units.get_by_uscc(session, uscc)
    info = units.describe(unit, session)
    officers = session.scalars(select(Officer).where(Officer.unit_id == unit.id).order_by(Officer.staff_no)).all()
    toks = session.scalars(select(UnitToken).where(UnitToken.unit_id == unit.id).order_by(UnitToken.id)).all()
    by_officer = {o.id: o for o in officers}
    names = {i.code: (i.name_zh, i.name_en) for i in catalog_items.list_items(session)}
    info["provides_named"] = [{"code": c, "name_zh": names.get(c, (c, c))[0], "name_en": names.get(c, (c, c))[1]}
                              for c in info["provides"]]
    return {**info, "id": unit.id, "created_at": unit.created_at,
            "officers": [{"id": o.id, "staff_no": o.staff_no, "name": o.name, "items": o.items, "purposes": o.purposes,
                          "active": o.active, "created_at": o.created_at,
                          "tokens": sum(1 for t in toks if t.officer_id == o.id and t.revoked_at is None)}
                         for o in officers],
            "tokens": [_token_view(t, by_officer.get(t.officer_id)) for t in toks]}


def _token_view(t: UnitToken, officer: Officer | None) -> dict[str, Any]:
    return {"id": t.id, "label": t.label, "officer": officer.staff_no if officer else None,
            "created_at": t.created_at, "expires_at": t.expires_at, "revoked_at": t.revoked_at,
            "state": token_state(t)}


def token_state(t: UnitToken) -> str:
    from ..clock import TZ, now

    if t.revoked_at is not None:
        return "revoked"
    if t.expires_at is not None:
        moment = t.expires_at if t.expires_at.tzinfo else t.expires_at.replace(tzinfo=TZ)
        if moment <= now():
            return "expired"
    return "live"


def officer_of(session: Session, uscc: str, officer_id: int) -> tuple[Unit, Officer]:
    from ..unit import service as units

    unit = units.get_by_uscc(session, uscc)
    officer = session.get(Officer, officer_id)
    if officer is None or officer.unit_id != unit.id:
        raise NotFound(msg("the unit has no officer {officer_id}", officer_id=officer_id), field="officer")
    return unit, officer


# --- the catalog ------------------------------------------------------------------------------------------

def catalog(session: Session) -> list[dict[str, Any]]:
    from ..catalog import service as items

    return [{**items.describe(i), "state": i.state, "published_on": i.published_on}
            for i in items.list_items(session)]


# --- ingestion --------------------------------------------------------------------------------------------

def ingestion(session: Session, *, recent: int = 30) -> dict[str, Any]:
    """Batches by unit and status with their row counts; the failed and interrupted ones (a batch whose
    process stopped holding its lease counts as interrupted even before the sweep marks it); the most recent."""
    at = wall_now()
    lapsed = (Batch.status.in_(("received", "running"))
              & or_(Batch.lease_expires_at.is_(None), Batch.lease_expires_at < at))
    rows = session.execute(
        select(Batch.unit_id, Batch.status, func.count(), func.sum(Batch.rows_total), func.sum(Batch.accepted),
               func.sum(Batch.rejected), func.sum(Batch.already_present), func.max(Batch.received_at))
        .group_by(Batch.unit_id, Batch.status)).all()
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    usccs = dict(session.execute(select(Unit.id, Unit.uscc)).all())
    by_unit: dict[int, dict[str, Any]] = {}
    for unit_id, status, n, total, accepted, rejected, present, last in rows:
        u = by_unit.setdefault(unit_id, {"unit": {"name": names.get(unit_id), "uscc": usccs.get(unit_id)},
                                         "batches": 0, "rows": 0, "accepted": 0, "rejected": 0, "already_present": 0,
                                         "statuses": {}, "last_received_at": None})
        u["batches"] += int(n)
        u["rows"] += int(total or 0)
        u["accepted"] += int(accepted or 0)
        u["rejected"] += int(rejected or 0)
        u["already_present"] += int(present or 0)
        u["statuses"][status] = u["statuses"].get(status, 0) + int(n)
        if last is not None and (u["last_received_at"] is None or last > u["last_received_at"]):
            u["last_received_at"] = last
    reject_lines = dict(session.execute(select(Batch.unit_id, func.count(BatchReject.id))
                                        .join(BatchReject, BatchReject.batch_id == Batch.id)
                                        .group_by(Batch.unit_id)).all())
    for unit_id, u in by_unit.items():
        u["reject_lines"] = int(reject_lines.get(unit_id, 0))

    def view(b: Batch, *, stalled: bool = False) -> dict[str, Any]:
        return {"id": b.id, "unit": {"name": names.get(b.unit_id), "uscc": usccs.get(b.unit_id)},
                "filename": b.filename, "status": "interrupted" if stalled else b.status,
                "received_at": b.received_at, "finished_at": b.finished_at, "rows": b.rows_total,
                "accepted": b.accepted, "rejected": b.rejected, "already_present": b.already_present,
                "runs": b.runs, "error": _masked(b.error)}

    failed = [view(b) for b in session.scalars(select(Batch).where(Batch.status == "failed")
                                               .order_by(Batch.received_at.desc()).limit(recent))]
    interrupted = [view(b) for b in session.scalars(select(Batch).where(Batch.status == "interrupted")
                                                    .order_by(Batch.received_at.desc()).limit(recent))]
    interrupted += [view(b, stalled=True) for b in session.scalars(select(Batch).where(lapsed)
                                                                   .order_by(Batch.received_at.desc()).limit(recent))]
    latest = [view(b) for b in session.scalars(select(Batch).order_by(Batch.received_at.desc()).limit(recent))]
    units = sorted(by_unit.values(), key=lambda u: (u["unit"]["name"] or "", u["unit"]["uscc"] or ""))
    return {"units": units, "failed": failed, "interrupted": interrupted, "recent": latest}


def _masked(text: str | None) -> str | None:
    if not text:
        return text
    from ..record.fields import mask_id_shaped

    return mask_id_shaped(text)


# --- objections -------------------------------------------------------------------------------------------

def objection_queue(session: Session, *, on: date | None = None) -> list[dict[str, Any]]:
    """Every open step of every open objection, whoever owes it (the Center, a providing unit, an
    establishment): overdue ones first, then by deadline; each with its basis and article (Art. 36)."""
    from ..objection.service import number_of

    day = on or today()
    rows = session.execute(select(ObjectionStep, Objection).join(Objection, Objection.id == ObjectionStep.objection_id)
                           .where(ObjectionStep.done_at.is_(None))
                           .order_by(ObjectionStep.due_on, ObjectionStep.id)).all()
    names = service._names(session, [s.unit_id for s, _ in rows])
    out = [{"objection": number_of(o), "id": o.id, "kind": o.kind, "status": o.status, "addressee": o.addressee,
            "received_on": o.received_on.isoformat(), "step": s.step, "party": s.party,
            "unit": service._unit_ref(names, s.unit_id), "due_on": s.due_on.isoformat(),
            "overdue": day > s.due_on, "days_late": max((day - s.due_on).days, 0), "article": s.basis_article,
            "basis": {"parameter": s.basis_parameter, "value": s.basis_value, "kind": s.basis_kind}}
           for s, o in rows]
    out.sort(key=lambda r: (not r["overdue"], r["due_on"], r["id"]))
    return out


# --- revocations and restorations -------------------------------------------------------------------------

def record_actions(session: Session, *, on: date | None = None, recent: int = 30) -> dict[str, Any]:
    """Deletions due (revoked or removed records not yet purged, Art. 37) with their deadlines, overdue
    marked; restorations carried out (Art. 38) with theirs; and every one past its deadline."""
    day = on or today()
    pending = session.scalars(select(RecordAction).where(RecordAction.action.in_(("revoke", "delete")),
                                                         RecordAction.done_at.is_(None))
                              .order_by(RecordAction.due_on, RecordAction.id)).all()
    restores = session.scalars(select(RecordAction).where(RecordAction.action == "restore")
                               .order_by(RecordAction.id.desc()).limit(recent)).all()
    names = service._names(session, [a.unit_id for a in [*pending, *restores]])

    def view(a: RecordAction) -> dict[str, Any]:
        done = local_date(a.done_at) if a.done_at else None
        return {"action_id": a.id, "record_id": a.record_id, "action": a.action, "item": a.item_code,
                "unit": service._unit_ref(names, a.unit_id), "document": a.document, "decided_by": a.decided_by,
                "received_on": a.received_on.isoformat(), "due_on": a.due_on.isoformat() if a.due_on else None,
                "done_on": done.isoformat() if done else None,
                "overdue": bool(a.due_on and ((done > a.due_on) if done else day > a.due_on)),
                "article": a.basis_article or ("Art. 38" if a.action == "restore" else "Art. 37"),
                "basis": {"parameter": a.basis_parameter, "value": a.basis_value}, "note": a.deadline_note}

    due = sorted((view(a) for a in pending), key=lambda r: (not r["overdue"], r["due_on"] or "9999", r["action_id"]))
    return {"deletions_due": due, "restorations": [view(a) for a in restores],
            "late": service.late_record_actions(session, on=day)}


# --- purge, seal, verification ----------------------------------------------------------------------------

def housekeeping(session: Session) -> dict[str, Any]:
    """The scheduled jobs' last runs (purge, seal …), the latest signed checkpoint with the events not yet
    sealed, the deletions waiting for the purge, and the last recorded ``audit verify`` run."""
    jobs = {j.name: {"status": j.status, "finished_at": j.finished_at, "started_at": j.started_at,
                     "summary": j.summary, "error": _masked(j.error)}
            for j in session.scalars(select(WorkerJob))}
    cp = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)).first()
    events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    waiting = session.scalar(select(func.count()).select_from(RecordAction).where(
        RecordAction.action.in_(("revoke", "delete")), RecordAction.done_at.is_(None))) or 0
    last = service.verifications(session, limit=1)
    return {"jobs": jobs,
            "checkpoint": ({"seq": cp.seq, "tree_size": cp.tree_size, "sealed_at": cp.sealed_at,
                            "root_hash": cp.root_hash} if cp else None),
            "events": int(events), "unsealed": int(events) - (cp.tree_size if cp else 0),
            "deletions_waiting": int(waiting), "last_verification": last[0] if last else None,
            "verification_request": verification_state(session)}


def request_verification(session: Session, *, actor) -> AuditVerification:
    """Queue a verification (the console's button): ``xinyong worker`` runs it (``run_queued_verifications``),
    since ``audit verify`` reads every bound table once (minutes on a large database). One queued or running
    at a time: asking again while one waits returns it."""
    from ..audit import service as audit

    waiting = session.scalars(select(AuditVerification).where(AuditVerification.finished_at.is_(None))
                              .order_by(AuditVerification.id).limit(1)).first()
    if waiting is not None:
        return waiting
    row = AuditVerification(requested_at=now(), requested_by=actor.label[:120])
    session.add(row)
    session.flush()
    audit.append(session, action="audit:verify-requested", actor=actor, object_type="audit_verification",
                 object_id=row.id, details={"article": "Art. 20(2)"})
    return row


def verification_state(session: Session) -> dict[str, Any] | None:
    """The latest console-requested verification: queued, running or finished, with its outcome."""
    row = session.scalars(select(AuditVerification).order_by(AuditVerification.id.desc()).limit(1)).first()
    if row is None:
        return None
    state = ("finished" if row.finished_at else "queued" if not row.started_at
             else "interrupted" if _lapsed(row.lease_expires_at) else "running")
    return {"id": row.id, "state": state, "requested_at": row.requested_at, "requested_by": row.requested_by,
            "started_at": row.started_at, "finished_at": row.finished_at, "outcome": row.outcome,
            "summary": row.summary, "error": _masked(row.error), "runs": row.runs}


def _lapsed(expires: Any) -> bool:
    """A running verification's lease lapsed: its worker died (the next worker's loop claims it again)."""
    if expires is None:
        return True  # claimed before leases existed, or never renewed
    if expires.tzinfo is None:  # SQLite hands back naive UTC
        expires = expires.replace(tzinfo=wall_now().tzinfo)
    return expires < wall_now()


@dataclass(frozen=True)
class _Requester:
    """Who asked for a queued verification, as its ``audit:verify`` event names them (their label)."""

    label: str


def run_queued_verifications(engine: Engine) -> list[dict[str, Any]]:
    """The worker's part: claim each queued verification (a conditional ``UPDATE``: two workers never run
    one), run ``audit verify``, keep its outcome on the row and as the ``audit:verify`` event the console's
    button recorded when it ran in the request. A verification that cannot run (no public key while
    checkpoints exist) is finished with its error, masked."""
    from ..audit.verify import verify
    from ..record.fields import mask_id_shaped

    from ..record.queue import expiry, lease_seconds, new_holder

    done = []
    while True:
        moment = wall_now()
        # waiting, or running under a lease that lapsed (its worker died): claimable
        claimable = (AuditVerification.finished_at.is_(None),
                     or_(AuditVerification.started_at.is_(None), AuditVerification.lease_expires_at.is_(None),
                         AuditVerification.lease_expires_at < moment))
        holder, seconds = new_holder(), lease_seconds()
        with session_scope(engine) as s:
            row = s.scalars(select(AuditVerification).where(*claimable).order_by(AuditVerification.id).limit(1)).first()
            if row is None:
                return done
            ident, requester = row.id, _Requester(row.requested_by)
            claimed = s.execute(update(AuditVerification).where(AuditVerification.id == ident, *claimable)
                                .values(started_at=now(), lease_holder=holder, lease_expires_at=expiry(seconds),
                                        runs=AuditVerification.runs + 1)
                                .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue  # another worker took it
        held = (AuditVerification.id == ident, AuditVerification.lease_holder == holder)
        try:
            with _heartbeat(engine, held, seconds):
                report = verify(engine)
        except Exception as exc:  # noqa: BLE001 - kept on the row, shown on the console
            with session_scope(engine) as s:
                s.execute(update(AuditVerification).where(*held).values(
                    finished_at=now(), outcome="failed", lease_holder=None, lease_expires_at=None,
                    error=mask_id_shaped(f"{type(exc).__name__}: {exc}")[:2000]))
            done.append({"id": ident, "ok": False})
            continue
        with session_scope(engine) as s:
            # only while this worker still holds it: one that lost its lease to another worker records nothing
            finished = s.execute(update(AuditVerification).where(*held).values(
                finished_at=now(), lease_holder=None, lease_expires_at=None)).rowcount
            if finished != 1:
                s.rollback()
                continue
            summary = service.record_verification(s, report=report, actor=requester)
            s.execute(update(AuditVerification).where(AuditVerification.id == ident).values(
                outcome="ok" if summary["ok"] else "failed", summary=summary))
        done.append({"id": ident, "ok": summary["ok"]})


@contextmanager
def _heartbeat(engine: Engine, held: tuple, seconds: float) -> Iterator[None]:
    """Renew a running verification's lease every third of its length while ``audit verify`` reads (minutes on a
    large database): a live worker never lets it lapse."""
    from ..record.queue import expiry

    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(seconds / 3):
            try:
                with session_scope(engine) as s:
                    s.execute(update(AuditVerification).where(*held).values(lease_expires_at=expiry(seconds)))
            except Exception:  # noqa: BLE001 - the next beat tries again; a lapse only lets another worker rerun it
                log.warning("audit verification: the lease could not be renewed this time")

    thread = threading.Thread(target=beat, name="verify lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_verification(engine: Engine, *, actor) -> dict[str, Any]:
    """Run ``audit verify`` now (the whole log, every bound row: a read of each table once) and keep its
    outcome (``service.record_verification``). Refusals of verification itself (no public key while
    checkpoints exist) are raised as they are."""
    from ..audit.verify import verify

    report = verify(engine)
    with session_scope(engine) as s:
        return service.record_verification(s, report=report, actor=actor)


# --- the working-day calendar -----------------------------------------------------------------------------

def calendar_status(*, on: date | None = None) -> dict[str, Any]:
    """The years the working-day calendar knows, with their sources; a warning from ``ops.calendar_warning_days``
    before 1 January (the same day as ``/healthz``'s) when next year's notice is not in it (deadlines counted into an unknown year are refused: Art. 36's and 37's
    working days cannot be counted), and an error when this year's is missing."""
    day = on or today()
    known = cal.known_years()
    warn_from = date(day.year + 1, 1, 1) - timedelta(days=parameters.value("ops.calendar_warning_days", day))
    return {"as_of": day.isoformat(), "years": [{"year": y, "source": src} for y, src in known.items()],
            "this_year_known": day.year in known, "next_year": day.year + 1,
            "next_year_missing_warning": day >= warn_from and (day.year + 1) not in known,
            "warning_from": warn_from.isoformat(), "directory": str(cal.calendar_dir())}


def summary(session: Session, *, on: date | None = None) -> dict[str, Any]:
    """The console's home: counts of each kind of work, the overdue first."""
    day = on or today()
    queue = objection_queue(session, on=day)
    actions = record_actions(session, on=day)
    return {"as_of": day.isoformat(), "queue": queue, "actions": actions, "housekeeping": housekeeping(session),
            "calendar": calendar_status(on=day),
            "units": session.scalar(select(func.count()).select_from(Unit)) or 0,
            "batches_failed": session.scalar(select(func.count()).select_from(Batch).where(Batch.status == "failed")) or 0,
            "batches_interrupted": session.scalar(select(func.count()).select_from(Batch)
                                                  .where(Batch.status == "interrupted")) or 0,
            "checked_at": iso_utc(wall_now())}
