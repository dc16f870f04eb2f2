"""Inquiries: decide, answer within the law, and log every one before the answer leaves.

The front door commits the session (and with it the log entry and its audit event) before it
returns anything; a denied inquiry is logged too, and only then refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Table, any_, bindparam, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from .. import refcache
from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
from ..db import Prepared
from ..errors import InvalidInput, NotFound, RuleViolation
from ..models import (Authorization, CatalogItem, InquiryLog, ListEntry, ListEntryPerson, Record, Subject, Unit,
                      UnitInquiryItem)
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


@dataclass
class Loaded:
    """One subject as asked for: its row and all its records (``target`` None: not known; ``who`` is
    how an unknown subject is named in the refusal — masked)."""

    target: dict[str, Any] | None
    rows: list[Any]
    digest: str | None = None
    who: str = ""
    listed: bool | None = None  # a lean load only: does any list entry name the subject?


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
    items are in play; the log row and its audit event are one statement on PostgreSQL.
    """
    day = on or today()
    conn = session.connection()
    if subject_id is not None:
        found = load_subjects(conn, ids=[subject_id]).get(subject_id)
        loaded = found or Loaded(None, [], who=f"#{subject_id}")
    else:
        if not subject:
            raise InvalidInput("name the subject (a USCC or resident identity card number)", field="subject")
        ident = parse_identifier(subject, today=day, allow_unlisted_region=True)
        digest = subjects.identifier_digest(ident)
        loaded = load_subjects(conn, digests=[digest]).get(digest) or Loaded(None, [], digest, ident.masked())
    return answer_many(session, actor=actor, loaded=[loaded], purpose=purpose, case_no=case_no,
                       channel=channel, on=day)[0]


def answer_many(session: Session, *, actor: Actor, loaded: list[Loaded], purpose: str | None,
                case_no: str | None = None, channel: str, on: date | None = None) -> list[Answer]:
    """Decide and answer one inquiry per loaded subject (in order), writing every log row and its audit
    event in two statements. Unknown subjects are logged as such (by digest) and refused."""
    return answer_many_with(session, actor=actor, loaded=loaded, purpose=purpose, case_no=case_no,
                            channel=channel, on=on)[0]


def answer_many_with(session: Session, *, actor: Actor, loaded: list[Loaded], purpose: str | None,
                     case_no: str | None = None, channel: str, on: date | None = None,
                     record_views: bool = True, also: Callable[[list[Answer]], tuple[Table, dict, dict]] | None = None
                     ) -> tuple[list[Answer], int | None]:
    """``answer_many``, also inserting a row of the caller's with its audit event, built by
    ``also(answers)`` from the decided answers (their inquiry ids are not known yet). For one inquiry on
    PostgreSQL the log row, the caller's row and both events are one round trip. Returns the answers,
    each with its inquiry id, and the caller's row id. ``record_views=False``: each answer's records are
    only ``{"id": …}`` (a caller that answers with something else, e.g. a check's grounds)."""
    day = on or today()
    items = _items(session)
    unit_list = _unit_list(session, actor.unit_id)
    requests = [_request(session, actor, ld.target, purpose, case_no) if ld.target else None for ld in loaded]
    need_auths = [r.target_id for r in requests if r is not None and _needs_authorizations(r, items, unit_list)]
    auths = _authorizations(session, need_auths, actor.unit_id) if need_auths else {}
    logs: list[dict] = []
    answers: list[Answer] = []
    for ld, request in zip(loaded, requests, strict=True):
        if request is None:
            logs.append(_log_row(actor, subject_id=None, subject_digest=ld.digest, purpose=purpose,
                                 case_no=case_no, channel=channel, decision=None, record_ids=None))
            answers.append(Answer(inquiry_id=0, allowed=False, article="Art. 17", subject=None, purpose=purpose,
                                  reason=f"no information subject {ld.who} is known to the platform",
                                  authorization_id=None, found=False))
            continue
        decision = rules.decide(request, items, unit_list, auths.get(request.target_id, []), day)
        records: list[dict[str, Any]] = []
        if decision.allowed:
            for row in ld.rows:
                ok, markers = rules.servable(
                    RecordFacts(row.id, row.item_code, row.untrustworthy, row.ended_on, row.status,
                                row.objection_open), decision, day)
                if ok:
                    records.append(record_view(row, markers) if record_views else {"id": row.id})
        logs.append(_log_row(actor, subject_id=request.target_id, subject_digest=None, purpose=purpose,
                             case_no=case_no, channel=channel, decision=decision,
                             record_ids=[r["id"] for r in records]))
        answers.append(Answer(
            inquiry_id=0,
            allowed=decision.allowed,
            article=decision.article,
            reason=decision.reason,
            subject=_public_subject(ld.target) if decision.allowed else None,
            purpose=purpose,
            authorization_id=decision.authorization_id,
            records=records,
        ))
    also_id = None
    extra = also(answers) if also is not None else None
    if extra is not None and len(logs) == 1:
        log_id, also_id = audit.insert_with_events(session, [(_LOG, logs[0], _log_event(actor, logs[0])), extra])
        log_ids = [log_id]
    else:
        log_ids = _write_logs(session, actor, logs)
        if extra is not None:
            also_id = audit.insert_with_event(session, *extra)
    for answer, log_id in zip(answers, log_ids, strict=True):
        answer.inquiry_id = log_id
    return answers, also_id


def log_refusal(session: Session, *, actor: Actor, subject_id: int, purpose: str | None, channel: str,
                article: str, reason: str, case_no: str | None = None) -> Answer:
    """Log a request refused before the inquiry policy runs (e.g. grading a natural person without a
    basis, Art. 23): the subject still sees who asked and why it was refused. Nothing is served."""
    decision = Decision(False, article, reason)
    [log_id] = _write_logs(session, actor, [_log_row(actor, subject_id=subject_id, subject_digest=None,
                                                     purpose=purpose, case_no=case_no, channel=channel,
                                                     decision=decision, record_ids=[])])
    return Answer(inquiry_id=log_id, allowed=False, article=article, reason=reason, subject=None,
                  purpose=purpose, authorization_id=None)


_R = Record.__table__
_S = Subject.__table__
_U = Unit.__table__
_C = CatalogItem.__table__
_SUBJECT_RECORDS = (
    select(
        _S.c.id.label("s_id"), _S.c.kind.label("s_kind"), _S.c.name.label("s_name"),
        _S.c.identifier.label("s_identifier"), _S.c.identifier_digest.label("s_digest"),
        _R.c.id, _R.c.item_code, _R.c.untrustworthy, _R.c.doc_no, _R.c.doc_date, _R.c.doc_org,
        _R.c.conduct_date, _R.c.ended_on, _R.c.ended_on_source, _R.c.amount_yuan, _R.c.content,
        _R.c.status, _R.c.objection_open, _R.c.version, _R.c.batch_id, _R.c.line_no, _R.c.received_at,
        _U.c.name.label("unit_name"), _U.c.uscc.label("unit_uscc"),
        _C.c.name_zh.label("item_zh"), _C.c.name_en.label("item_en"), _C.c.article.label("item_article"),
    )
    .select_from(
        _S.outerjoin(_R, _R.c.subject_id == _S.c.id)
        .outerjoin(_U, _U.c.id == _R.c.unit_id)
        .outerjoin(_C, _C.c.code == _R.c.item_code)
    )
    .order_by(_S.c.id, _R.c.doc_date.desc(), _R.c.id)
)
# What a check needs of the records (whether each is in force, its item and document): no content,
# no source, fewer values to convert; and whether any list entry names the subject (listed, or
# responsible for a listed organization's act), so that list entries are read only for those.
_E = ListEntry.__table__
_EP = ListEntryPerson.__table__


def _probe(table, *where):
    # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL plans ``EXISTS … OR EXISTS …`` as hashed
    # subplans that read the whole table on every inquiry; this is one index probe per subject.
    return select(literal(1)).select_from(table).where(*where).limit(1).scalar_subquery().is_not(None)


_SUBJECT_RECORDS_LEAN = (
    select(
        _S.c.id.label("s_id"), _S.c.kind.label("s_kind"), _S.c.name.label("s_name"),
        _S.c.identifier.label("s_identifier"), _S.c.identifier_digest.label("s_digest"),
        or_(_probe(_E, _E.c.subject_id == _S.c.id, _E.c.status == "listed"),
            _probe(_EP, _EP.c.subject_id == _S.c.id)).label("s_listed"),
        _R.c.id, _R.c.item_code, _R.c.untrustworthy, _R.c.doc_no, _R.c.doc_date, _R.c.doc_org, _R.c.ended_on,
        _R.c.status, _R.c.objection_open, _C.c.name_zh.label("item_zh"), _C.c.article.label("item_article"),
    )
    .select_from(_S.outerjoin(_R, _R.c.subject_id == _S.c.id).outerjoin(_C, _C.c.code == _R.c.item_code))
    .order_by(_S.c.id, _R.c.doc_date.desc(), _R.c.id)
)


_by_key: dict[tuple[str, str, bool], Any] = {}


def _subjects_statement(dialect: str, by: str, lean: bool):
    """Several subjects (by id or by identifier digest) with all their records: one statement, built
    once. PostgreSQL takes the keys as one array (``= ANY``), SQLite as an expanding IN list."""
    stmt = _by_key.get((dialect, by, lean))
    if stmt is None:
        column = _S.c.id if by == "id" else _S.c.identifier_digest
        if dialect == "postgresql":
            cond = column == any_(bindparam("keys", type_=ARRAY(column.type)))
        else:
            cond = column.in_(bindparam("keys", expanding=True))
        base = _SUBJECT_RECORDS_LEAN if lean else _SUBJECT_RECORDS
        stmt = _by_key[(dialect, by, lean)] = base.where(cond)
    return stmt


LOAD_CHUNK = 500
_one_subject = {(by, lean): Prepared((_SUBJECT_RECORDS_LEAN if lean else _SUBJECT_RECORDS).where(
    (_S.c.id if by == "id" else _S.c.identifier_digest) == bindparam("key")))
    for by in ("id", "digest") for lean in (False, True)}


def load_subjects(conn, *, ids: list[int] | None = None, digests: list[str] | None = None,
                  lean: bool = False) -> dict[Any, Loaded]:
    """Subjects with all their records, keyed by the id or digest asked for; absent keys are unknown.
    One statement per ``LOAD_CHUNK`` subjects. ``lean``: only what decides whether a record is served and
    names its item and document (answer those with ``record_views=False``)."""
    by, keys = ("id", ids) if ids is not None else ("digest", digests)
    out: dict[Any, Loaded] = {}
    if not keys:
        return out
    unique = list(dict.fromkeys(keys))
    if len(unique) == 1:  # an inquiry, a one-subject check: the hot path, on the driver's cursor
        rows = _one_subject[(by, lean)].rows(conn, {"key": unique[0]})
    else:
        stmt = _subjects_statement(conn.dialect.name, by, lean)
        rows = (row for i in range(0, len(unique), LOAD_CHUNK)
                for row in conn.execute(stmt, {"keys": unique[i:i + LOAD_CHUNK]}))
    for row in rows:
        key = row.s_id if by == "id" else row.s_digest
        loaded = out.get(key)
        if loaded is None:
            loaded = out[key] = Loaded({"id": row.s_id, "kind": row.s_kind, "name": row.s_name,
                                        "identifier": row.s_identifier}, [], row.s_digest,
                                       listed=row.s_listed if lean else None)
        if row.id is not None:
            loaded.rows.append(row)
    return out


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


def _items(session: Session) -> dict[str, ItemFacts]:
    def load() -> dict[str, ItemFacts]:
        return {
            code: ItemFacts(code, disclosure, untrust, basis)
            for code, disclosure, untrust, basis in session.connection().execute(
                select(_C.c.code, _C.c.disclosure, _C.c.untrustworthy, _C.c.inquiry_law_basis))
        }

    return refcache.get(("catalog", refcache.database_key(session)), load)


def _unit_list(session: Session, unit_id: int | None) -> frozenset[tuple[str, str]]:
    if unit_id is None:
        return frozenset()
    t = UnitInquiryItem.__table__

    def load() -> frozenset[tuple[str, str]]:
        return frozenset((i, p) for i, p in session.connection().execute(
            select(t.c.item_code, t.c.purpose).where(t.c.unit_id == unit_id)))

    return refcache.get(("inquiry-list", refcache.database_key(session), unit_id), load)


def _authorizations(session: Session, subject_ids: list[int], unit_id: int | None
                    ) -> dict[int, list[AuthorizationFacts]]:
    t = Authorization.__table__
    out: dict[int, list[AuthorizationFacts]] = {}
    rows = session.connection().execute(select(t).where(t.c.subject_id.in_(sorted(set(subject_ids))),
                                                        t.c.unit_id == unit_id))
    for a in rows:
        out.setdefault(a.subject_id, []).append(AuthorizationFacts(
            a.id, a.unit_id, frozenset(a.items), a.purpose, a.valid_from, a.valid_until, a.withdrawn_at is not None))
    return out


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


def _log_row(actor: Actor, *, subject_id: int | None, subject_digest: str | None, purpose: str | None,
             case_no: str | None, channel: str, decision: Decision | None, record_ids: list[int] | None) -> dict:
    return {
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


def _write_logs(session: Session, actor: Actor, rows: list[dict]) -> list[int]:
    """The log rows and their audit events (one round trip for one inquiry on PostgreSQL)."""
    return audit.insert_many_with_events(session, _LOG, rows, [_log_event(actor, row) for row in rows])


def _log_event(actor: Actor, row: dict) -> dict:
    return audit.event_row(action=f"inquiry:{row['decision']}", actor=actor, object_type="inquiry", object_id="",
                           subject_id=row["subject_id"], content={**row, "at": row["at"].isoformat()})


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
