"""Credit restoration applications (信用修复, Art. 38; domain.md §6): apply, follow, decide.

A subject (an organization through its agent) applies to the deciding organ — the unit that provided the
untrustworthy record — with its materials (``materials.store``: kept encrypted). The organ's officer decides
(``decide``); a grant is the written proof of Art. 38, and the record is restored at once through the record
workflow (``record.workflows.restore``: off the inquiry interface, deadline ``restoration.hide_working_days``,
3 working days, met on the day of the decision); the application keeps the record action's id. A refusal gives
its reasons. Loads → rules → persists → audits; flushes, never commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..clock import local_date, now, today
from ..errors import Forbidden, NotFound, msg
from ..law.periods import untrustworthy_inquiry_end
from ..models import Record, RecordAction, RestorationApplication, Unit
from ..record import workflows
from . import rules

DELETED_MARK = "（已依法删除）"  # a record deleted since (Art. 37): no copy of it is kept here


def _audit(session: Session, app: RestorationApplication, action: str, actor: Actor, **details: Any) -> None:
    """Surrogate ids, codes and dates only in the details; the reason and materials only digested."""
    info = {"record_id": app.record_id, "unit_id": app.unit_id, "status": app.status, **details}
    audit.append(session, action=f"restoration:{action}", actor=actor, object_type="restoration_application",
                 object_id=app.id, subject_id=app.subject_id,
                 content={**info, "reason": app.reason, "materials": app.materials,
                          "decision_reason": app.decision_reason},
                 details=info)


def apply(session: Session, *, actor: Actor, record_id: int, measure: str, reason: str,
          materials: list[dict] | None = None) -> RestorationApplication:
    """The subject applies to the unit that provided the record (Art. 38)."""
    if actor.role != "subject" or actor.subject_id is None:
        raise Forbidden("a subject applies for the restoration of its own information", article="Art. 38")
    rec = session.get(Record, int(record_id))
    if rec is None or rec.subject_id != actor.subject_id:
        # another subject's record reads like one that does not exist (existence is information too)
        raise NotFound(msg("no record {record_id} of yours", record_id=record_id), field="record_id")
    day = today()
    in_period = rec.ended_on is None or day <= untrustworthy_inquiry_end(rec.ended_on, item_code=rec.item_code)
    open_one = session.scalar(select(RestorationApplication.id).where(
        RestorationApplication.record_id == rec.id, RestorationApplication.status.in_(rules.OPEN)).limit(1))
    rules.check_application(record_subject_id=rec.subject_id, applicant_subject_id=actor.subject_id,
                            untrustworthy=rec.untrustworthy, record_status=rec.status, in_inquiry_period=in_period,
                            measure=measure, reason=reason, open_application=open_one is not None)
    minimum = rules.publicity_minimum(rec.item_code, rec.doc_date, rec.severity)
    moment = now()
    app = RestorationApplication(
        subject_id=rec.subject_id, record_id=rec.id, unit_id=rec.unit_id, item_code=rec.item_code,
        measure=measure, reason=reason.strip(), materials=list(materials or []), status="applied",
        filed_by=actor.label[:120], applied_at=moment, applied_on=local_date(moment),
        publicity_min_until=minimum.until if minimum else None,
        publicity_parameter=minimum.parameter if minimum else None,
        publicity_months=minimum.months if minimum else None)
    session.add(app)
    session.flush()
    _audit(session, app, "apply", actor, measure=measure, materials_count=len(app.materials),
           applied_on=app.applied_on.isoformat())
    return app


def get(session: Session, application_id: int) -> RestorationApplication:
    app = session.get(RestorationApplication, int(application_id))
    if app is None:
        raise NotFound(msg("no restoration application {application_id}", application_id=application_id),
                       field="application")
    return app


def get_for(session: Session, application_id: int, actor: Actor) -> RestorationApplication:
    """The applicant and the deciding organ (and the Center's console) only; anyone else: not found."""
    app = get(session, application_id)
    if actor.role in rules.CENTER_ROLES:
        return app
    if actor.subject_id is not None and actor.subject_id == app.subject_id:
        return app
    if actor.subject_id is None and actor.unit_id is not None and actor.unit_id == app.unit_id:
        return app
    raise NotFound(msg("no restoration application {application_id}", application_id=application_id),
                   field="application")


def decide(session: Session, *, application_id: int, actor: Actor, outcome: str, document: str,
           reason: str = "") -> RestorationApplication:
    """The deciding organ's decision. Granted: the written proof of credit restoration, carried out at once
    through ``record.workflows.restore`` (Art. 38: within 3 working days)."""
    app = get(session, application_id)
    rules.check_decider(actor.unit_id, app.unit_id)
    rules.check_decision(app.status, outcome, document, reason)
    moment = now()
    action_id = None
    if outcome == "granted":
        rec = session.get(Record, app.record_id)
        if rec is not None and rec.status != "restored":
            act = workflows.restore(session, record_id=rec.id, document=document.strip(),
                                    reason=(reason or "").strip() or "credit restored on application", actor=actor)
            action_id = act.id
        elif rec is not None:  # restored already through ``record restore``: name that action
            action_id = session.scalar(select(RecordAction.id).where(
                RecordAction.record_id == rec.id, RecordAction.action == "restore")
                .order_by(RecordAction.id.desc()).limit(1))
    app.status = outcome
    app.decided_at, app.decided_on = moment, local_date(moment)
    app.decided_by = (actor.officer or actor.label)[:120]
    app.decision_document, app.decision_reason = document.strip()[:200], (reason or "").strip() or None
    app.restore_action_id = action_id
    session.flush()
    _audit(session, app, "decide", actor, outcome=outcome, restore_action_id=action_id,
           decided_on=app.decided_on.isoformat())
    return app


# --------------------------------------------------------------------------------------------
# views


def _units(session: Session, ids) -> dict[int, dict]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {i: {"name": n, "uscc": u}
            for i, n, u in session.execute(select(Unit.id, Unit.name, Unit.uscc).where(Unit.id.in_(ids)))}


def _views(session: Session, apps: list[RestorationApplication]) -> list[dict[str, Any]]:
    if not apps:
        return []
    day = today()
    records = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_({a.record_id for a in apps})))}
    acts = {a.id: a for a in session.scalars(select(RecordAction).where(
        RecordAction.id.in_({a.restore_action_id for a in apps if a.restore_action_id})))} \
        if any(a.restore_action_id for a in apps) else {}
    units = _units(session, [a.unit_id for a in apps])
    out = []
    for app in apps:
        rec = records.get(app.record_id)
        act = acts.get(app.restore_action_id)
        out.append({
            "id": app.id, "subject_id": app.subject_id,
            "record": {"id": app.record_id, "item": app.item_code,
                       "document": rec.doc_no if rec is not None else DELETED_MARK,
                       "status": rec.status if rec is not None else "deleted"},
            "unit": units.get(app.unit_id), "measure": app.measure, "reason": app.reason,
            "materials": list(app.materials or []), "status": app.status,
            "applied_on": app.applied_on.isoformat(),
            "publicity_minimum": {
                "until": app.publicity_min_until.isoformat(), "parameter": app.publicity_parameter,
                "months": app.publicity_months, "met": day >= app.publicity_min_until,
            } if app.publicity_min_until else None,
            "decision": {
                "outcome": app.status, "document": app.decision_document, "reason": app.decision_reason,
                "decided_on": app.decided_on.isoformat() if app.decided_on else None,
                "decided_by": app.decided_by,
            } if app.status != "applied" else None,
            "restoration": {
                "action_id": act.id, "due_on": act.due_on.isoformat() if act.due_on else None,
                "done_on": local_date(act.done_at).isoformat() if act.done_at else None,
                "article": act.basis_article or "Art. 38",
            } if act is not None else None,
        })
    return out


def view(session: Session, app: RestorationApplication) -> dict[str, Any]:
    return _views(session, [app])[0]


def of_subject(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """A subject's applications, newest first, each followed to its outcome."""
    apps = list(session.scalars(select(RestorationApplication).where(RestorationApplication.subject_id == subject_id)
                                .order_by(RestorationApplication.id.desc())))
    return _views(session, apps)


def inbox(session: Session, unit_id: int) -> list[dict[str, Any]]:
    """The deciding organ's open applications, oldest first (the pages of the ``unit`` role may link here)."""
    apps = list(session.scalars(select(RestorationApplication).where(
        RestorationApplication.unit_id == unit_id, RestorationApplication.status.in_(rules.OPEN))
        .order_by(RestorationApplication.applied_on, RestorationApplication.id)))
    return _views(session, apps)
