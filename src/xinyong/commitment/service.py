"""Declarations and credit commitments (Art. 13.2): declare, accept or decline, record the fulfilment.

A subject (an organization through its agent) declares to an accepting unit; the unit accepts it — it is then
stored as a record of the catalog item ``commitment`` through the importer's own validation
(``record.rules.validate_row``, ``record.service.store_chunk``: only the catalog's declared fields, the same
Art. 9–11 checks), provided by that unit — or declines it with its reasons. The unit later records the
fulfilment (fully, partly, not fulfilled) with its document, as a correction of that record
(``record.workflows.correct``: history kept, Art. 34.1). Whether a broken commitment is also
untrustworthiness information is for the catalog: the item ``commitment`` is not an untrustworthy item, so a
breach is recorded as its fulfilment state, and a unit that must record it as untrustworthy under a law does
so under that law's item, through the ordinary path. Loads → rules → persists → audits; flushes, never
commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..clock import local_date, now, today
from ..errors import Conflict, Forbidden, NotFound, RuleViolation, msg
from ..models import CatalogItem, CreditCommitment, Record, Subject, Unit, UnitProvides
from ..record import workflows
from ..record.fields import declared_fields
from ..record.rules import ItemInfo, RowContext, validate_row
from ..record.service import store_chunk
from ..subject.service import identifier_of
from . import rules


def _audit(session: Session, c: CreditCommitment, action: str, actor: Actor, **details: Any) -> None:
    """Ids, codes, states and dates in the details; what the subject wrote only digested."""
    info = {"code": c.code, "accepting_unit_id": c.accepting_unit_id, "status": c.status, **details}
    audit.append(session, action=f"commitment:{action}", actor=actor, object_type="credit_commitment",
                 object_id=c.id, subject_id=c.subject_id,
                 content={**info, "content": c.content, "reason": c.reason, "liability": c.liability,
                          "decision_reason": c.decision_reason},
                 details=info)


def _provides(session: Session, unit_id: int) -> bool:
    return session.get(UnitProvides, (unit_id, rules.ITEM)) is not None


def _next_code(session: Session, region: str, day: date) -> str:
    prefix = f"{region}{day:%Y%m%d}"
    highest = session.scalar(select(func.max(CreditCommitment.code)).where(CreditCommitment.code.like(prefix + "%")))
    return rules.commitment_code(region, day, int(highest[-6:]) + 1 if highest else 1)


_CODE_ATTEMPTS = 5


def _insert_numbered(session: Session, c: CreditCommitment, region: str, day: date) -> None:
    """Insert with the next free serial of the day. Two declarations read the same highest serial when they
    run side by side; the code's unique key refuses the later one, which reads again inside a savepoint (the
    rest of the transaction is kept) instead of failing."""
    for _ in range(_CODE_ATTEMPTS):
        c.code = _next_code(session, region, day)
        try:
            with session.begin_nested():
                session.add(c)
                session.flush()
            return
        except IntegrityError:
            if session.scalar(select(func.count()).where(CreditCommitment.code == c.code)) == 0:
                raise  # not the serial: another constraint, which a retry would not cure
    raise Conflict(msg("no free commitment serial after {attempts} attempts; submit again", attempts=_CODE_ATTEMPTS),
                   article="Art. 13.2")


def declare(session: Session, *, actor: Actor, form: str, kind: str, accepting_uscc: str, reason: str,
            content: str, liability: str, valid_until: date | None, disclosure: str, guaranteed: bool,
            made_on: date | None = None) -> CreditCommitment:
    """The subject declares, reports or commits to the accepting unit (Art. 13.2)."""
    if actor.role != "subject" or actor.subject_id is None:
        raise Forbidden("a subject declares or commits for itself", article="Art. 13.2")
    day = today()
    made = made_on or day
    form, kind = form.strip(), (kind or "").strip() or ("other" if form != "commitment" else "")
    rules.check_declaration(form=form, kind=kind, reason=reason, content=content, liability=liability,
                            guaranteed=guaranteed, made_on=made, valid_until=valid_until, disclosure=disclosure,
                            today=day)
    unit = session.scalar(select(Unit).where(Unit.uscc == accepting_uscc.strip().upper(), Unit.active.is_(True)))
    if unit is None:
        raise NotFound(msg("no unit {uscc} on the platform", uscc=accepting_uscc.strip()[:18]),
                       field="accepting_unit")
    rules.check_accepting_unit(provides_item=_provides(session, unit.id))
    moment = now()
    c = CreditCommitment(
        subject_id=actor.subject_id, form=form,
        kind=kind, reason=reason.strip(), content=content.strip(), liability=liability.strip(), made_on=made,
        valid_until=valid_until, accepting_unit_id=unit.id, disclosure=disclosure, guaranteed=True,
        status="declared", declared_by=actor.label[:120], declared_at=moment)
    _insert_numbered(session, c, rules.region_of_uscc(unit.uscc), made)
    _audit(session, c, "declare", actor, form=form, kind=kind, made_on=made.isoformat())
    return c


def get(session: Session, commitment_id: int) -> CreditCommitment:
    c = session.get(CreditCommitment, int(commitment_id))
    if c is None:
        raise NotFound(msg("no commitment {commitment_id}", commitment_id=commitment_id), field="commitment")
    return c


def get_for(session: Session, commitment_id: int, actor: Actor) -> CreditCommitment:
    """The subject and the accepting unit only; to anyone else it does not exist."""
    c = get(session, commitment_id)
    if actor.subject_id == c.subject_id and actor.role == "subject":
        return c
    if actor.unit_id is not None and actor.unit_id == c.accepting_unit_id:
        return c
    raise NotFound(msg("no commitment {commitment_id}", commitment_id=commitment_id), field="commitment")


def _decided(c: CreditCommitment, actor: Actor, status: str, document: str, reason: str) -> None:
    moment = now()
    c.status, c.decided_at, c.decided_on = status, moment, local_date(moment)
    c.decided_by, c.decision_document, c.decision_reason = actor.label[:120], document.strip(), reason.strip() or None


def accept(session: Session, *, commitment_id: int, actor: Actor, document: str, reason: str = "") -> CreditCommitment:
    """The accepting unit accepts: the commitment is stored as a record of the item ``commitment``."""
    c = get_for(session, commitment_id, actor)
    rules.check_act_of_accepting_unit(actor_unit_id=actor.unit_id, accepting_unit_id=c.accepting_unit_id,
                                      status=c.status, wanted=rules.OPEN)
    rules.check_documented(document=document, reason=reason, needs_reason=False)
    rules.check_accepting_unit(provides_item=_provides(session, c.accepting_unit_id))
    c.record_id = _store_record(session, c, actor)
    _decided(c, actor, "accepted", document, reason)
    session.flush()
    _audit(session, c, "accept", actor, record_id=c.record_id)
    return c


def decline(session: Session, *, commitment_id: int, actor: Actor, document: str, reason: str) -> CreditCommitment:
    """The accepting unit declines, with its reasons: nothing becomes credit information."""
    c = get_for(session, commitment_id, actor)
    rules.check_act_of_accepting_unit(actor_unit_id=actor.unit_id, accepting_unit_id=c.accepting_unit_id,
                                      status=c.status, wanted=rules.OPEN)
    rules.check_documented(document=document, reason=reason, needs_reason=True)
    _decided(c, actor, "declined", document, reason)
    session.flush()
    _audit(session, c, "decline", actor)
    return c


def record_fulfilment(session: Session, *, commitment_id: int, actor: Actor, outcome: str, document: str,
                      reason: str) -> CreditCommitment:
    """The accepting unit records how the commitment was kept: a correction of its record, history kept."""
    c = get_for(session, commitment_id, actor)
    rules.check_act_of_accepting_unit(actor_unit_id=actor.unit_id, accepting_unit_id=c.accepting_unit_id,
                                      status=c.status, wanted=rules.ACCEPTED)
    rules.check_outcome(outcome)
    rules.check_documented(document=document, reason=reason, needs_reason=outcome != "fulfilled")
    if c.record_id is not None and session.get(Record, c.record_id) is not None:
        workflows.correct(session, record_id=c.record_id,
                          changes={"remarks": rules.remarks(c.disclosure, rules.OUTCOMES[outcome])},
                          reason=reason.strip() or rules.OUTCOMES[outcome], document=document, actor=actor)
    c.status, c.fulfilment_on, c.fulfilment_document = outcome, today(), document.strip()
    session.flush()
    _audit(session, c, "fulfilment", actor, outcome=outcome)
    return c


def _store_record(session: Session, c: CreditCommitment, actor: Actor) -> int:
    """The commitment as a record of the catalog item, through the importer's validation and storing."""
    subject = session.get(Subject, c.subject_id)
    unit = session.get(Unit, c.accepting_unit_id)
    item = session.get(CatalogItem, rules.ITEM)
    declared = declared_fields(item.fields, item.record_format)
    values = {
        "catalog_item": rules.ITEM, "subject_name": subject.name, "subject_id": identifier_of(session, subject),
        "doc_no": c.code, "doc_name": f"{rules.FORM_WORDS[c.form]}书", "doc_date": c.made_on.isoformat(),
        "doc_org": unit.name, "conduct_date": c.made_on.isoformat(),
        "legal_basis": "《上海市社会信用条例》第十三条第二款", "facts": c.reason,
        "category": rules.KINDS.get(c.kind, rules.KINDS["other"]) if c.form == "commitment" else rules.FORM_WORDS[c.form],
        "content": c.content if not c.liability else f"{c.content}（违诺责任：{c.liability}）",
        "valid_from": c.made_on.isoformat(), "valid_until": c.valid_until.isoformat() if c.valid_until else "",
        "remarks": rules.remarks(c.disclosure, rules.PENDING_FULFILMENT),
    }
    values = {k: v for k, v in values.items() if k in declared or k in ("catalog_item", "subject_id")}
    ctx = RowContext(unit_items=frozenset({rules.ITEM}),
                     items={item.code: ItemInfo(item.code, item.state, item.published_on or date.min,
                                                item.retired_on, item.untrustworthy, item.continuing, declared)},
                     fmt="general", today=today())
    draft = validate_row(values, ctx)
    outcome = store_chunk(session, unit_id=unit.id, batch_id=None, drafts=[(1, draft)], received_at=now(),
                          actor=actor)
    if outcome.rejects:  # the code is unique: only a stored record with the same identity can collide
        raise RuleViolation(outcome.rejects[0].reason, article=outcome.rejects[0].article, field="code")
    return session.scalar(select(Record.id).where(Record.unit_id == unit.id, Record.item_code == rules.ITEM,
                                                  Record.doc_no == c.code, Record.subject_id == c.subject_id))


def view(session: Session, c: CreditCommitment) -> dict[str, Any]:
    unit = session.get(Unit, c.accepting_unit_id)
    return {
        "id": c.id, "code": c.code, "form": c.form, "kind": c.kind, "reason": c.reason, "content": c.content,
        "liability": c.liability, "made_on": c.made_on, "valid_until": c.valid_until,
        "accepting_unit": {"name": unit.name, "uscc": unit.uscc}, "disclosure": c.disclosure, "status": c.status,
        "declared_at": c.declared_at, "decided_on": c.decided_on, "decision_document": c.decision_document,
        "decision_reason": c.decision_reason, "fulfilment_on": c.fulfilment_on,
        "fulfilment_document": c.fulfilment_document, "record_id": c.record_id,
    }


def of_subject(session: Session, subject_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(CreditCommitment).where(CreditCommitment.subject_id == subject_id)
                           .order_by(CreditCommitment.id.desc())).all()
    return [view(session, c) for c in rows]


def inbox(session: Session, unit_id: int) -> list[dict[str, Any]]:
    """The accepting unit's commitments still to accept, and those accepted whose fulfilment is open."""
    rows = session.scalars(select(CreditCommitment).where(
        CreditCommitment.accepting_unit_id == unit_id,
        CreditCommitment.status.in_(rules.OPEN + rules.ACCEPTED)).order_by(CreditCommitment.id)).all()
    return [view(session, c) for c in rows]


def purge_records(session: Session, records: list[tuple[int, int]]) -> None:
    """Art. 37: a commitment whose record is deleted keeps no copy of what it said (``records``: a purge's
    chunk, ``(record id, subject id)``)."""
    for c in session.scalars(select(CreditCommitment).where(
            CreditCommitment.record_id.in_(sorted(r for r, _s in records)),
            CreditCommitment.subject_id.in_(sorted({s for _r, s in records})))):
        c.content, c.reason, c.liability, c.decision_reason = "（已依法删除）", "（已依法删除）", "", None
