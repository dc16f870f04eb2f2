"""Lists (Art. 24, 25, 33): define, publish, enter (with the responsible persons), remove, remedy.

Loads → rules → persists → audits; flushes, never commits. Responsible persons are stored as subject
rows (``subject.service.resolve_many``); their numbers appear nowhere else.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import any_, bindparam, literal, null, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from .. import refcache
from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
from ..errors import Forbidden, InvalidInput, NotFound, msg
from ..models import CreditList, ListComment, ListEntry, ListEntryPerson, ListRemedy, Subject
from ..subject import service as subjects
from ..subject.identifiers import mask_ric, parse_identifier, parse_lookup
from . import rules

KEEPERS = ("administrative",)


def _may_keep(actor: Actor, lst: CreditList | None = None) -> None:
    """Lists are kept by administrative organs (the console acts for one only with a recorded reason)."""
    if actor.role not in KEEPERS:
        raise Forbidden("lists are kept by administrative organs (Art. 25.1)", article="Art. 25.1")
    if lst is not None and lst.keeper_unit_id not in (None, actor.unit_id):
        raise Forbidden("only the organ that keeps the list acts on it", article="Art. 25.1")


def _facts(lst: CreditList) -> rules.ListFacts:
    return rules.ListFacts(lst.kind, lst.state, lst.entry_standard, lst.legal_basis, lst.entry_requirements,
                           lst.removal_requirements, lst.remedy_paths, lst.comment_from, lst.comment_to)


def get_list(session: Session, ident: int | str) -> CreditList:
    text = str(ident).strip()
    lst = (session.get(CreditList, int(text)) if text.isdigit()
           else session.scalar(select(CreditList).where(CreditList.code == text)))
    if lst is None:
        raise NotFound(msg("no list {ident}", ident=ident), field="list")
    return lst


def get_entry(session: Session, entry_id: int) -> ListEntry:
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound(msg("no list entry {entry_id}", entry_id=entry_id), field="entry")
    return entry


def define(session: Session, *, code: str, name: str, kind: str, keeper_organ: str, entry_standard: str,
           legal_basis: str, entry_requirements: str, removal_requirements: str, remedy_paths: str,
           comment_from: date | None = None, comment_to: date | None = None, disclosure: str = "organs",
           public_basis: str | None = None, public_basis_level: str | None = None, actor: Actor) -> CreditList:
    """A draft list. ``disclosure``: "public" when the list's rules publish its entries (name the source that
    publishes them and its level), else "organs": only organs whose published inquiry list names it see them."""
    _may_keep(actor)
    rules.check_kind(kind)
    public_basis = (public_basis or "").strip() or None
    rules.check_disclosure(disclosure, public_basis, public_basis_level)
    if not code.strip() or not name.strip():
        raise InvalidInput("a list has a code and a name", field="code")
    if session.scalar(select(CreditList.id).where(CreditList.code == code)) is not None:
        raise InvalidInput(msg("list {code} exists", code=code), field="code")
    if comment_from and comment_to and comment_to < comment_from:
        raise InvalidInput("the comment period ends before it starts", field="comment_to")
    lst = CreditList(code=code, name=name, kind=kind, keeper_organ=keeper_organ,
                     keeper_unit_id=actor.unit_id if actor.role == "administrative" else None,
                     entry_standard=entry_standard, legal_basis=legal_basis, comment_from=comment_from,
                     comment_to=comment_to, entry_requirements=entry_requirements,
                     removal_requirements=removal_requirements, remedy_paths=remedy_paths, state="draft",
                     created_at=now(), disclosure=disclosure, public_basis=public_basis,
                     public_basis_level=public_basis_level if public_basis else None)
    session.add(lst)
    session.flush()
    audit.append(session, action="list:define", actor=actor, object_type="credit_list", object_id=lst.id,
                 content=view_list(lst), details={"code": code, "kind": kind})
    return lst


def publish(session: Session, *, list_id: int | str, on: date | None = None, actor: Actor) -> CreditList:
    lst = get_list(session, list_id)
    _may_keep(actor, lst)
    day = on or today()
    facts = _facts(lst)
    rules.publishable(facts)
    rules.comment_period_held(facts, day, rules.comment_min_days(day))
    lst.state, lst.published_on = "published", day
    session.flush()
    refcache.invalidate()  # the lists the visibility decision reads
    audit.append(session, action="list:publish", actor=actor, object_type="credit_list", object_id=lst.id,
                 content=view_list(lst), details={"published_on": day.isoformat(),
                                                  "comment_min_days": rules.comment_min_days(day)})
    return lst


def enter(session: Session, *, list_id: int | str, subject: str, subject_name: str | None = None,
          ground: str | None, ground_text: str, document: str, decided_on: date,
          persons: list[dict[str, str]] | None = None, actor: Actor) -> ListEntry:
    """Enter a subject; for an organization, its responsible persons (Art. 33), fixed now."""
    lst = get_list(session, list_id)
    _may_keep(actor, lst)
    day = today()
    rules.takes_entries(lst.state, lst.published_on, day)
    g = rules.black_ground(lst.kind, ground)
    if not (document or "").strip():
        raise InvalidInput("name the determining document", field="document")
    if decided_on > day:
        raise InvalidInput("the decision date is after today", field="decided_on")
    ident = parse_lookup(subject, today=day)  # an old organization code or 15-digit number finds its subject too
    if subject_name:
        found = subjects.resolve_many(session, [(ident, subject_name)]).get((ident.scheme, ident.code))
        if found is None:  # an old form naming no subject: refused as it always was (never a new subject)
            raise InvalidInput(ident.unknown_reason, article="Art. 2", field="subject")
        subject_id = found
    else:
        subject_id = subjects.find(session, subject).id
    person_ids: list[tuple[int, str]] = []
    parsed = []
    for p in persons or []:
        pid = parse_identifier(p.get("identifier", ""), today=day)  # strict: a resident ID number
        parsed.append((pid, p.get("name") or "", p.get("role", "")))
    rules.responsible_persons(lst.kind, ident.kind, [(role, pid.kind) for pid, _n, role in parsed])
    if parsed:
        ids = subjects.resolve_many(session, [(pid, name) for pid, name, _r in parsed])
        person_ids = [(ids[(pid.scheme, pid.code)], role) for pid, _n, role in parsed]
    entry = ListEntry(list_id=lst.id, subject_id=subject_id, ground=g, ground_text=ground_text, document=document,
                      decided_on=decided_on, status="listed", created_at=now())
    session.add(entry)
    session.flush()
    for pid, role in person_ids:
        session.add(ListEntryPerson(entry_id=entry.id, subject_id=pid, role=role))
    session.flush()
    audit.append(session, action="list-entry:enter", actor=actor, object_type="list_entry", object_id=entry.id,
                 subject_id=subject_id,
                 content={"list": lst.id, "subject": subject_id, "ground": g, "document": document,
                          "persons": person_ids},
                 details={"list_id": lst.id, "ground": g, "persons": [p for p, _r in person_ids]})
    return entry


def remove(session: Session, *, entry_id: int, document: str, reason: str, on: date | None = None,
           actor: Actor) -> ListEntry:
    entry = get_entry(session, entry_id)
    _may_keep(actor, session.get(CreditList, entry.list_id))
    rules.removable(entry.status, document)
    entry.status, entry.removed_on = "removed", on or today()
    entry.removal_document, entry.removal_reason = document, reason
    session.flush()
    audit.append(session, action="list-entry:remove", actor=actor, object_type="list_entry", object_id=entry.id,
                 subject_id=entry.subject_id, content={"document": document, "reason": reason},
                 details={"removed_on": entry.removed_on.isoformat()})
    return entry


def apply_remedy(session: Session, *, entry_id: int, reason: str, actor: Actor) -> ListRemedy:
    entry = get_entry(session, entry_id)
    rules.remedy_allowed(entry.subject_id, actor.subject_id if actor.role == "subject" else None, entry.status)
    rem = ListRemedy(entry_id=entry.id, subject_id=entry.subject_id, reason=reason, applied_on=today(),
                     status="pending")
    session.add(rem)
    session.flush()
    audit.append(session, action="list-remedy:apply", actor=actor, object_type="list_remedy", object_id=rem.id,
                 subject_id=entry.subject_id, content={"entry": entry.id, "reason": reason})
    return rem


def decide_remedy(session: Session, *, remedy_id: int, decided_by: str, outcome: str, document: str,
                  actor: Actor) -> ListRemedy:
    """The outcome from the listing organ, a reconsideration organ or a court (entered by the keeper or
    the console); a revocation removes the entry."""
    rem = session.get(ListRemedy, remedy_id)
    if rem is None:
        raise NotFound(msg("no remedy {remedy_id}", remedy_id=remedy_id), field="remedy")
    entry = get_entry(session, rem.entry_id)
    _may_keep(actor, session.get(CreditList, entry.list_id))
    rules.remedy_pending(rem.status)
    rules.remedy_outcome(decided_by, outcome, document)
    rem.status, rem.decided_by, rem.outcome_document, rem.decided_on = outcome, decided_by, document, today()
    if outcome == "revoked":
        entry.status, entry.removed_on, entry.removal_document = "revoked", today(), document
        entry.removal_reason = f"revoked on remedy ({decided_by})"
        audit.append(session, action="list-entry:revoke", actor=actor, object_type="list_entry",
                     object_id=entry.id, subject_id=entry.subject_id,
                     content={"remedy": rem.id, "document": document, "decided_by": decided_by},
                     details={"remedy_id": rem.id, "decided_by": decided_by})
    session.flush()
    audit.append(session, action=f"list-remedy:{outcome}", actor=actor, object_type="list_remedy",
                 object_id=rem.id, subject_id=entry.subject_id,
                 content={"document": document, "decided_by": decided_by})
    return rem


def view_list(lst: CreditList) -> dict[str, Any]:
    return {
        "id": lst.id, "code": lst.code, "name": lst.name, "kind": lst.kind, "keeper_organ": lst.keeper_organ,
        "entry_standard": lst.entry_standard, "legal_basis": lst.legal_basis,
        "comment_period": {"from": lst.comment_from.isoformat() if lst.comment_from else None,
                           "to": lst.comment_to.isoformat() if lst.comment_to else None,
                           "minimum_days": rules.comment_min_days(lst.published_on or today()),
                           "minimum_source": rules.COMMENT_SOURCE},
        "entry_requirements": lst.entry_requirements, "removal_requirements": lst.removal_requirements,
        "remedy_paths": lst.remedy_paths, "state": lst.state,
        "published_on": lst.published_on.isoformat() if lst.published_on else None,
        "disclosure": {"level": lst.disclosure, "basis": lst.public_basis, "basis_level": lst.public_basis_level},
    }


def view_entry(session: Session, entry: ListEntry) -> dict[str, Any]:
    lst = session.get(CreditList, entry.list_id)
    subj = session.get(Subject, entry.subject_id)
    persons = session.execute(select(ListEntryPerson.role, Subject.name, Subject.identifier)
                              .join(Subject, Subject.id == ListEntryPerson.subject_id)
                              .where(ListEntryPerson.entry_id == entry.id).order_by(ListEntryPerson.id)).all()
    return {
        "id": entry.id, "list": {"id": lst.id, "code": lst.code, "name": lst.name, "kind": lst.kind},
        "subject": {"id": subj.id, "name": subj.name,
                    "identifier": mask_ric(subj.identifier) if subj.kind == "natural_person" else subj.identifier},
        "ground": entry.ground, "article": ground_article(lst.kind, entry.ground),
        "ground_text": entry.ground_text, "document": entry.document, "decided_on": entry.decided_on.isoformat(),
        "status": entry.status, "removed_on": entry.removed_on.isoformat() if entry.removed_on else None,
        "removal_document": entry.removal_document,
        "persons": [{"role": r, "name": n, "identifier": mask_ric(i)} for r, n, i in persons],
    }


def ground_article(kind: str, ground: str | None) -> str:
    return f"Art. 25.2{ground}" if kind == rules.BLACK and ground else ("Art. 29" if kind == rules.RED else "Art. 25")


_active_statements: dict[tuple[str, bool], Any] = {}


def _active_entries_statement(dialect: str, many: bool):
    """Listed entries on published lists naming the subjects, as the listed subject or as a responsible
    person (Art. 33): one statement, built once. PostgreSQL takes several ids as one array."""
    stmt = _active_statements.get((dialect, many))
    if stmt is None:
        E, L, P = ListEntry.__table__, CreditList.__table__, ListEntryPerson.__table__

        def among(column):
            if not many:
                return column == bindparam("id")
            if dialect == "postgresql":
                return column == any_(bindparam("ids", type_=ARRAY(column.type)))
            return column.in_(bindparam("ids", expanding=True))

        in_force = (E.c.status == "listed", L.c.state == "published", L.c.published_on <= bindparam("on"))
        cols = (E.c.id, E.c.list_id, E.c.ground, E.c.document, E.c.decided_on, L.c.kind, L.c.name, L.c.code)
        as_subject = (select(E.c.subject_id.label("key"), *cols, literal("subject").label("relation"),
                             null().label("role"))
                      .select_from(E.join(L, L.c.id == E.c.list_id)).where(*in_force, among(E.c.subject_id)))
        as_person = (select(P.c.subject_id.label("key"), *cols, literal("responsible").label("relation"),
                            P.c.role.label("role"))
                     .select_from(P.join(E, E.c.id == P.c.entry_id).join(L, L.c.id == E.c.list_id))
                     .where(*in_force, among(P.c.subject_id)))
        both = union_all(as_subject, as_person).subquery()
        stmt = _active_statements[(dialect, many)] = select(both).order_by(both.c.key, both.c.id, both.c.relation.desc())
    return stmt


def active_entries(session: Session, subject_ids: list[int], on: date) -> dict[int, list[dict[str, Any]]]:
    """Listed entries on published lists, per subject: as the listed subject ("subject") and as a
    responsible person of a listed organization ("responsible", Art. 33). One statement per 500 subjects."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not subject_ids:
        return out
    conn = session.connection()
    ids = sorted(set(subject_ids))
    if len(ids) == 1:
        parts = [(_active_entries_statement(conn.dialect.name, False), {"id": ids[0], "on": on})]
    else:
        stmt = _active_entries_statement(conn.dialect.name, True)
        parts = [(stmt, {"ids": ids[i:i + 500], "on": on}) for i in range(0, len(ids), 500)]
    for stmt, params in parts:
        for row in conn.execute(stmt, params):
            out[row.key].append(entry_ground(row, row.relation, row.role))
    return out


def listed_entry_ids(session: Session, entry_ids: list[int], on: date) -> set[int]:
    """Of these entries, those still listed on a published list on ``on``."""
    E, L = ListEntry.__table__, CreditList.__table__
    return set(session.scalars(select(E.c.id).join(L, L.c.id == E.c.list_id).where(
        E.c.id.in_(sorted(set(entry_ids))), E.c.status == "listed", L.c.state == "published",
        L.c.published_on <= on)))


def entry_ground(row: Any, relation: str, role: str | None) -> dict[str, Any]:
    """A list entry as the ground of a measure: the list, the ground and its article (Art. 33 for a person
    responsible for a listed organization's act), the document and the day it was decided."""
    return {"type": "list-entry", "entry_id": row.id, "list_id": row.list_id, "list": row.name,
            "list_code": row.code, "list_kind": row.kind, "ground": row.ground,
            "article": ground_article(row.kind, row.ground) if relation == "subject" else "Art. 33",
            "document": row.document, "decided_on": row.decided_on.isoformat(), "relation": relation,
            "role": role}


def remedies(session: Session, *, entry_id: int | None = None, subject_id: int | None = None) -> list[dict[str, Any]]:
    """Remedies applied for (Art. 25.3), with their status and outcome; of one entry, of one subject, or all."""
    q = (select(ListRemedy, ListEntry.status, CreditList.id, CreditList.code, Subject.name, Subject.kind,
                Subject.identifier)
         .join(ListEntry, ListEntry.id == ListRemedy.entry_id).join(CreditList, CreditList.id == ListEntry.list_id)
         .join(Subject, Subject.id == ListRemedy.subject_id).order_by(ListRemedy.id))
    if entry_id is not None:
        get_entry(session, entry_id)
        q = q.where(ListRemedy.entry_id == entry_id)
    if subject_id is not None:
        q = q.where(ListRemedy.subject_id == subject_id)
    return [{"id": r.id, "entry_id": r.entry_id, "entry_status": entry_status,
             "list": {"id": list_id, "code": code},
             "subject": {"id": r.subject_id, "name": name,
                         "identifier": mask_ric(ident) if kind == "natural_person" else ident},
             "reason": r.reason, "applied_on": r.applied_on.isoformat(), "status": r.status,
             "decided_by": r.decided_by, "outcome_document": r.outcome_document,
             "decided_on": r.decided_on.isoformat() if r.decided_on else None}
            for r, entry_status, list_id, code, name, kind, ident in session.execute(q)]


# --------------------------------------------------------------------------------------------
# the comment record (Art. 24) and what is published of each list (Art. 24, 25.3)


def record_comment(session: Session, *, list_id: int | str, received_on: date, summary: str,
                   actor: Actor) -> ListComment:
    """A comment received on the list's standard during its comment period, as the keeper summarises it (no
    commenter named; ID-shaped numbers masked)."""
    from ..record.fields import mask_id_shaped

    lst = get_list(session, list_id)
    _may_keep(actor, lst)
    rules.comment_in_period(received_on, lst.comment_from, lst.comment_to)
    summary = mask_id_shaped((summary or "").strip())
    if not summary:
        raise InvalidInput("say what the comment was", field="summary")
    c = ListComment(list_id=lst.id, received_on=received_on, summary=summary, created_at=now())
    session.add(c)
    session.flush()
    audit.append(session, action="list-comment:record", actor=actor, object_type="list_comment", object_id=c.id,
                 content=comment_view(c), details={"list_id": lst.id})
    return c


def respond_to_comment(session: Session, *, comment_id: int, response: str, on: date | None = None,
                       actor: Actor) -> ListComment:
    """The keeper's response to a comment (Art. 24): how the standard took it up, or why not."""
    from ..record.fields import mask_id_shaped

    c = session.get(ListComment, comment_id)
    if c is None:
        raise NotFound(msg("no comment {comment_id}", comment_id=comment_id), field="comment")
    _may_keep(actor, session.get(CreditList, c.list_id))
    response = mask_id_shaped((response or "").strip())
    if not response:
        raise InvalidInput("say how the comment was answered", field="response")
    c.response, c.responded_on = response, on or today()
    session.flush()
    audit.append(session, action="list-comment:respond", actor=actor, object_type="list_comment", object_id=c.id,
                 content=comment_view(c), details={"list_id": c.list_id})
    return c


def comment_view(c: ListComment) -> dict[str, Any]:
    return {"id": c.id, "received_on": c.received_on.isoformat(), "summary": c.summary, "response": c.response,
            "responded_on": c.responded_on.isoformat() if c.responded_on else None}


def comments_of(session: Session, list_id: int) -> list[dict[str, Any]]:
    return [comment_view(c) for c in session.scalars(select(ListComment).where(ListComment.list_id == list_id)
                                                     .order_by(ListComment.received_on, ListComment.id))]


def _put_out(lst: CreditList) -> bool:
    """A list the public is told about: published, or its standard put out for comment (Art. 24)."""
    return lst.state == "published" or (lst.state == "draft" and lst.comment_from is not None)


def _public_view(session: Session, lst: CreditList) -> dict[str, Any]:
    comments = comments_of(session, lst.id)
    published = lst.state == "published"
    return {
        "code": lst.code, "name": lst.name, "kind": lst.kind, "keeper_organ": lst.keeper_organ,
        "entry_standard": lst.entry_standard, "legal_basis": lst.legal_basis, "state": lst.state,
        "published_on": lst.published_on.isoformat() if lst.published_on else None,
        "comment_period": {"from": lst.comment_from.isoformat() if lst.comment_from else None,
                           "to": lst.comment_to.isoformat() if lst.comment_to else None},
        "comments_received": len(comments),
        "comments_answered": sum(1 for c in comments if c["response"]),
        "comments": comments,
        # Art. 25.3: published with the list, and only then binding
        "conditions": {"entry": lst.entry_requirements, "removal": lst.removal_requirements,
                       "remedies": lst.remedy_paths} if published else None,
        "disclosure": {"level": lst.disclosure, "basis": lst.public_basis, "basis_level": lst.public_basis_level},
    }


def public_lists(session: Session) -> list[dict[str, Any]]:
    """Every list published or put out for comment, with its standard and its comment record (no entries)."""
    return [_public_view(session, lst) for lst in session.scalars(select(CreditList).order_by(CreditList.code))
            if _put_out(lst)]


def public_list(session: Session, ident: str, *, channel: str, on: date | None = None) -> dict[str, Any]:
    """One list as published: its standard and comment record (Art. 24); when published, its entry and removal
    conditions and remedy paths and its entries in force as the public may see them (Art. 25.3)."""
    day = on or today()
    lst = session.scalar(select(CreditList).where(CreditList.code == str(ident).strip()))
    if lst is None or not _put_out(lst):
        raise NotFound(msg("no list {ident} is published or put out for comment", ident=ident), field="list")
    out = _public_view(session, lst)
    out["entries"] = public_entries(session, lst, day, channel=channel) if lst.state == "published" else None
    return out


def public_entries(session: Session, lst: CreditList, day: date, *, channel: str) -> list[dict[str, Any]]:
    """A published list's entries in force as the anonymous public may see them: for each listed subject the one
    visibility decision for the public (``inquiry.service.decide_many``, the public actor, with lists), and only
    the entries it lets the public see (a public list's organizations; natural persons only where the list is
    opened for them on an external basis, their numbers masked). Every subject whose entry is shown is an inquiry
    by the public, logged with exactly the entry revealed (``inquiry.service.log``)."""
    from ..auth import PUBLIC
    from ..inquiry import rules as visibility
    from ..inquiry import service as inquiry

    E = ListEntry.__table__
    rows = session.execute(select(E.c.id, E.c.subject_id, E.c.ground, E.c.ground_text, E.c.document,
                                  E.c.decided_on).where(E.c.list_id == lst.id, E.c.status == "listed",
                                                        E.c.decided_on <= day)
                           .order_by(E.c.decided_on.desc(), E.c.id)).all()
    if not rows:
        return []
    ids = sorted({r.subject_id for r in rows})
    found = inquiry.load_subjects(session.connection(), ids=ids, lean=True)
    loaded = [found[i] for i in ids if i in found]
    decided = inquiry.decide_many(session, actor=PUBLIC, loaded=loaded, purpose=None, on=day, with_lists=True)
    by_subject = {d.loaded.target["id"]: d for d in decided}
    shown: dict[int, list[int]] = {}
    out = []
    for r in rows:
        d = by_subject.get(r.subject_id)
        if d is None or not visibility.entry_visible(lst.id, d.decision):
            continue
        subject = inquiry.subject_view(d.loaded.target, d.decision)
        shown.setdefault(r.subject_id, []).append(r.id)
        out.append({"entry_id": r.id, "name": subject.get("name") or "", "kind": subject["kind"],
                    "identifier": subject["identifier"], "ground": r.ground,
                    "article": ground_article(lst.kind, r.ground), "ground_text": r.ground_text,
                    "document": r.document, "decided_on": r.decided_on.isoformat(),
                    "deregistered_on": subject.get("deregistered_on")})
    logged = [d for d in decided if d.loaded.target["id"] in shown]
    if logged:
        inquiry.log(session, actor=PUBLIC, decided=logged, channel=channel,
                    revealed=[([], shown[d.loaded.target["id"]]) for d in logged])
    return out
