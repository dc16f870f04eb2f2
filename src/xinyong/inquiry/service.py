"""Inquiries: decide, answer within the law, and log every one before the answer leaves.

Two steps every read path composes: ``decide_many`` (no writes) gathers the facts and runs the one
visibility decision (``rules.decide``) for each subject asked about; ``log`` writes one inquiry-log row per
subject — what was asked, the decision, and exactly what the answer revealed — with its audit event. The
front door commits the session (and with it the log entries) before it returns anything; a denied inquiry is
logged too, and only then refused. ``inquire`` is the two for one subject, answering with its records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import Table, any_, bindparam, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from .. import refcache
from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
from ..db import Prepared
from ..errors import InvalidInput, NotFound, RuleViolation, msg
from ..law import parameters
from ..law.periods import untrustworthy_inquiry_end
from ..models import (Authorization, CatalogItem, CreditList, InquiryLog, ListEntry, ListEntryPerson, Record,
                      Subject, Unit, UnitInquiryItem, UnitInquiryList)
from ..ops import counters
from ..subject import service as subjects
from ..subject.identifiers import mask_ric, parse_lookup
from . import rules
from .rules import AuthorizationFacts, Decision, Facts, ItemFacts, ListFacts, RecordFacts, Request

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
    decision: Decision | None = None

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
            raise NotFound(msg("{reason} (inquiry {inquiry_id} logged)",
                               reason=self.reason, inquiry_id=self.inquiry_id), field="subject")
        if not self.allowed:
            raise RuleViolation(self.reason, article=self.article, status=403, code="inquiry_denied",
                                details={"inquiry_id": self.inquiry_id})


@dataclass
class Loaded:
    """One subject as asked for: its row and all its records (``target`` None: not known; ``who`` is how an
    unknown subject is named in an answer — masked — and ``kind`` what its identifier says it is)."""

    target: dict[str, Any] | None
    rows: list[Any]
    digest: str | None = None
    who: str = ""
    listed: bool | None = None  # a lean load only: does any list entry name the subject?
    kind: str | None = None

    @property
    def subject_kind(self) -> str:
        return self.target["kind"] if self.target else (self.kind or "organization")


@dataclass
class Decided:
    """One subject, decided: the request as the asker made it, the facts read, and the decision."""

    loaded: Loaded
    request: Request
    facts: Facts
    decision: Decision

    def redecide(self, request: Request) -> Decision:
        """The same decision for a variant of the request (e.g. a check's measure basis): same facts."""
        return rules.decide(request, self.facts)


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
    with_lists: bool = False,
) -> Answer:
    """Decide and answer one inquiry with the records it may reveal; the log entry is written with them.

    Hot path: one query reads the subject with all its records; the catalog and the organ's published list
    come from the reference cache; authorizations are read only when they could open something; the log row
    and its audit event are one statement on PostgreSQL.
    """
    day = on or today()
    loaded = load_one(session, subject=subject, subject_id=subject_id, day=day)
    [decided] = decide_many(session, actor=actor, loaded=[loaded], purpose=purpose, case_no=case_no, on=day,
                            with_lists=with_lists)
    [answer] = answers_for([decided], day)
    [answer.inquiry_id] = log(session, actor=actor, decided=[decided], answers=[answer], channel=channel)[0]
    return answer


def load_one(session: Session, *, subject: str | None = None, subject_id: int | None = None,
             day: date | None = None, lean: bool = False) -> Loaded:
    """One subject by its surrogate id or by its identifier (parsed strictly, an old form as a look-up key:
    ``identifiers.parse_lookup``; unknown → an empty Loaded)."""
    conn = session.connection()
    if subject_id is not None:
        found = load_subjects(conn, ids=[subject_id], lean=lean).get(subject_id)
        return found or Loaded(None, [], who=f"#{subject_id}")
    if not subject:
        raise InvalidInput("name the subject (a USCC or resident identity card number)", field="subject")
    ident = parse_lookup(subject, today=day or today())  # an old form finds its subject too (issue 13 §6)
    digest = subjects.identifier_digest(ident)
    return load_subjects(conn, digests=[digest], lean=lean).get(digest) or Loaded(
        None, [], digest, ident.masked(), kind=ident.kind)


def answer_many(session: Session, *, actor: Actor, loaded: list[Loaded], purpose: str | None,
                case_no: str | None = None, channel: str, on: date | None = None) -> list[Answer]:
    """Decide and answer one inquiry per loaded subject (in order), writing every log row and its audit event
    in two statements."""
    day = on or today()
    decided = decide_many(session, actor=actor, loaded=loaded, purpose=purpose, case_no=case_no, on=day)
    answers = answers_for(decided, day)
    ids, _ = log(session, actor=actor, decided=decided, answers=answers, channel=channel)
    for answer, log_id in zip(answers, ids, strict=True):
        answer.inquiry_id = log_id
    return answers


# Reference data that is empty (the lists of an inquiry made without them; the inquiry list of an asker of no
# unit): one object, so that ``rules.decide`` (which remembers a decision by the identity of the reference data
# it read) remembers these decisions too; a fresh ``{}`` never matched.
EMPTY: Mapping = MappingProxyType({})


def decide_many(session: Session, *, actor: Actor, loaded: Sequence[Loaded], purpose: str | None,
                case_no: str | None = None, on: date | None = None, with_lists: bool = False,
                own_records: bool = False,
                authorizations: dict[int, list[AuthorizationFacts]] | None = None) -> list[Decided]:
    """The visibility decision for each subject (no writes): reads the reference data (cached), the open
    cases of the Center and, only when one could open something, the subject's authorizations
    (``authorizations``: already read by the caller, every one of the subjects' for the asker's unit)."""
    day = on or today()
    items = catalog_facts(session, day)
    organ_items = _organ_items(session, actor.unit_id)
    lists = list_facts(session, day) if with_lists else EMPTY
    organ_lists = _organ_lists(session, actor.unit_id) if with_lists else EMPTY
    requests = [_request(session, actor, ld, purpose, case_no, own_records) for ld in loaded]
    need = [r.target_id for r in requests
            if r.target_id is not None and _needs_authorizations(r, items, organ_items)]
    if authorizations is not None:
        auths = authorizations
    else:
        auths = _authorizations(session, need, actor.unit_id) if need else {}
    out = []
    for ld, request in zip(loaded, requests, strict=True):
        facts = Facts(items, organ_items, organ_lists, lists, auths.get(request.target_id, ()), day)
        out.append(Decided(ld, request, facts, rules.decide(request, facts)))
    return out


def visible_records(decided: Decided, day: date, decision: Decision | None = None) -> list[tuple[Any, tuple]]:
    """The loaded records the decision lets the answer reveal, with their markers."""
    decision = decision or decided.decision
    if not decision.allowed:
        return []
    out = []
    for row in decided.loaded.rows:
        ok, markers = rules.servable(RecordFacts(row.id, row.item_code, row.untrustworthy, row.ended_on,
                                                 row.status, row.objection_open, row.unit_id), decision, day)
        if ok:
            out.append((row, markers))
    return out


def answers_for(decided: Sequence[Decided], day: date, *, record_views: bool = True) -> list[Answer]:
    """The answer to each decided inquiry: the subject (as far as the decision says who it is) and the records
    it may reveal. An unknown subject is answered like a known one with nothing to show when the decision
    would not say who the subject is (a refused inquiry into an unknown identifier is refused the same way as
    into a known one: existence is information too); otherwise it is "not known" (404)."""
    answers = []
    for d in decided:
        dec, ld = d.decision, d.loaded
        if ld.target is None:
            answers.append(Answer(
                inquiry_id=0, allowed=dec.allowed, article=dec.article if not dec.allowed else "Art. 17",
                reason=dec.reason if not dec.allowed else msg("no information subject {ident} is known to the platform",
                                                           ident=ld.who),
                subject=None, purpose=d.request.purpose, authorization_id=None, found=not dec.allowed,
                decision=dec))
            continue
        records = [record_view(row, markers, rules.withheld_of(row.item_code, dec)) if record_views
                   else {"id": row.id} for row, markers in visible_records(d, day)]
        answers.append(Answer(
            inquiry_id=0,
            allowed=dec.allowed,
            article=dec.article,
            reason=dec.reason,
            subject=subject_view(ld.target, dec) if dec.allowed else None,
            purpose=d.request.purpose,
            authorization_id=dec.authorization_id,
            records=records,
            decision=dec,
        ))
    return answers


def subject_view(target: dict, decision: Decision) -> dict:
    """Who the subject is, as far as the decision lets the answer say: natural persons' numbers masked; the day
    it was deregistered, when it was (issue 13 §6: nothing added otherwise)."""
    code = target["identifier"]
    if target["kind"] == "natural_person":
        code = mask_ric(code)
    if not decision.identity:
        return {"kind": target["kind"], "identifier": code}
    view = {"id": target["id"], "kind": target["kind"], "name": target["name"], "identifier": code}
    if target.get("deregistered_on") is not None:
        view["deregistered_on"] = target["deregistered_on"]
    return view


def log(session: Session, *, actor: Actor, decided: Sequence[Decided], answers: Sequence[Answer] | None = None,
        revealed: Sequence[tuple[Sequence[int], Sequence[int]]] | None = None, channel: str,
        also: Callable[[], tuple[Table, dict, dict]] | None = None, bases: Sequence[dict | None] | None = None
        ) -> tuple[list[int], int | None]:
    """One log row per decided subject, with what its answer revealed: ``answers`` (their records) or
    ``revealed`` ((record ids, entry ids) per subject). ``also()`` builds a row of the caller's with its audit
    event (a check's row), written with the log rows — for one subject on PostgreSQL one round trip for all.
    Returns the log ids (in order) and the caller's row id."""
    rows = log_rows(actor, decided, answers=answers, revealed=revealed, channel=channel, bases=bases)
    extra = also() if also is not None else None
    count(rows)
    return write_log_rows(session, rows, log_events(actor, rows), extra)


def count(rows: Sequence[dict]) -> None:
    """The inquiries counter (``/metrics``), once per log row built."""
    for row in rows:
        counters.inquiry(row["decision"], row["article"])


def write_log_rows(session: Session, rows: list[dict], events: list[dict],
                   extra: tuple[Table, dict, dict] | None = None) -> tuple[list[int], int | None]:
    """Write log rows with their events and, if given, a row of the caller's with its event (``log``'s
    ``also``): for one log row and the caller's on PostgreSQL one round trip for both. (log ids, caller's id)."""
    if extra is not None and len(rows) == 1:
        log_id, also_id = audit.insert_with_events(session, [(_LOG, rows[0], events[0]), extra])
        return [log_id], also_id
    ids = _write_logs(session, None, rows, events)
    also_id = audit.insert_with_event(session, *extra) if extra is not None else None
    return ids, also_id


def log_rows(actor: Actor, decided: Sequence[Decided], *, answers: Sequence[Answer] | None = None,
             revealed: Sequence[tuple[Sequence[int], Sequence[int]]] | None = None, channel: str,
             bases: Sequence[dict | None] | None = None) -> list[dict]:
    """The inquiry-log rows ``log`` writes (one per decided subject), not yet written: for a writer of its
    own (``groupcommit``), with their events from ``log_events``."""
    rows = []
    for i, d in enumerate(decided):
        if revealed is not None:
            record_ids, entry_ids = list(revealed[i][0]), list(revealed[i][1])
        else:
            record_ids, entry_ids = [r["id"] for r in answers[i].records], []
        known = d.loaded.target is not None
        outcome = ("allow" if d.decision.allowed else "deny") if known or not d.decision.allowed else "notfound"
        rows.append(_log_row(actor, subject_id=d.loaded.target["id"] if known else None,
                             subject_digest=None if known else d.loaded.digest, purpose=d.request.purpose,
                             case_no=_logged_case(d), channel=channel, decision=d.decision, outcome=outcome,
                             record_ids=record_ids if known else None, entry_ids=entry_ids or None,
                             bases=(bases[i] if bases is not None else d.decision.bases())))
    return rows


def log_events(actor: Actor, rows: Sequence[dict]) -> list[dict]:
    """The audit event of each log row, as ``_write_logs`` builds them."""
    return [_log_event(actor, row) for row in rows]


def _logged_case(d: Decided) -> str | None:
    case = d.request.case_no
    if case and d.decision.kind == rules.K_JUDICIAL:
        return rules.normalise_case_number(case)[:100]
    return case


def log_refusal(session: Session, *, actor: Actor, subject_id: int, purpose: str | None, channel: str,
                article: str, reason: str, case_no: str | None = None) -> Answer:
    """Log a request refused before the inquiry policy runs (e.g. grading a natural person without a
    basis, Art. 23): the subject still sees who asked and why it was refused. Nothing is served."""
    decision = Decision(False, article, reason)
    counters.inquiry("deny", article)
    [log_id] = _write_logs(session, actor, [_log_row(actor, subject_id=subject_id, subject_digest=None,
                                                     purpose=purpose, case_no=case_no, channel=channel,
                                                     decision=decision, outcome="deny", record_ids=[])])
    return Answer(inquiry_id=log_id, allowed=False, article=article, reason=reason, subject=None,
                  purpose=purpose, authorization_id=None)


def servable_ids(session: Session, record_ids: Sequence[int], decision: Decision, day: date) -> set[int]:
    """Of these records, those the decision lets the answer reveal (one statement)."""
    if not record_ids or not decision.allowed:
        return set()
    out = set()
    for r in session.execute(select(_R.c.id, _R.c.item_code, _R.c.untrustworthy, _R.c.ended_on, _R.c.status,
                                    _R.c.objection_open, _R.c.unit_id).where(_R.c.id.in_(sorted(set(record_ids))))):
        if rules.servable(RecordFacts(*r), decision, day)[0]:
            out.add(r.id)
    return out


def record_history(session: Session, *, actor: Actor, record_id: int, case_no: str | None, channel: str
                   ) -> list[dict[str, Any]] | None:
    """A record's change history (previous contents included) for its provider, or for the Center on a case
    about it: decided and logged like any inquiry; anyone else — and any record that does not exist — gets the
    same "not found" (Art. 11, 20(1), 34)."""
    from ..record.workflows import history_of

    day = today()
    subject_id = session.scalar(select(_R.c.subject_id).where(_R.c.id == record_id))
    if subject_id is None:
        raise NotFound(msg("no record {record_id} that you may see", record_id=record_id), field="record")
    loaded = load_one(session, subject_id=subject_id, day=day)
    own = actor.unit_id is not None and actor.role != rules.OPERATOR
    [decided] = decide_many(session, actor=actor, loaded=[loaded], purpose=None, case_no=case_no, on=day,
                            own_records=own)
    shown = [row.id for row, _m in visible_records(decided, day) if row.id == record_id]
    log(session, actor=actor, decided=[decided], revealed=[(shown, ())], channel=channel)
    return history_of(session, record_id) if shown else None


def find_own_records(session: Session, *, actor: Actor, subject: str, item_code: str, doc_no: str,
                     channel: str) -> list[int]:
    """A provider's look-up of the records it provided by their identity (item, document number, subject):
    answered the same way whether or not the platform knows the subject, and logged (Art. 11, 34). An item of a
    prohibited kind is never an inquiry's object (Art. 14.3): refused before anything is read."""
    rules.check_scope_not_prohibited([item_code])
    day = today()
    loaded = load_one(session, subject=subject, day=day)
    [decided] = decide_many(session, actor=actor, loaded=[loaded], purpose=None, on=day, own_records=True)
    ids = [row.id for row, _m in visible_records(decided, day)
           if row.item_code == item_code and row.doc_no == doc_no]
    log(session, actor=actor, decided=[decided], revealed=[(ids, ())], channel=channel)
    return ids


OWN_FIND_LIMIT = 50  # subjects a look-up by document number alone reaches


def find_own_record_views(session: Session, *, actor: Actor, subject: str | None = None,
                          doc_no: str | None = None, item_code: str | None = None, channel: str,
                          limit: int = OWN_FIND_LIMIT) -> list[dict[str, Any]]:
    """The portal's look-up of a provider's own records (Art. 11, 34): by the subject's identifier, by the
    document number, or both (and the item). Each subject reached is decided (``own_records``) and logged,
    as ``find_own_records`` does; an unknown identifier answers as a known one without such records does (an
    empty list). Each record as an answer shows it, with ``subject`` as far as the decision says who it is."""
    day = today()
    doc_no = (doc_no or "").strip() or None
    item_code = (item_code or "").strip() or None
    if item_code:
        rules.check_scope_not_prohibited([item_code])  # never an inquiry's object (Art. 14.3)
    if subject and subject.strip():
        loaded = [load_one(session, subject=subject.strip(), day=day)]
    elif doc_no:
        if actor.unit_id is None:
            return []
        ids = list(session.scalars(select(_R.c.subject_id).where(
            _R.c.unit_id == actor.unit_id, _R.c.doc_no == doc_no).distinct().order_by(_R.c.subject_id).limit(limit)))
        found = load_subjects(session.connection(), ids=ids) if ids else {}
        loaded = [found[i] for i in ids if i in found]
        if not loaded:
            return []
    else:
        raise InvalidInput("name the subject (a USCC or resident identity card number) or the document number",
                           field="subject")
    decided = decide_many(session, actor=actor, loaded=loaded, purpose=None, on=day, own_records=True)
    out: list[dict[str, Any]] = []
    revealed = []
    for d in decided:
        shown = [(row, markers) for row, markers in visible_records(d, day)
                 if (item_code is None or row.item_code == item_code) and (doc_no is None or row.doc_no == doc_no)]
        revealed.append(([row.id for row, _m in shown], ()))
        who = subject_view(d.loaded.target, d.decision) if d.loaded.target is not None and shown else None
        for row, markers in shown:
            out.append({**record_view(row, markers), "status": row.status, "subject": who})
    log(session, actor=actor, decided=decided, revealed=revealed, channel=channel)
    return out


def own_record(session: Session, *, actor: Actor, record_id: int, channel: str
               ) -> tuple[dict[str, Any], list[dict]] | None:
    """One of the provider's own records as its provider sees it, with its history: decided and logged like
    ``record_history``. None for a record it may not see (another unit's, a revoked one, none at all)."""
    from ..record.workflows import history_of

    day = today()
    subject_id = session.scalar(select(_R.c.subject_id).where(_R.c.id == record_id))
    if subject_id is None or actor.unit_id is None:
        return None
    loaded = load_one(session, subject_id=subject_id, day=day)
    [decided] = decide_many(session, actor=actor, loaded=[loaded], purpose=None, on=day, own_records=True)
    shown = [(row, markers) for row, markers in visible_records(decided, day) if row.id == record_id]
    log(session, actor=actor, decided=[decided], revealed=[([row.id for row, _m in shown], ())], channel=channel)
    if not shown:
        return None
    row, markers = shown[0]
    view = {**record_view(row, markers), "status": row.status,
            "subject": subject_view(loaded.target, decided.decision) if loaded.target is not None else None}
    return view, history_of(session, record_id)


_R = Record.__table__
_S = Subject.__table__
_U = Unit.__table__
_C = CatalogItem.__table__
_SUBJECT_RECORDS = (
    select(
        _S.c.id.label("s_id"), _S.c.kind.label("s_kind"), _S.c.name.label("s_name"),
        _S.c.identifier.label("s_identifier"), _S.c.identifier_digest.label("s_digest"),
        _S.c.deregistered_on.label("s_deregistered_on"),
        _R.c.id, _R.c.item_code, _R.c.untrustworthy, _R.c.doc_no, _R.c.doc_date, _R.c.doc_org, _R.c.unit_id,
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


SUBJECT_RECORDS_LEAN = (
    select(
        _S.c.id.label("s_id"), _S.c.kind.label("s_kind"), _S.c.name.label("s_name"),
        _S.c.identifier.label("s_identifier"), _S.c.identifier_digest.label("s_digest"),
        _S.c.deregistered_on.label("s_deregistered_on"),
        or_(_probe(_E, _E.c.subject_id == _S.c.id, _E.c.status == "listed"),
            _probe(_EP, _EP.c.subject_id == _S.c.id)).label("s_listed"),
        _R.c.id, _R.c.item_code, _R.c.untrustworthy, _R.c.doc_no, _R.c.doc_date, _R.c.doc_org, _R.c.ended_on,
        _R.c.unit_id, _R.c.status, _R.c.objection_open, _C.c.name_zh.label("item_zh"), _C.c.article.label("item_article"),
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
        base = SUBJECT_RECORDS_LEAN if lean else _SUBJECT_RECORDS
        stmt = _by_key[(dialect, by, lean)] = base.where(cond)
    return stmt


LOAD_CHUNK = 500
_one_subject = {(by, lean): Prepared((SUBJECT_RECORDS_LEAN if lean else _SUBJECT_RECORDS).where(
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
    out = loaded_from(rows, by=by, lean=lean)
    if by == "digest" and len(out) < len(unique):
        out.update(by_former_identifiers(conn, [d for d in unique if d not in out], lean=lean))
    return out


def by_former_identifiers(conn, digests: list[str], *, lean: bool) -> dict[str, Loaded]:
    """On a miss only: the subjects that these digests named before a change (``subject_identifier``), keyed
    by the digest asked for; the subject answers under its own (current) identifier."""
    former = subjects.former_subject_ids(conn, digests)
    if not former:
        return {}
    by_id = load_subjects(conn, ids=list(set(former.values())), lean=lean)
    return {d: by_id[sid] for d, sid in former.items() if sid in by_id}


# One subject with all its records by its identifier digest (``{"key": …}``), for a caller that sends it
# in a statement of its own; ``loaded_from`` reads its rows (the front doors join the same rows to the token's
# look-up: ``groupcommit.TOKEN_SUBJECT_AUTHORIZATIONS``, ``measure.reads.TOKEN_WITH_SUBJECT``).
SUBJECT_BY_DIGEST = _one_subject[("digest", False)]
# The same, lean (``load_subjects(lean=True)``): what a check reads.
LEAN_SUBJECT_BY_DIGEST = _one_subject[("digest", True)]


def loaded_from(rows, *, by: str = "digest", lean: bool = False) -> dict[Any, Loaded]:
    """The subjects in rows of the subject-with-records statements, keyed by id or digest (``by``)."""
    out: dict[Any, Loaded] = {}
    for row in rows:
        key = row.s_id if by == "id" else row.s_digest
        loaded = out.get(key)
        if loaded is None:
            loaded = out[key] = Loaded({"id": row.s_id, "kind": row.s_kind, "name": row.s_name,
                                        "identifier": row.s_identifier, "deregistered_on": row.s_deregistered_on},
                                       [], row.s_digest,
                                       listed=row.s_listed if lean else None, kind=row.s_kind)
        if row.id is not None:
            loaded.rows.append(row)
    return out


_needs_memo: dict[tuple, tuple] = {}


def _needs_authorizations(req: Request, items: dict[str, ItemFacts], organ_items) -> bool:
    """Whether the subject's authorizations could open anything for this request (else they are not read):
    configuration only, remembered per request shape and reference-data snapshot."""
    key = (req.role, req.unit_id, req.purpose, req.target_kind, req.mandate, req.own_records, id(items),
           id(organ_items))
    hit = _needs_memo.get(key)
    if hit is not None and hit[0] is items and hit[1] is organ_items:
        return hit[2]
    if len(_needs_memo) > 4096:
        _needs_memo.clear()
    value = _could_authorize(req, items, organ_items)
    _needs_memo[key] = (items, organ_items, value)
    return value


def _could_authorize(req: Request, items: dict[str, ItemFacts], organ_items) -> bool:
    if req.unit_id is None or req.own_records or req.role in (rules.JUDICIAL, rules.OPERATOR, rules.SUPERVISOR,
                                                               rules.CONSOLE):
        return False
    organ = req.role == rules.ORGAN or req.mandate
    for code, item in items.items():
        if organ and (code, req.purpose) not in organ_items:
            continue
        if item.disclosure != "public" and not item.inquiry_law_basis:
            return True
        if (req.role == rules.CREDIT_SERVICE and req.target_kind == rules.PERSON
                and item.public_basis_level not in rules.LEVELS_BY_LAW):
            return True
    return False


def _request(session: Session, actor: Actor, ld: Loaded, purpose: str | None, case_no: str | None,
             own_records: bool = False) -> Request:
    # The officer's rights travel on the Actor (read with the token): no second read per inquiry.
    officer_items = frozenset(actor.officer_items) if actor.officer_items else None
    officer_purposes = frozenset(actor.officer_purposes) if actor.officer_purposes else None
    target_id = ld.target["id"] if ld.target else None
    open_cases: dict[str, frozenset[int]] = {}
    if actor.role in (rules.OPERATOR, rules.CONSOLE) and target_id is not None and (case_no or "").strip():
        for provider in _case_providers:
            open_cases.update(provider(session, target_id))
    return Request(
        role=actor.role,
        target_id=target_id,
        target_kind=ld.subject_kind,
        purpose=purpose,
        unit_id=actor.unit_id,
        asker_subject_id=actor.subject_id,
        case_no=case_no,
        officer=actor.officer,
        officer_items=officer_items,
        officer_purposes=officer_purposes,
        unit_subkind=actor.unit_subkind,
        mandate=actor.mandate,
        own_records=own_records,
        open_cases=open_cases,
    )


def _opened(name: str, day: date) -> frozenset[str]:
    """Items or lists opened to the public for natural persons on an external basis (a dated parameter)."""
    return frozenset(parameters.value(name, day) or ())


def catalog_facts(session: Session, day: date) -> dict[str, ItemFacts]:
    """The catalog's items as the decision reads them, on ``day`` (cached until the reference data changes)."""
    opened = _opened("disclosure.natural_person_public_items", day)

    def load() -> dict[str, ItemFacts]:
        return {
            code: ItemFacts(code, disclosure, untrust, basis, level, code in opened,
                            tuple(sorted((kinds or {}).items())))
            for code, disclosure, untrust, basis, level, kinds in session.connection().execute(
                select(_C.c.code, _C.c.disclosure, _C.c.untrustworthy, _C.c.inquiry_law_basis,
                       _C.c.public_basis_level, _C.c.field_kinds))
        }

    return refcache.get(("catalog", refcache.database_key(session), opened), load)


def list_facts(session: Session, day: date) -> dict[int, ListFacts]:
    """The published lists (a list not yet published has no entries that count)."""
    opened = _opened("disclosure.natural_person_public_lists", day)
    t = CreditList.__table__

    def load() -> dict[int, ListFacts]:
        return {
            i: ListFacts(i, code, kind, disclosure, level, code in opened)
            for i, code, kind, disclosure, level in session.connection().execute(
                select(t.c.id, t.c.code, t.c.kind, t.c.disclosure, t.c.public_basis_level)
                .where(t.c.state == "published"))
        }

    return refcache.get(("lists", refcache.database_key(session), opened), load)


def _organ_items(session: Session, unit_id: int | None) -> Mapping[tuple[str, str], date]:
    """The organ's published inquiry list of items: (item, purpose) → the day it was published."""
    if unit_id is None:
        return EMPTY
    t = UnitInquiryItem.__table__

    def load() -> dict[tuple[str, str], date]:
        return {(i, p): d for i, p, d in session.connection().execute(
            select(t.c.item_code, t.c.purpose, t.c.published_on).where(t.c.unit_id == unit_id))}

    return refcache.get(("inquiry-list", refcache.database_key(session), unit_id), load)


def _organ_lists(session: Session, unit_id: int | None) -> Mapping[tuple[int, str], date]:
    """The lists on the organ's published inquiry list: (list id, purpose) → the day it was published."""
    if unit_id is None:
        return EMPTY
    t = UnitInquiryList.__table__

    def load() -> dict[tuple[int, str], date]:
        return {(i, p): d for i, p, d in session.connection().execute(
            select(t.c.list_id, t.c.purpose, t.c.published_on).where(t.c.unit_id == unit_id))}

    return refcache.get(("inquiry-list-lists", refcache.database_key(session), unit_id), load)


_A = Authorization.__table__
# Built once: a statement built per call costs its cache key, and an IN list its re-rendering (~0.1 ms a check).
_AUTHORIZATIONS_OF_ONE = select(_A).where(_A.c.subject_id == bindparam("id"), _A.c.unit_id == bindparam("unit_id"))
_authorizations_by_dialect: dict[str, Any] = {}


def _authorizations_statement(dialect: str):
    stmt = _authorizations_by_dialect.get(dialect)
    if stmt is None:
        ids = (_A.c.subject_id == any_(bindparam("ids", type_=ARRAY(_A.c.subject_id.type))) if dialect == "postgresql"
               else _A.c.subject_id.in_(bindparam("ids", expanding=True)))
        stmt = _authorizations_by_dialect[dialect] = select(_A).where(ids, _A.c.unit_id == bindparam("unit_id"))
    return stmt


def _authorizations(session: Session, subject_ids: list[int], unit_id: int | None
                    ) -> dict[int, list[AuthorizationFacts]]:
    conn = session.connection()
    ids = sorted(set(subject_ids))
    if unit_id is None:  # an authorization naming no unit (IS NULL, which a bound parameter cannot say)
        rows = conn.execute(select(_A).where(_A.c.subject_id.in_(ids), _A.c.unit_id.is_(None)))
    elif len(ids) == 1:
        rows = conn.execute(_AUTHORIZATIONS_OF_ONE, {"id": ids[0], "unit_id": unit_id})
    else:
        rows = conn.execute(_authorizations_statement(conn.dialect.name), {"ids": ids, "unit_id": unit_id})
    return authorization_facts(rows)


def authorization_facts(rows) -> dict[int, list[AuthorizationFacts]]:
    """Rows of ``subject_authorization`` as the decision's facts, by subject."""
    out: dict[int, list[AuthorizationFacts]] = {}
    for a in rows:
        out.setdefault(a.subject_id, []).append(AuthorizationFacts(
            a.id, a.unit_id, frozenset(a.items), a.purpose, a.valid_from, a.valid_until, a.withdrawn_at is not None,
            rules.restricted_grade(a.restricted_kinds, a.form, a.adverse_told_at is not None)))
    return out


def record_view(row: Any, markers: tuple[str, ...], withheld: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One record as an answer shows it: item, document, source, the Art. 35 period, markers; without the
    ``withheld`` fields of a restricted kind (Art. 14.2: ``rules.withheld_fields``) and what derives from them."""
    if withheld:
        return _withheld_view(row, markers, withheld)
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
        "inquiry_period_ends": (untrustworthy_inquiry_end(row.ended_on, item_code=row.item_code).isoformat()
                                if row.untrustworthy and row.ended_on else None),
        "amount_yuan": str(row.amount_yuan) if row.amount_yuan is not None else None,
        "content": row.content,
        "version": row.version,
        "markers": list(markers),
    }


def _withheld_view(row: Any, markers: tuple[str, ...], withheld: frozenset[str]) -> dict[str, Any]:
    from ..record.fields import content_keys

    hidden = content_keys(frozenset(withheld))
    view = record_view(row, markers)
    view["content"] = rules.served_content(row.content, hidden)
    for key in ("amount_yuan", "conduct_date"):
        if key in hidden:
            view[key] = None
    view["withheld"] = sorted(withheld)
    return view


_LOG = InquiryLog.__table__


def _log_row(actor: Actor, *, subject_id: int | None, subject_digest: str | None, purpose: str | None,
             case_no: str | None, channel: str, decision: Decision, outcome: str, record_ids: list[int] | None,
             entry_ids: list[int] | None = None, bases: dict | None = None) -> dict:
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
        "authorization_id": decision.authorization_id,
        "decision": outcome,
        "article": decision.article,
        "reason": decision.reason,
        "items": sorted(decision.items) if decision.allowed else None,
        "record_ids": record_ids,
        "entry_ids": entry_ids,
        "bases": bases,
    }


def _write_logs(session: Session, actor: Actor | None, rows: list[dict], events: list[dict] | None = None
                ) -> list[int]:
    """The log rows and their audit events (one round trip for one inquiry on PostgreSQL)."""
    if events is None:
        events = [_log_event(actor, row) for row in rows]
    return audit.insert_many_with_events(session, _LOG, rows, events)


def _log_event(actor: Actor, row: dict) -> dict:
    # the digest is the bound row's, computed once from the row by audit.insert_with_events
    return audit.event_row(action=f"inquiry:{row['decision']}", actor=actor, object_type="inquiry", object_id="",
                           subject_id=row["subject_id"])


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
