"""Objections (Art. 36): file, note, transfer, decide, inform — each step by its party, within its
deadline, audited.

Deadlines are computed on the official working-day calendar (``law.periods.deadline``: the day of
receipt never counts) and stored with their basis. A deadline that needs a year the calendar does
not know raises ``UnknownCalendarYear``: the step is refused (fails closed) until the operator adds
the year with ``xinyong law calendar add FILE``.

"Promptly" (及时) — the Center telling the objector the providing unit's decision (Art. 36.2(2)) —
has no number in the law. The platform's POLICY is the dated parameter
``objection.center.inform_working_days`` (labelled platform policy in ``law/parameters.yaml``); its
step is stored with basis kind "platform-policy", never "regulation".

The day of receipt (``received_on``) is the day the materials were received — by post or at a
window the operator records it (today or earlier, never later); a subject filing online is received
the day it files. The deadlines count from it. ``recorded_on`` is the (Asia/Shanghai) day the
objection was entered on the platform. Every day shown or stored is an Asia/Shanghai day
(``clock.local_date``).

Decisions of the Center on its own scope and of a credit service establishment reach the objector
with the decision itself (its inbox shows outcome, reasons and source at once); they close the
objection. A providing unit's decision reaches the objector through the Center's ``inform`` step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..clock import local_date, now, today
from ..errors import Forbidden, InvalidInput, NotFound, msg
from ..inquiry.service import register_case_provider
from ..law.parameters import parameter
from ..law.periods import deadline
from ..notice import service as notices
from ..models import Objection, ObjectionRecord, ObjectionStep, Record, Unit
from ..record import workflows
from ..unit import service as units
from . import rules

# Record actions are String(16) in record_action: "objection-correct" (17) does not fit there.
CORRECT_ACTION = "objection-correct"
INFORM_PARAMETER = "objection.center.inform_working_days"
INFORM_NOTE = "及时 (promptly): the regulation sets no number; the platform's policy"
_NUMBER = re.compile(r"^YY-(\d{4})-(\d{6,})$")

PARAMS = {
    ("center", "note"): "objection.center.note_working_days",
    ("center", "decide"): "objection.center.decide_working_days",
    ("center", "transfer"): "objection.center.transfer_working_days",
    ("center", "inform"): INFORM_PARAMETER,
    ("provider", "provider-decide"): "objection.provider.decide_working_days",
    ("credit-service", "note"): "objection.credit_service.note_working_days",
    ("credit-service", "decide"): "objection.credit_service.decide_working_days",
}


def number_of(obj: Objection) -> str:
    return f"YY-{obj.received_on.year}-{obj.id:06d}"


# --------------------------------------------------------------------------------------------
# loading


def get(session: Session, ident: str | int) -> Objection:
    """By id (12) or number (YY-2025-000012)."""
    text = str(ident).strip().upper()
    m = _NUMBER.match(text)
    obj = None
    if m:
        obj = session.get(Objection, int(m.group(2)))
        if obj is not None and obj.received_on.year != int(m.group(1)):
            obj = None
    elif text.isdigit():
        obj = session.get(Objection, int(text))
    if obj is None:
        raise NotFound(msg("no objection {ident}", ident=ident), field="objection")
    return obj


def get_for(session: Session, ident: str | int, actor: Actor) -> Objection:
    obj = get(session, ident)
    if not rules.may_view(actor.role, actor.unit_id, actor.subject_id, obj.subject_id, obj.to_unit_id,
                          obj.handler_unit_id):
        raise Forbidden("only the objector, the Center and the unit handling it see an objection")
    return obj


# Every statement about an objection's rows and records names its subject: on a database sharded by subject it
# goes to that subject's shard only (docs/scaling.md; tests/test_shard_routing.py).


def _records(session: Session, obj: Objection) -> list[ObjectionRecord]:
    return list(session.scalars(select(ObjectionRecord).where(ObjectionRecord.objection_id == obj.id,
                                                              ObjectionRecord.subject_id == obj.subject_id)
                                .order_by(ObjectionRecord.record_id)))


def _steps(session: Session, obj: Objection) -> list[ObjectionStep]:
    return list(session.scalars(select(ObjectionStep).where(ObjectionStep.objection_id == obj.id,
                                                            ObjectionStep.subject_id == obj.subject_id)
                                .order_by(ObjectionStep.id)))


def _open_step(session: Session, obj: Objection, step: str) -> ObjectionStep | None:
    return session.scalar(select(ObjectionStep).where(ObjectionStep.objection_id == obj.id,
                                                      ObjectionStep.subject_id == obj.subject_id,
                                                      ObjectionStep.step == step,
                                                      ObjectionStep.done_at.is_(None)))


def _mark(session: Session, obj: Objection, record_ids: list[int], under_objection: bool) -> None:
    """Serve these records of the objection's subject "under objection" (Art. 36.2), or no longer."""
    if record_ids:
        session.execute(update(Record).where(Record.id.in_(record_ids), Record.subject_id == obj.subject_id)
                        .values(objection_open=under_objection))


# --------------------------------------------------------------------------------------------
# steps and deadlines


def _new_step(obj: Objection, step: str, party: str, unit_id: int | None, start: date) -> ObjectionStep:
    """A step with its deadline and basis. Raises UnknownCalendarYear (fail closed) before anything is stored."""
    name = PARAMS[(party, step)]
    d = deadline(name, start)
    policy = parameter(name).is_policy
    note = (INFORM_NOTE if name == INFORM_PARAMETER else "the regulation sets no number; the platform's policy"
            ) if policy else None
    return ObjectionStep(objection_id=obj.id, subject_id=obj.subject_id, step=step, party=party, unit_id=unit_id,
                         start_on=start, due_on=d.due, basis_parameter=d.basis_parameter, basis_value=d.value,
                         basis_article=d.article, basis_kind="platform-policy" if policy else "regulation",
                         note=note)


def _finish(session: Session, obj: Objection, step: str, actor: Actor) -> None:
    row = _open_step(session, obj, step)
    if row is not None:
        moment = now()
        row.done_at, row.done_on, row.done_by = moment, local_date(moment), actor.label[:120]


def _audit(session: Session, obj: Objection, action: str, actor: Actor, **details: Any) -> None:
    """Audit event: surrogate ids, codes and dates only — never the reason, evidence or record content."""
    info = {"number": number_of(obj), "status": obj.status, **details}
    audit.append(session, action=f"objection:{action}", actor=actor, object_type="objection",
                 object_id=obj.id, subject_id=obj.subject_id,
                 content={**info, "reason": obj.reason, "evidence": obj.evidence,
                          "outcome_reason": obj.outcome_reason},
                 details=info)
    # The objector is told of each step (Art. 36.2(2), 36.3) — but a providing unit tells its decision to the Center,
    # and the Center tells the objector (the inform step, which carries the decision): one letter, not two.
    told = action in ("note", "transfer", "inform") or (action == "decide" and details.get("decided_by") != "provider")
    if told:
        decided = action in ("decide", "inform")
        notices.tell(session, subject_id=obj.subject_id, kind="objection_step", object_type="objection",
                     object_id=obj.id, actor=actor, step=action, number=info["number"], status=obj.status,
                     article=details.get("article"), outcome=obj.outcome if decided else None,
                     document=obj.outcome_document if decided else None,
                     reason=obj.outcome_reason if decided else None)


def _due(step: ObjectionStep) -> dict[str, Any]:
    return {"step": step.step, "due_on": step.due_on.isoformat(), "basis_parameter": step.basis_parameter,
            "basis_value": step.basis_value, "basis_article": step.basis_article}


# --------------------------------------------------------------------------------------------
# filing (Art. 36.1)


def file(session: Session, *, actor: Actor, subject_id: int, kind: str, reason: str,
         evidence: Iterable[str] = (), record_ids: Iterable[int] = (), to_uscc: str | None = None,
         channel: str, received_on: date | None = None) -> Objection:
    """A subject objects (its own token), or the Center enters the objection it received on the
    subject's behalf (by post, at a window: ``received_on``, the day the materials were received)."""
    if actor.role == "subject" and actor.subject_id != subject_id:
        raise Forbidden("a subject files objections about itself only")
    if actor.role != "subject" and not rules.is_center(actor.role):
        raise Forbidden("an objection is filed by the subject (or entered by the Center on its behalf)")
    record_ids = list(dict.fromkeys(int(r) for r in record_ids))
    evidence = [str(e).strip() for e in evidence]
    recs = list(session.scalars(select(Record).where(Record.id.in_(record_ids), Record.subject_id == subject_id))
                ) if record_ids else []
    if len(recs) < len(record_ids):  # a refusal only: which of the others exist, and whose they are
        have = {r.id for r in recs}
        recs += session.scalars(select(Record).where(Record.id.in_([r for r in record_ids if r not in have])))
    found = {r.id for r in recs if r.status not in ("revoked", "withdrawn")}
    missing = [r for r in record_ids if r not in found]
    if missing:
        raise NotFound(msg("no record {missing}", missing=", ".join(map(str, missing))), field="record_ids")
    rules.check_filing(kind, reason, evidence, {r.id: r.subject_id for r in recs}, subject_id)
    to_unit = None
    if to_uscc:
        to_unit = units.get_by_uscc(session, to_uscc)
        rules.check_credit_service_addressee(to_unit.kind)
    addressee = rules.CREDIT_SERVICE if to_unit else "center"
    received_at = now()
    recorded_on = local_date(received_at)
    received_on = rules.check_receipt(received_on, recorded_on, actor.role, addressee)
    obj = Objection(subject_id=subject_id, kind=kind, reason=reason.strip(), evidence=evidence,
                    addressee=addressee, to_unit_id=to_unit.id if to_unit else None,
                    path=rules.CREDIT_SERVICE if to_unit else None, status="filed", channel=channel,
                    filed_by=actor.label[:120], received_at=received_at, received_on=received_on,
                    recorded_on=recorded_on)
    session.add(obj)
    session.flush()
    note = _new_step(obj, "note", addressee, obj.to_unit_id, obj.received_on)  # may refuse: unknown year
    session.add(note)
    for r in sorted(recs, key=lambda r: r.id):
        session.add(ObjectionRecord(objection_id=obj.id, subject_id=obj.subject_id, record_id=r.id,
                                    provider_unit_id=r.unit_id, item_code=r.item_code, doc_no=r.doc_no))
    _mark(session, obj, record_ids, True)  # from filing, the records are served "under objection" (Art. 36.2)
    session.flush()
    _audit(session, obj, "file", actor, kind=kind, addressee=addressee, to_unit_id=obj.to_unit_id,
           record_ids=record_ids, evidence_count=len(evidence), received_on=obj.received_on.isoformat(),
           recorded_on=recorded_on.isoformat(), due=_due(note))
    return obj


# --------------------------------------------------------------------------------------------
# noting, transfer (Art. 36.2, 36.3)


def note(session: Session, *, objection: str | int, actor: Actor, path: str | None = None) -> Objection:
    """Note the objection (the marker is confirmed) and, for the Center, choose the path."""
    obj = get(session, objection)
    if obj.addressee == rules.CREDIT_SERVICE:
        rules.check_credit_service_party(actor.unit_id, obj.to_unit_id)
        rules.check_credit_service_note(obj.status)
        nxt = _new_step(obj, "decide", rules.CREDIT_SERVICE, obj.to_unit_id, obj.received_on)
    else:
        rules.check_note(obj.status, actor.role, path)
        step = "decide" if path == "center" else "transfer"
        nxt = _new_step(obj, step, "center", None, obj.received_on)  # may refuse: unknown year
        obj.path = path
    _finish(session, obj, "note", actor)
    session.add(nxt)
    obj.status = "noted"
    _mark(session, obj, _record_ids(session, obj), True)
    session.flush()
    _audit(session, obj, "note", actor, path=obj.path, due=_due(nxt))
    return obj


def transfer(session: Session, *, objection: str | int, actor: Actor) -> Objection:
    """The Center transfers the objection to the unit that provided its records (Art. 36.2(2))."""
    obj = get(session, objection)
    if obj.addressee == rules.CREDIT_SERVICE:
        rules.check_credit_service_party(None, obj.to_unit_id)
    providers = {r.provider_unit_id for r in _records(session, obj)}
    handler = rules.check_transfer(obj.status, obj.path, actor.role, providers)
    nxt = _new_step(obj, "provider-decide", "provider", handler, today())  # from the day of transfer
    _finish(session, obj, "transfer", actor)
    session.add(nxt)
    obj.handler_unit_id, obj.status = handler, "transferred"
    session.flush()
    _audit(session, obj, "transfer", actor, handler_unit_id=handler, due=_due(nxt))
    return obj


# --------------------------------------------------------------------------------------------
# decision (Art. 36.2(1), 36.2(2), 36.3)


def _decider(obj: Objection, actor: Actor) -> str:
    if obj.addressee == rules.CREDIT_SERVICE:
        rules.check_credit_service_party(actor.unit_id, obj.to_unit_id)
        rules.credit_service_decides(obj.status)
        return rules.CREDIT_SERVICE
    if rules.is_center(actor.role):
        rules.center_decides(obj.status, obj.path)
        return "center"
    if obj.status == "filed":
        rules.center_decides(obj.status, obj.path)  # refuses: not noted yet (Art. 36.2)
    rules.provider_decides(obj.status, obj.handler_unit_id, actor.unit_id)
    return "provider"


def decide(session: Session, *, objection: str | int, actor: Actor, outcome: str, document: str,
           reason: str, changes: dict[str, Any] | None = None, record_ids: Iterable[int] | None = None,
           information_source: str | None = None) -> Objection:
    """Decide whether to correct. Corrections and deletions go through the record workflows (history kept)."""
    obj = get(session, objection)
    decider = _decider(obj, actor)
    linked = _records(session, obj)
    changes = {k: v for k, v in (changes or {}).items()}
    rules.check_decision(decider, outcome, bool(linked), document, reason, information_source, changes)
    wanted = set(int(r) for r in record_ids) if record_ids else {r.record_id for r in linked}
    unknown = wanted - {r.record_id for r in linked}
    if unknown:
        raise InvalidInput(msg("record(s) {unknown} are not part of this objection",
                               unknown=", ".join(map(str, sorted(unknown)))),
                           field="record_ids")
    article = rules.decision_article(decider)
    # A credit service establishment corrects its own data: the platform's records change only by the
    # Center's or the providing unit's decision (Art. 36.2, Art. 11).
    applies = decider != rules.CREDIT_SERVICE
    for link in linked:
        if link.record_id not in wanted:
            continue
        link.outcome = outcome
        if not applies:
            continue
        if outcome == "corrected":
            workflows.correct(session, record_id=link.record_id, changes=changes, reason=reason,
                              document=document, actor=actor, action=CORRECT_ACTION, check_provider=False)
        elif outcome == "deleted":
            workflows.remove(session, record_id=link.record_id, document=document, reason=reason, actor=actor,
                             article=article)
    step = {"center": "decide", "provider": "provider-decide", rules.CREDIT_SERVICE: "decide"}[decider]
    _finish(session, obj, step, actor)
    moment = now()
    obj.outcome, obj.outcome_reason, obj.outcome_document = outcome, reason.strip(), document.strip()[:200]
    obj.information_source = (information_source or "").strip() or _sources(session, linked)
    obj.changes = (changes or None) if applies and outcome == "corrected" else None
    obj.decided_by, obj.decided_unit_id, obj.decided_at = decider, actor.unit_id, moment
    due = None
    if decider == "provider":
        obj.status = "decided"
        nxt = _new_step(obj, "inform", "center", None, local_date(moment))
        session.add(nxt)
        due = _due(nxt)
    else:
        obj.status, obj.informed_at = "closed", moment
        _close(session, obj)
    session.flush()
    _audit(session, obj, "decide", actor, decided_by=decider, outcome=outcome, article=article,
           record_ids=sorted(wanted), changed_fields=sorted(changes) if obj.changes else [], due=due)
    return obj


def _sources(session: Session, linked: list[ObjectionRecord]) -> str | None:
    ids = sorted({r.provider_unit_id for r in linked})
    if not ids:
        return None
    names = session.execute(select(Unit.name, Unit.uscc).where(Unit.id.in_(ids)).order_by(Unit.id)).all()
    return "; ".join(f"{n} ({u})" for n, u in names)


def inform(session: Session, *, objection: str | int, actor: Actor) -> Objection:
    """The Center tells the objector the providing unit's decision (Art. 36.2(2)): the objection closes."""
    obj = get(session, objection)
    rules.check_inform(obj.status, obj.path, actor.role)
    _finish(session, obj, "inform", actor)
    obj.status, obj.informed_at = "closed", now()
    _close(session, obj)
    session.flush()
    _audit(session, obj, "inform", actor, outcome=obj.outcome)
    return obj


def _record_ids(session: Session, obj: Objection) -> list[int]:
    return [r.record_id for r in _records(session, obj)]


def _close(session: Session, obj: Objection) -> None:
    """Clear the marker of the objection's records, unless another open objection still covers them."""
    obj.closed_at = now()
    session.flush()
    mine = _record_ids(session, obj)
    if not mine:
        return
    still = set(session.scalars(
        select(ObjectionRecord.record_id).join(Objection, Objection.id == ObjectionRecord.objection_id)
        .where(ObjectionRecord.subject_id == obj.subject_id, Objection.subject_id == obj.subject_id,
               ObjectionRecord.record_id.in_(mine), Objection.status.in_(rules.OPEN))))
    _mark(session, obj, [r for r in mine if r not in still], False)


# --------------------------------------------------------------------------------------------
# views, inbox, overdue


def _unit_names(session: Session, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {i: (n, u) for i, n, u in session.execute(select(Unit.id, Unit.name, Unit.uscc).where(Unit.id.in_(ids)))}


def _step_view(s: ObjectionStep, names: dict, day: date) -> dict[str, Any]:
    unit = names.get(s.unit_id)
    return {
        "step": s.step, "party": s.party,
        "unit": {"name": unit[0], "uscc": unit[1]} if unit else None,
        "start_on": s.start_on.isoformat(), "due_on": s.due_on.isoformat(),
        "basis": {"parameter": s.basis_parameter, "value": s.basis_value, "article": s.basis_article,
                  "kind": s.basis_kind, "note": s.note},
        "done_on": s.done_on.isoformat() if s.done_on else None,
        "late": (s.done_on > s.due_on) if s.done_on else day > s.due_on,
    }


def view(session: Session, obj: Objection, *, for_subject: bool = False) -> dict[str, Any]:
    day = today()
    linked = _records(session, obj)
    steps = _steps(session, obj)
    names = _unit_names(session, [obj.to_unit_id, obj.handler_unit_id, obj.decided_unit_id,
                                  *(s.unit_id for s in steps), *(r.provider_unit_id for r in linked)])

    def unit(i):
        return {"name": names[i][0], "uscc": names[i][1]} if i in names else None

    informed = obj.informed_at is not None
    out = {
        "id": obj.id, "number": number_of(obj), "subject_id": obj.subject_id, "kind": obj.kind,
        "reason": obj.reason, "evidence": obj.evidence,
        "addressee": obj.addressee, "to": unit(obj.to_unit_id), "path": obj.path,
        "handler": unit(obj.handler_unit_id), "status": obj.status,
        "received_on": obj.received_on.isoformat(),
        "recorded_on": obj.recorded_on.isoformat() if obj.recorded_on else None,
        "received_at": obj.received_at.isoformat(),
        "records": [{"id": r.record_id, "item": r.item_code, "document": r.doc_no,
                     "source": unit(r.provider_unit_id), "outcome": r.outcome} for r in linked],
        "steps": [_step_view(s, names, day) for s in steps],
        "decision": None,
    }
    if obj.outcome and (informed or not for_subject):
        out["decision"] = {
            "outcome": obj.outcome, "reasons": obj.outcome_reason, "document": obj.outcome_document,
            "information_source": obj.information_source, "changes": obj.changes,
            "decided_by": obj.decided_by, "unit": unit(obj.decided_unit_id),
            "decided_on": local_date(obj.decided_at).isoformat() if obj.decided_at else None,
            "informed_on": local_date(obj.informed_at).isoformat() if obj.informed_at else None,
        }
    return out


def inbox(session: Session, *, actor: Actor | None = None, unit_id: int | None = None,
          subject_id: int | None = None, center: bool = False) -> list[dict[str, Any]]:
    """Open work with its deadlines (the Center, a providing unit, an establishment), or — for a
    subject — its objections with status and, once told, the outcome, reasons and source."""
    day = today()
    if actor is not None:
        if actor.subject_id is not None:
            subject_id = actor.subject_id
        elif rules.is_center(actor.role):
            center = True
        else:
            unit_id = actor.unit_id
    if subject_id is not None:
        objs = session.scalars(select(Objection).where(Objection.subject_id == subject_id)
                               .order_by(Objection.id.desc()))
        return [view(session, o, for_subject=True) for o in objs]
    q = select(ObjectionStep, Objection).join(Objection, Objection.id == ObjectionStep.objection_id).where(
        ObjectionStep.done_at.is_(None))
    if center:
        q = q.where(ObjectionStep.party == "center")
    elif unit_id is not None:
        q = q.where(ObjectionStep.unit_id == unit_id)
    else:
        raise InvalidInput("whose inbox: a unit, a subject or the Center", field="unit")
    rows = session.execute(q.order_by(ObjectionStep.due_on, ObjectionStep.id)).all()
    names = _unit_names(session, [s.unit_id for s, _ in rows])
    return [{"objection": number_of(o), "id": o.id, "kind": o.kind, "status": o.status,
             "received_on": o.received_on.isoformat(), "record_ids": _record_ids(session, o),
             **_step_view(s, names, day), "overdue": day > s.due_on} for s, o in rows]


def overdue(session: Session, *, on: date | None = None) -> list[dict[str, Any]]:
    """Every open step past its deadline on ``on`` (default today): party, deadline, basis, article."""
    day = on or today()
    rows = session.execute(
        select(ObjectionStep, Objection).join(Objection, Objection.id == ObjectionStep.objection_id)
        .where(ObjectionStep.done_at.is_(None), ObjectionStep.due_on < day)
        .order_by(ObjectionStep.due_on, ObjectionStep.id)).all()
    names = _unit_names(session, [s.unit_id for s, _ in rows])
    return [{"objection": number_of(o), "id": o.id, "as_of": day.isoformat(), **_step_view(s, names, day)}
            for s, o in rows]


# --------------------------------------------------------------------------------------------
# the Center's cases (Art. 20(1)): while an objection to the Center is open, the Center may inquire
# into exactly its records with --case <number>


def open_cases(session: Session, subject_id: int) -> dict[str, frozenset[int]]:
    objs = session.scalars(select(Objection).where(Objection.subject_id == subject_id,
                                                   Objection.addressee == "center",
                                                   Objection.status.in_(rules.OPEN)))
    return {number_of(o): frozenset(_record_ids(session, o)) for o in objs}


register_case_provider(open_cases)
