"""Use cases of the public portal: search organizations, and show one subject's public page.

Natural persons never appear here: the search looks only at legal persons, unincorporated
organizations and government organs (Art. 6.2, Art. 15), and a subject page is an inquiry by the
public through the inquiry service, which applies the policy and logs the view (Art. 17, 34).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import PUBLIC
from ..clock import today
from ..errors import DomainError, NotFound
from ..inquiry import service as inquiry
from ..models import Record, Subject
from ..subject import service as subjects
from ..subject.identifiers import parse_identifier, parse_lookup
from . import rules

PUBLIC_KINDS = ("organization", "government_organ")
CHANNEL = "portal"
MAX_QUERY = 100


def normalise_query(q: str | None) -> str:
    return " ".join((q or "").split())[:MAX_QUERY]


def search(session: Session, q: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Organizations whose name contains ``q`` or whose USCC is ``q``; never natural persons."""
    q = normalise_query(q)
    if not q:
        return []
    found: dict[int, Subject] = {}
    exact = _by_uscc(session, q)
    if exact is not None:
        found[exact.id] = exact
    by_name = session.scalars(
        select(Subject)
        .where(Subject.kind.in_(PUBLIC_KINDS), Subject.name.contains(q, autoescape=True))
        .order_by(Subject.name, Subject.id)
        .limit(limit)
    )
    for s in by_name:
        found.setdefault(s.id, s)
    return [_result(s) for s in list(found.values())[:limit]]


_PERSONAL_ID_SHAPE = re.compile(r"^(\d{17}[\dX]|\d{15})$")


def looks_like_personal_id(q: str) -> bool:
    """Whether ``q`` is (or is shaped like) a resident ID number: then it is neither searched nor echoed."""
    code = (q or "").replace(" ", "").upper()
    if not _PERSONAL_ID_SHAPE.match(code):
        return False
    try:
        return parse_identifier(code, today=today(), allow_unlisted_region=True).scheme != "uscc"
    except DomainError:
        return True


def _by_uscc(session: Session, q: str) -> Subject | None:
    """The organization whose USCC, former USCC or old organization code (GB 11714, recorded by a change) is
    ``q``: ``identifiers.parse_lookup``, as every front door finds a subject."""
    code = q.replace(" ", "").upper()
    if len(code) not in (9, 10, 18):
        return None
    try:
        ident = parse_lookup(code, today=today())
    except DomainError:
        return None
    if ident.scheme not in ("uscc", "org"):  # a resident ID number: never looked up in public
        return None
    digest = subjects.identifier_digest(ident)
    found = session.scalar(
        select(Subject).where(Subject.identifier_digest == digest, Subject.kind.in_(PUBLIC_KINDS)))
    if found is None:  # a former USCC names the organization it now belongs to
        sid = subjects.former_subject_ids(session, [digest]).get(digest)
        found = session.scalar(select(Subject).where(Subject.id == sid, Subject.kind.in_(PUBLIC_KINDS))) \
            if sid is not None else None
    return found


def _result(s: Subject) -> dict[str, Any]:
    return {"id": s.id, "name": s.name, "uscc": s.identifier, "kind": s.kind, "deregistered_on": s.deregistered_on}


@dataclass
class SubjectPage:
    answer: inquiry.Answer
    records: list[dict[str, Any]] = field(default_factory=list)
    day: date | None = None


def subject_page(session: Session, subject_id: int, *, day: date | None = None) -> SubjectPage:
    """Inquire as the public (logged, channel ``portal``) and keep what is displayed proactively.

    The caller commits the session (so the log entry is kept even when the inquiry is refused) and
    then calls ``page.answer.raise_if_denied()``.
    """
    day = day or today()
    if session.get(Subject, subject_id) is None:
        raise NotFound("no such information subject", field="subject")
    answer = inquiry.inquire(session, actor=PUBLIC, subject_id=subject_id, channel=CHANNEL, on=day)
    if not answer.allowed:
        return SubjectPage(answer, [], day)
    severities = _severities(session, [r["id"] for r in answer.records if r["item"]["code"] == rules.PENALTY_ITEM])
    shown = []
    for r in answer.records:
        decided_on = date.fromisoformat(r["document"]["date"])
        if rules.publicly_displayed(r["item"]["code"], decided_on, severities.get(r["id"]), day):
            shown.append(r)
    return SubjectPage(answer, shown, day)


def _severities(session: Session, record_ids: list[int]) -> dict[int, str | None]:
    if not record_ids:
        return {}
    q = select(Record.id, Record.severity).where(Record.id.in_(record_ids))
    return {rid: sev for rid, sev in session.execute(q)}
