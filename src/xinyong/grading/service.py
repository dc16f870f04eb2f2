"""Grades (Art. 23), computed at read time: load the subject's records and list entries → rules → view.

Nothing is stored, so a grade is recomputed whenever a record or list entry changes (a revocation,
a restoration, the end of an Art. 35 period, a removal from a list). Reading never writes, except
the inquiry log for a request by an organ or the console (``grade_for_organ``), which the front door
commits.

A grade given to anyone but the subject is computed from what the one visibility decision lets that asker
see, and from nothing else: a grade that counted hidden records would tell the asker they exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import Actor
from ..clock import today
from ..errors import Forbidden, NotFound, RuleViolation, msg
from ..inquiry import rules as visibility
from ..inquiry import service as inquiries
from ..listing import service as listing
from ..models import CatalogItem, Record, Subject
from ..subject import service as subjects
from ..subject.identifiers import mask_ric
from . import rules


def find_subject(session: Session, raw: str) -> Subject:
    return subjects.find(session, raw)


def grade(session: Session, *, subject_id: int, decision: visibility.Decision | None = None,
          on: date | None = None) -> dict[str, Any]:
    """The grade of one subject with every contribution explained.

    ``decision``: the visibility decision for the asker (None: the subject itself). Only the records and list
    entries it lets the asker see are counted.
    """
    day = on or today()
    subj = session.get(Subject, subject_id)
    if subj is None:
        raise NotFound(msg("no subject {subject_id}", subject_id=subject_id), field="subject")
    basis = rules.may_grade(subj.kind, rules.natural_persons_basis())
    t = rules.table()
    rows = session.execute(
        select(Record.id, Record.item_code, Record.untrustworthy, Record.severity, Record.ended_on, Record.status,
               Record.doc_no, Record.doc_date, Record.objection_open, CatalogItem.name_zh, CatalogItem.name_en)
        .join(CatalogItem, CatalogItem.code == Record.item_code)
        .where(Record.subject_id == subject_id).order_by(Record.doc_date, Record.id)).all()
    if decision is not None:
        rows = [r for r in rows if visibility.servable(visibility.RecordFacts(
            r.id, r.item_code, r.untrustworthy, r.ended_on, r.status, r.objection_open), decision, day)[0]]
    by_id = {r.id: r for r in rows}
    entries = [e for e in listing.active_entries(session, [subject_id], day).get(subject_id, [])
               if e["relation"] == "subject" and (decision is None or visibility.entry_visible(e["list_id"], decision))]
    by_entry = {e["entry_id"]: e for e in entries}
    score, letter, parts = rules.grade(
        t, [rules.RecordFacts(r.id, r.item_code, r.untrustworthy, r.severity, r.ended_on, r.status) for r in rows],
        [rules.EntryFacts(e["entry_id"], e["list_kind"]) for e in entries], day)
    contributions = []
    for kind, ident, line in parts:
        rule_line = {"id": line.id, "text": line.text, "version": t.version}
        if kind == "record":
            r = by_id[ident]
            item = {"code": r.item_code, "name_zh": r.name_zh, "name_en": r.name_en}
            contributions.append({"type": "record", "record_id": r.id, "item": item,
                                  "document": {"number": r.doc_no, "date": r.doc_date.isoformat()},
                                  "markers": ["under_objection"] if r.objection_open else [],
                                  "rule": rule_line, "points": line.points})
        else:
            e = by_entry[ident]
            contributions.append({"type": "list-entry", "entry_id": ident,
                                  "list": {"code": e["list_code"], "name": e["list"], "kind": e["list_kind"]},
                                  "article": e["article"], "document": {"number": e["document"],
                                                                        "date": e["decided_on"]},
                                  "rule": rule_line, "points": line.points})
    return {
        "subject": {"id": subj.id, "kind": subj.kind, "name": subj.name,
                    "identifier": mask_ric(subj.identifier) if subj.kind == "natural_person" else subj.identifier},
        "grade": letter, "score": score, "start": t.start, "on": day.isoformat(), "article": "Art. 23",
        "rules": {"version": t.version, "published_on": t.published_on, "source": t.source,
                  "scale": [{"grade": g, "min": m} for g, m in t.scale]},
        "legal_basis_for_natural_persons": basis,
        "contributions": contributions,
        "computed": ("at read time from the records and list entries in force; recomputed when they change"
                     + ("" if decision is None or decision.self_view else
                        "; only those this inquirer may see are counted")),
    }


GRADERS = ("administrative", "operator", "console")


def grade_for_organ(session: Session, *, actor: Actor, subject: str, purpose: str | None,
                    case_no: str | None = None, channel: str = "api"
                    ) -> tuple[inquiries.Answer, dict[str, Any] | None]:
    """An organ's request (or the Center's, on a case): an inquiry, decided and logged; a natural person
    without a basis is refused (Art. 23) before the inquiry policy runs, and that refusal is logged too.
    The grade counts only what the asker may see, and explains every point.
    The caller commits, then calls ``answer.raise_if_denied()``."""
    if actor.role not in GRADERS:
        raise Forbidden("grades are given to administrative organs and to the Center handling a case; "
                        "other units inquire (POST /api/v1/inquiries)")
    try:
        subj = find_subject(session, subject)
    except NotFound:  # an unknown subject is logged as asked for (by digest), like any inquiry
        return inquiries.inquire(session, actor=actor, subject=subject, purpose=purpose, case_no=case_no,
                                 channel=channel), None
    try:
        rules.may_grade(subj.kind, rules.natural_persons_basis())
    except RuleViolation as exc:
        return inquiries.log_refusal(session, actor=actor, subject_id=subj.id, purpose=purpose, channel=channel,
                                     article=exc.article, reason=exc.message, case_no=case_no), None
    answer = inquiries.inquire(session, actor=actor, subject_id=subj.id, purpose=purpose, case_no=case_no,
                               channel=channel, with_lists=True)
    if not answer.allowed:
        return answer, None
    out = grade(session, subject_id=subj.id, decision=answer.decision)
    out["inquiry_id"] = answer.inquiry_id
    return answer, out
