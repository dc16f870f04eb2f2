"""What the supervisor sees: the console's acts for units, each with the reason it recorded (the console is the
Center's; acting for a unit is an exception the supervisor watches, Art. 19(2), 20(1))."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.chain import iso_utc
from ..clock import start_of, today
from ..models import AuditEvent, Unit


def console_acts(session: Session, *, since: date | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """The console's acts for units, newest first: when, which command, for which unit, and why."""
    q = (select(AuditEvent, Unit.name).outerjoin(Unit, Unit.uscc == AuditEvent.details["unit"].as_string())
         .where(AuditEvent.action == "console:act-for").order_by(AuditEvent.id.desc()).limit(limit))
    if since is not None:
        q = q.where(AuditEvent.at >= start_of(since))
    return [{"event_id": e.id, "at": iso_utc(e.at), "command": (e.details or {}).get("command"),
             "unit": {"uscc": (e.details or {}).get("unit"), "name": name}, "reason": (e.details or {}).get("reason")}
            for e, name in session.execute(q)]


# --------------------------------------------------------------------------------------------
# What the platform knows of breaches (the supervisor's page, Art. 19, 20, 36, 37, 38, 50, 51)

def _names(session: Session, ids) -> dict[int, tuple[str, str, str]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {i: (n, u, k) for i, n, u, k in
            session.execute(select(Unit.id, Unit.name, Unit.uscc, Unit.kind).where(Unit.id.in_(sorted(ids))))}


def _unit_ref(names: dict, unit_id: int | None) -> dict[str, Any] | None:
    found = names.get(unit_id)
    return {"name": found[0], "uscc": found[1], "kind": found[2]} if found else None


def refused_inquiries(session: Session, *, since: date | None = None) -> list[dict[str, Any]]:
    """Refused inquiries, counted by the unit that asked (or the kind of asker without a unit: the public, a
    subject) and the article the refusal named — attempts only: a refused inquiry disclosed nothing
    (Art. 17, 19(2)); most refused first. No subject is named."""
    from sqlalchemy import func

    from ..models import InquiryLog

    q = (select(InquiryLog.unit_id, InquiryLog.actor_role, InquiryLog.article, func.count(), func.max(InquiryLog.at))
         .where(InquiryLog.decision == "deny")
         .group_by(InquiryLog.unit_id, InquiryLog.actor_role, InquiryLog.article))
    if since is not None:
        q = q.where(InquiryLog.at >= start_of(since))
    rows = session.execute(q).all()
    names = _names(session, [r[0] for r in rows])
    out = [{"unit": _unit_ref(names, unit_id), "asker": role, "article": article, "count": int(n),
            "last_at": iso_utc(last) if last is not None else None}
           for unit_id, role, article, n, last in rows]
    out.sort(key=lambda r: (-r["count"], (r["unit"] or {}).get("uscc") or r["asker"], r["article"]))
    return out


def late_objection_steps(session: Session, *, on: date | None = None) -> list[dict[str, Any]]:
    """Objection steps past their deadlines (Art. 36): those still open after it, and those done after it;
    each with its basis (parameter, value, article)."""
    from ..models import Objection, ObjectionStep
    from ..objection.service import number_of

    day = on or today()
    rows = session.execute(
        select(ObjectionStep, Objection).join(Objection, Objection.id == ObjectionStep.objection_id)
        .where(((ObjectionStep.done_at.is_(None)) & (ObjectionStep.due_on < day))
               | (ObjectionStep.done_on > ObjectionStep.due_on))
        .order_by(ObjectionStep.due_on, ObjectionStep.id)).all()
    names = _names(session, [s.unit_id for s, _ in rows])
    out = []
    for s, o in rows:
        end = s.done_on or day
        out.append({"objection": number_of(o), "id": o.id, "step_id": s.id, "step": s.step, "party": s.party,
                    "unit": _unit_ref(names, s.unit_id), "due_on": s.due_on.isoformat(),
                    "done_on": s.done_on.isoformat() if s.done_on else None, "open": s.done_on is None,
                    "days_late": (end - s.due_on).days, "article": s.basis_article,
                    "basis": {"parameter": s.basis_parameter, "value": s.basis_value, "kind": s.basis_kind}})
    return out


def late_record_actions(session: Session, *, on: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """Deletions (Art. 37: a revoked record deleted within its working days) and restorations (Art. 38:
    removed from the inquiry interface within its working days) past their deadlines — still pending after
    it, or carried out after it. Records by surrogate id only."""
    from ..clock import local_date
    from ..models import RecordAction, RecordTombstone

    day = on or today()
    deletions: list[dict[str, Any]] = []
    restorations: list[dict[str, Any]] = []
    acts = session.scalars(select(RecordAction).where(RecordAction.action.in_(("revoke", "delete", "restore")),
                                                      RecordAction.due_on.is_not(None))
                           .order_by(RecordAction.due_on, RecordAction.id)).all()
    tombs = {t.record_id: t for t in session.scalars(
        select(RecordTombstone).where(RecordTombstone.record_id.in_([a.record_id for a in acts] or [-1])))}
    names = _names(session, [a.unit_id for a in acts])
    for a in acts:
        if a.action == "restore":
            done = local_date(a.done_at) if a.done_at else None
        else:
            tomb = tombs.get(a.record_id)
            done = local_date(tomb.deleted_at) if tomb is not None else (local_date(a.done_at) if a.done_at else None)
        late = (done > a.due_on) if done else day > a.due_on
        if not late:
            continue
        row = {"action_id": a.id, "record_id": a.record_id, "action": a.action, "unit": _unit_ref(names, a.unit_id),
               "received_on": a.received_on.isoformat(), "due_on": a.due_on.isoformat(),
               "done_on": done.isoformat() if done else None, "open": done is None,
               "days_late": ((done or day) - a.due_on).days,
               "article": a.basis_article or ("Art. 38" if a.action == "restore" else "Art. 37")}
        (restorations if a.action == "restore" else deletions).append(row)
    return {"deletions": deletions, "restorations": restorations}


VERIFY_ACTION = "audit:verify"


def verifications(session: Session, *, limit: int = 20, failed_only: bool = False) -> list[dict[str, Any]]:
    """The recorded runs of the audit verification (``record_verification``), newest first (Art. 20(2))."""
    q = select(AuditEvent).where(AuditEvent.action == VERIFY_ACTION).order_by(AuditEvent.id.desc()).limit(limit)
    out = []
    for e in session.scalars(q):
        d = e.details or {}
        if failed_only and d.get("ok", True):
            continue
        out.append({"event_id": e.id, "at": iso_utc(e.at), "ok": bool(d.get("ok")), "events": d.get("events"),
                    "sealed": d.get("sealed"), "checkpoints": d.get("checkpoints"), "problems": d.get("problems", 0),
                    "kinds": d.get("kinds") or [], "by": e.actor, "article": "Art. 20(2)"})
    return out


def record_verification(session: Session, *, report: Any, actor: Any) -> dict[str, Any]:
    """Keep the outcome of an ``audit verify`` run durably: an audit event with the counts and the kinds of
    problem found (never their messages: they may quote stored values). What the console and the
    supervisor's page show as the last verification."""
    from ..audit import service as audit

    kinds = sorted({p.kind for p in report.problems})
    details = {"ok": report.ok, "events": report.events, "sealed": report.sealed, "not_yet_sealed": report.unsealed,
               "checkpoints": report.checkpoints, "records": report.records, "problems": len(report.problems),
               "kinds": kinds[:20]}
    audit.append(session, action=VERIFY_ACTION, actor=actor, object_type="audit_log",
                 object_id=str(report.events), details=details)
    return details


def breaches(session: Session, *, on: date | None = None) -> dict[str, Any]:
    """Everything the supervisor's page shows: refused inquiries, late objection steps, late deletions and
    restorations, failed verifications, the console's acts for units."""
    day = on or today()
    late = late_record_actions(session, on=day)
    return {"as_of": day.isoformat(), "refused_inquiries": refused_inquiries(session),
            "late_objection_steps": late_objection_steps(session, on=day),
            "late_deletions": late["deletions"], "late_restorations": late["restorations"],
            "verification_failures": verifications(session, failed_only=True),
            "last_verification": (verifications(session, limit=1) or [None])[0],
            "console_acts": console_acts(session, limit=50)}
