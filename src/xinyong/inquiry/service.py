"""Inquiries: decide, answer within the law, and log every one before the answer leaves.

The front door commits the session (and with it the log entry and its audit event) before it
returns anything; a denied inquiry is logged too, and only then refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, bindparam, cast, insert, select
from sqlalchemy.orm import Session

from .. import refcache
from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
from ..errors import InvalidInput, NotFound, RuleViolation
from ..models import AuditEvent, Authorization, CatalogItem, InquiryLog, Record, Subject, Unit, UnitInquiryItem
from ..subject import service as subjects
from ..law.periods import untrustworthy_inquiry_end
from ..subject.identifiers import mask_ric, parse_identifier
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
    """Decide and answer one inquiry; the log entry is written with the answer's record ids.

    Hot path: one query reads the subject with all its records; the catalog and the organ's
    published list come from the reference cache; authorizations are read only when non-public
    items are in play; the log row and its audit event are two inserts in the same transaction.
    """
    day = on or today()
    conn = session.connection()
    digest = None
    if subject_id is None:
        if not subject:
            raise InvalidInput("name the subject (a USCC or resident identity card number)", field="subject")
        ident = parse_identifier(subject, today=day, allow_unlisted_region=True)
        digest = subjects.identifier_digest(ident)
    target, rows = _subject_with_records(conn, subject_id, digest)
    if target is None:
        log_id = _log(session, actor=actor, subject_id=None, subject_digest=digest, purpose=purpose,
                      case_no=case_no, channel=channel, decision=None, record_ids=None)
        who = ident.masked() if digest is not None else f"#{subject_id}"
        return Answer(inquiry_id=log_id, allowed=False, article="Art. 17", subject=None, purpose=purpose,
                      reason=f"no information subject {who} is known to the platform",
                      authorization_id=None, found=False)
    items = _items(session)
    request = _request(session, actor, target, purpose, case_no)
    unit_list = _unit_list(session, actor.unit_id)
    auths = (_authorizations(session, target["id"], actor.unit_id)
             if _needs_authorizations(request, items, unit_list) else [])
    decision = rules.decide(request, items, unit_list, auths, day)
    records: list[dict[str, Any]] = []
    if decision.allowed:
        for row in rows:
            ok, markers = rules.servable(
                RecordFacts(row.id, row.item_code, row.untrustworthy, row.ended_on, row.status,
                            row.objection_open), decision, day)
            if ok:
                records.append(record_view(row, markers))
    log_id = _log(session, actor=actor, subject_id=target["id"], subject_digest=None, purpose=purpose,
                  case_no=case_no, channel=channel, decision=decision,
                  record_ids=[r["id"] for r in records])
    return Answer(
        inquiry_id=log_id,
        allowed=decision.allowed,
        article=decision.article,
        reason=decision.reason,
        subject=_public_subject(target) if decision.allowed else None,
        purpose=purpose,
        authorization_id=decision.authorization_id,
        records=records,
    )


def log_refusal(session: Session, *, actor: Actor, subject_id: int, purpose: str | None, channel: str,
                article: str, reason: str, case_no: str | None = None) -> Answer:
    """Log a request refused before the inquiry policy runs (e.g. grading a natural person without a
    basis, Art. 23): the subject still sees who asked and why it was refused. Nothing is served."""
    decision = Decision(False, article, reason)
    log_id = _log(session, actor=actor, subject_id=subject_id, subject_digest=None, purpose=purpose,
                  case_no=case_no, channel=channel, decision=decision, record_ids=[])
    return Answer(inquiry_id=log_id, allowed=False, article=article, reason=reason, subject=None,
                  purpose=purpose, authorization_id=None)


_R = Record.__table__
_S = Subject.__table__
_U = Unit.__table__
_C = CatalogItem.__table__
_SUBJECT_RECORDS = (
    select(
        _S.c.id.label("s_id"), _S.c.kind.label("s_kind"), _S.c.name.label("s_name"),
        _S.c.identifier.label("s_identifier"),
        _R.c.id, _R.c.item_code, _R.c.untrustworthy, _R.c.doc_no, _R.c.doc_date, _R.c.doc_org,
        _R.c.conduct_date, _R.c.ended_on, _R.c.ended_on_source, _R.c.amount_yuan, _R.c.content,
        _R.c.status, _R.c.objection_open, _R.c.version, _R.c.batch_id, _R.c.line_no, _R.c.received_at,
        _U.c.name.label("unit_name"), _U.c.uscc.label("unit_uscc"),
        _C.c.name_zh.label("item_zh"), _C.c.name_en.label("item_en"),
    )
    .select_from(
        _S.outerjoin(_R, _R.c.subject_id == _S.c.id)
        .outerjoin(_U, _U.c.id == _R.c.unit_id)
        .outerjoin(_C, _C.c.code == _R.c.item_code)
    )
    .order_by(_R.c.doc_date.desc(), _R.c.id)
)


_BY_ID = _SUBJECT_RECORDS.where(_S.c.id == bindparam("key"))
_BY_DIGEST = _SUBJECT_RECORDS.where(_S.c.identifier_digest == bindparam("key"))


def _subject_with_records(conn, subject_id: int | None, digest: str | None):
    if subject_id is not None:
        rows = conn.execute(_BY_ID, {"key": subject_id}).all()
    else:
        rows = conn.execute(_BY_DIGEST, {"key": digest}).all()
    if not rows:
        return None, []
    first = rows[0]
    target = {"id": first.s_id, "kind": first.s_kind, "name": first.s_name, "identifier": first.s_identifier}
    return target, [r for r in rows if r.id is not None]


def _public_subject(target: dict) -> dict:
    code = target["identifier"]
    if target["kind"] == "natural_person":
        code = mask_ric(code)
    return {"id": target["id"], "kind": target["kind"], "name": target["name"], "identifier": code}


def _needs_authorizations(req: Request, items: dict[str, ItemFacts], unit_list) -> bool:
    if req.unit_id is None or req.role in (rules.JUDICIAL, rules.OPERATOR, rules.SUPERVISOR, rules.CONSOLE):
        return False
    candidates = ({i for i, p in unit_list if p == req.purpose} if req.role == rules.ORGAN else set(items))
    return any(items[c].disclosure != "public" and not items[c].inquiry_law_basis
               for c in candidates if c in items)


def _request(session: Session, actor: Actor, target: dict, purpose: str | None,
             case_no: str | None) -> Request:
    # The officer's rights travel on the Actor (read with the token): no second read per inquiry.
    officer_items = frozenset(actor.officer_items) if actor.officer_items else None
    officer_purposes = frozenset(actor.officer_purposes) if actor.officer_purposes else None
    open_cases: dict[str, frozenset[int]] = {}
    if actor.role in (rules.OPERATOR, rules.CONSOLE):
        for provider in _case_providers:
            open_cases.update(provider(session, target["id"]))
    return Request(
        role=actor.role,
        target_id=target["id"],
        target_kind=target["kind"],
        purpose=purpose,
        unit_id=actor.unit_id,
        asker_subject_id=actor.subject_id,
        case_no=case_no,
        officer=actor.officer,
        officer_items=officer_items,
        officer_purposes=officer_purposes,
        open_cases=open_cases,
    )


def _bind_key(session: Session) -> str:
    return str(session.get_bind().url)


def _items(session: Session) -> dict[str, ItemFacts]:
    def load() -> dict[str, ItemFacts]:
        return {
            code: ItemFacts(code, disclosure, untrust, basis)
            for code, disclosure, untrust, basis in session.connection().execute(
                select(_C.c.code, _C.c.disclosure, _C.c.untrustworthy, _C.c.inquiry_law_basis))
        }

    return refcache.get(("catalog", _bind_key(session)), load)


def _unit_list(session: Session, unit_id: int | None) -> frozenset[tuple[str, str]]:
    if unit_id is None:
        return frozenset()
    t = UnitInquiryItem.__table__

    def load() -> frozenset[tuple[str, str]]:
        return frozenset((i, p) for i, p in session.connection().execute(
            select(t.c.item_code, t.c.purpose).where(t.c.unit_id == unit_id)))

    return refcache.get(("inquiry-list", _bind_key(session), unit_id), load)


def _authorizations(session: Session, subject_id: int, unit_id: int | None) -> list[AuthorizationFacts]:
    t = Authorization.__table__
    rows = session.connection().execute(select(t).where(t.c.subject_id == subject_id, t.c.unit_id == unit_id))
    return [AuthorizationFacts(a.id, a.unit_id, frozenset(a.items), a.purpose, a.valid_from, a.valid_until,
                               a.withdrawn_at is not None) for a in rows]


def record_view(row: Any, markers: tuple[str, ...]) -> dict[str, Any]:
    """One record as an answer shows it: item, document, source, the Art. 35 period, markers."""
    return {
        "id": row.id,
        "item": {"code": row.item_code, "name_zh": row.item_zh, "name_en": row.item_en,
                 "untrustworthy": row.untrustworthy},
        "document": {"number": row.doc_no, "date": row.doc_date.isoformat(), "organ": row.doc_org},
        "source": {"unit": row.unit_name, "uscc": row.unit_uscc, "batch_id": row.batch_id,
                   "line": row.line_no, "received_at": row.received_at.isoformat()},
        "conduct_date": row.conduct_date.isoformat() if row.conduct_date else None,
        "ended_on": row.ended_on.isoformat() if row.ended_on else None,
        "ended_on_source": row.ended_on_source,
        "inquiry_period_ends": (untrustworthy_inquiry_end(row.ended_on).isoformat()
                                if row.untrustworthy and row.ended_on else None),
        "amount_yuan": str(row.amount_yuan) if row.amount_yuan is not None else None,
        "content": row.content,
        "version": row.version,
        "markers": list(markers),
    }


_LOG = InquiryLog.__table__
_EVENT = AuditEvent.__table__
_LOG_COLS = [c.name for c in _LOG.columns if c.name != "id"]
_EVENT_COLS = [c.name for c in _EVENT.columns if c.name not in ("id", "object_id", "chain_hash")]
_PG_LOG: list = []


def _pg_log_statement():
    """INSERT the log row and, from its id, the audit event: one statement, built once."""
    if not _PG_LOG:
        log = (insert(_LOG).values({c: bindparam(f"l_{c}", type_=_LOG.c[c].type) for c in _LOG_COLS})
               .returning(_LOG.c.id).cte("log"))
        select_event = select(*[bindparam(f"e_{c}", type_=_EVENT.c[c].type) for c in _EVENT_COLS],
                              cast(log.c.id, String))
        _PG_LOG.append(insert(_EVENT).from_select([*_EVENT_COLS, "object_id"], select_event)
                       .returning(_EVENT.c.object_id))
    return _PG_LOG[0]


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
    event = audit.event_row(action=f"inquiry:{row['decision']}", actor=actor, object_type="inquiry",
                            object_id="", subject_id=subject_id,
                            content={**row, "at": row["at"].isoformat()})
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # One round trip: the log row and its audit event in one statement (compiled once).
        params = {f"l_{k}": v for k, v in row.items()}
        params.update({f"e_{k}": event[k] for k in _EVENT_COLS})
        log_id = int(conn.execute(_pg_log_statement(), params).scalar_one())
    else:
        log_id = conn.execute(insert(_LOG).returning(_LOG.c.id), row).scalar_one()
        conn.execute(insert(_EVENT), {**event, "object_id": str(log_id)})
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
