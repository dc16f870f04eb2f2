"""Inquiries: decide, answer within the law, and log every one before the answer leaves.

The front door commits the session (and with it the log entry and its audit event) before it
returns anything; a denied inquiry is logged too, and only then refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
from ..errors import InvalidInput, NotFound, RuleViolation
from ..models import Authorization, CatalogItem, InquiryLog, Officer, Record, Subject, Unit, UnitInquiryItem
from ..subject import service as subjects
from ..subject.identifiers import parse_identifier
from . import rules
from .rules import AuthorizationFacts, Decision, ItemFacts, RecordFacts, Request

# Open cases of the Center about a subject (objections, revocations, restorations). The workflows
# that create cases register a provider here; until then the Center has no case to inquire under.
_case_providers: list = []


def register_case_provider(provider) -> None:
    """``provider(session, subject_id) -> {case_no: frozenset(record ids)}``."""
    _case_providers.append(provider)


@dataclass
class Answer:
    inquiry_id: int
    allowed: bool
    article: str
    reason: str
    subject: dict[str, Any] | None
    purpose: str | None
    authorization_id: int | None
    records: list[dict[str, Any]] = field(default_factory=list)
    found: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "inquiry_id": self.inquiry_id,
            "decision": "allow" if self.allowed else "deny",
            "article": self.article,
            "reason": self.reason,
            "subject": self.subject,
            "purpose": self.purpose,
            "authorization_id": self.authorization_id,
            "records": self.records,
        }

    def raise_if_denied(self) -> None:
        """Front doors call this after the commit, so that refusals are logged too."""
        if not self.found:
            raise NotFound(f"{self.reason} (inquiry {self.inquiry_id} logged)", field="subject")
        if not self.allowed:
            raise RuleViolation(self.reason, article=self.article, status=403, code="inquiry_denied",
                                details={"inquiry_id": self.inquiry_id})


def inquire(
    session: Session,
    *,
    actor: Actor,
    subject: str | None = None,
    subject_id: int | None = None,
    purpose: str | None = None,
    case_no: str | None = None,
    channel: str,
    on: date | None = None,
) -> Answer:
    """Decide and answer one inquiry; the log entry is flushed with the answer's record ids."""
    day = on or today()
    target = _target(session, subject, subject_id)
    if target is None:
        ident = parse_identifier(subject or "", today=day)
        log_id = _log(session, actor=actor, subject_id=None, subject_digest=subjects.identifier_digest(ident),
                      purpose=purpose, case_no=case_no, channel=channel, decision=None, record_ids=None)
        return Answer(inquiry_id=log_id, allowed=False, article="Art. 17", subject=None, purpose=purpose,
                      reason=f"no information subject {ident.masked()} is known to the platform",
                      authorization_id=None, found=False)
    decision = rules.decide(
        _request(session, actor, target, purpose, case_no),
        _items(session),
        _unit_list(session, actor.unit_id),
        _authorizations(session, target.id, actor.unit_id),
        day,
    )
    records: list[dict[str, Any]] = []
    if decision.allowed:
        records = _records(session, target.id, decision, day)
    log_id = _log(session, actor=actor, subject_id=target.id, subject_digest=None, purpose=purpose,
                  case_no=case_no, channel=channel, decision=decision,
                  record_ids=[r["id"] for r in records])
    return Answer(
        inquiry_id=log_id,
        allowed=decision.allowed,
        article=decision.article,
        reason=decision.reason,
        subject=subjects.public_view(target) if decision.allowed else None,
        purpose=purpose,
        authorization_id=decision.authorization_id,
        records=records,
    )


def _target(session: Session, raw: str | None, subject_id: int | None) -> Subject | None:
    if subject_id is not None:
        return session.get(Subject, subject_id)
    if not raw:
        raise InvalidInput("name the subject (a USCC or resident identity card number)", field="subject")
    ident = parse_identifier(raw, today=today(), allow_unlisted_region=True)
    return session.scalar(select(Subject).where(Subject.identifier_digest == subjects.identifier_digest(ident)))


def _request(session: Session, actor: Actor, target: Subject, purpose: str | None,
             case_no: str | None) -> Request:
    officer_items = officer_purposes = None
    if actor.officer_id is not None:
        officer = session.get(Officer, actor.officer_id)
        officer_items = frozenset(officer.items) if officer.items else None
        officer_purposes = frozenset(officer.purposes) if officer.purposes else None
    open_cases: dict[str, frozenset[int]] = {}
    if actor.role in (rules.OPERATOR, rules.CONSOLE):
        for provider in _case_providers:
            open_cases.update(provider(session, target.id))
    return Request(
        role=actor.role,
        target_id=target.id,
        target_kind=target.kind,
        purpose=purpose,
        unit_id=actor.unit_id,
        asker_subject_id=actor.subject_id,
        case_no=case_no,
        officer_items=officer_items,
        officer_purposes=officer_purposes,
        open_cases=open_cases,
    )


def _items(session: Session) -> dict[str, ItemFacts]:
    return {
        code: ItemFacts(code, disclosure, untrust, basis)
        for code, disclosure, untrust, basis in session.execute(
            select(CatalogItem.code, CatalogItem.disclosure, CatalogItem.untrustworthy,
                   CatalogItem.inquiry_law_basis)
        )
    }


def _unit_list(session: Session, unit_id: int | None) -> frozenset[tuple[str, str]]:
    if unit_id is None:
        return frozenset()
    return frozenset(
        (i, p) for i, p in session.execute(
            select(UnitInquiryItem.item_code, UnitInquiryItem.purpose).where(UnitInquiryItem.unit_id == unit_id))
    )


def _authorizations(session: Session, subject_id: int, unit_id: int | None) -> list[AuthorizationFacts]:
    if unit_id is None:
        return []
    rows = session.scalars(
        select(Authorization).where(Authorization.subject_id == subject_id, Authorization.unit_id == unit_id))
    return [AuthorizationFacts(a.id, a.unit_id, frozenset(a.items), a.purpose, a.valid_from, a.valid_until,
                               a.withdrawn_at is not None) for a in rows]


def _records(session: Session, subject_id: int, decision: Decision, day: date) -> list[dict[str, Any]]:
    q = (
        select(Record, Unit.name, Unit.uscc, CatalogItem.name_zh, CatalogItem.name_en)
        .join(Unit, Unit.id == Record.unit_id)
        .join(CatalogItem, CatalogItem.code == Record.item_code)
        .where(Record.subject_id == subject_id)
        .order_by(Record.doc_date.desc(), Record.id)
    )
    if decision.record_ids is not None:
        q = q.where(Record.id.in_(sorted(decision.record_ids)))
    elif decision.items:
        q = q.where(Record.item_code.in_(sorted(decision.items)))
    out = []
    for rec, unit_name, unit_uscc, name_zh, name_en in session.execute(q):
        ok, markers = rules.servable(
            RecordFacts(rec.id, rec.item_code, rec.untrustworthy, rec.ended_on, rec.status, rec.objection_open),
            decision, day)
        if ok:
            out.append(record_view(rec, unit_name, unit_uscc, name_zh, name_en, markers))
    return out


def record_view(rec: Record, unit_name: str, unit_uscc: str, name_zh: str, name_en: str,
                markers: tuple[str, ...]) -> dict[str, Any]:
    from ..law.periods import untrustworthy_inquiry_end

    return {
        "id": rec.id,
        "item": {"code": rec.item_code, "name_zh": name_zh, "name_en": name_en,
                 "untrustworthy": rec.untrustworthy},
        "document": {"number": rec.doc_no, "date": rec.doc_date.isoformat(), "organ": rec.doc_org},
        "source": {"unit": unit_name, "uscc": unit_uscc, "batch_id": rec.batch_id, "line": rec.line_no,
                   "received_at": rec.received_at.isoformat()},
        "conduct_date": rec.conduct_date.isoformat() if rec.conduct_date else None,
        "ended_on": rec.ended_on.isoformat() if rec.ended_on else None,
        "ended_on_source": rec.ended_on_source,
        "inquiry_period_ends": (untrustworthy_inquiry_end(rec.ended_on).isoformat()
                                if rec.untrustworthy and rec.ended_on else None),
        "amount_yuan": str(rec.amount_yuan) if rec.amount_yuan is not None else None,
        "content": rec.content,
        "version": rec.version,
        "markers": list(markers),
    }


def _log(session: Session, *, actor: Actor, subject_id: int | None, subject_digest: str | None,
         purpose: str | None, case_no: str | None, channel: str, decision: Decision | None,
         record_ids: list[int] | None) -> int:
    row = {
        "at": now(),
        "subject_id": subject_id,
        "subject_digest": subject_digest,
        "actor_role": actor.role,
        "unit_id": actor.unit_id,
        "officer_id": actor.officer_id,
        "officer_label": actor.officer,
        "channel": channel,
        "purpose": purpose,
        "case_no": case_no,
        "authorization_id": decision.authorization_id if decision else None,
        "decision": ("allow" if decision.allowed else "deny") if decision else "notfound",
        "article": decision.article if decision else "Art. 17",
        "reason": decision.reason if decision else "no such subject",
        "items": sorted(decision.items) if decision and decision.allowed else None,
        "record_ids": record_ids,
    }
    log_id = session.execute(insert(InquiryLog).returning(InquiryLog.id), [row]).scalar_one()
    audit.append(session, action=f"inquiry:{row['decision']}", actor=actor, object_type="inquiry",
                 object_id=log_id, subject_id=subject_id,
                 content={k: v for k, v in row.items() if k != "at"} | {"at": row["at"].isoformat()})
    return log_id


def inquiries_about(session: Session, subject_id: int, *, limit: int = 500) -> list[dict[str, Any]]:
    """Who inquired about a subject, when, for what purpose, under which authorization (Art. 34)."""
    q = (
        select(InquiryLog, Unit.name, Unit.uscc, Unit.kind)
        .outerjoin(Unit, Unit.id == InquiryLog.unit_id)
        .where(InquiryLog.subject_id == subject_id)
        .order_by(InquiryLog.at.desc(), InquiryLog.id.desc())
        .limit(limit)
    )
    return [
        {
            "inquiry_id": log.id,
            "at": log.at.isoformat(),
            "by": {"role": log.actor_role, "unit": name, "uscc": uscc, "kind": kind,
                   "officer": log.officer_label},
            "channel": log.channel,
            "purpose": log.purpose,
            "case_no": log.case_no,
            "authorization_id": log.authorization_id,
            "decision": log.decision,
            "article": log.article,
            "records_returned": len(log.record_ids or []),
        }
        for log, name, uscc, kind in session.execute(q)
    ]
