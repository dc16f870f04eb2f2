"""The application list (Art. 22), the pre-decision check (Art. 28–33) and applications (Art. 32).

Every subject checked is an inquiry (``inquiry.service.inquire``): logged, shown to the subject, and
passing its grounds through the inquiry policy. Flushes, never commits: the front door commits the
check (all its inquiries) in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
from ..db import one_of
from ..errors import Forbidden, InvalidInput, NotFound
from ..inquiry import service as inquiry
from ..inquiry.rules import Decision, RecordFacts, servable
from ..listing import service as listing
from ..models import CatalogItem, Measure, MeasureApplication, MeasureCheck, Record, Subject
from ..subject import service as subjects
from ..subject.identifiers import parse_identifier
from ..unit.rules import check_purpose
from . import rules

MAX_SUBJECTS = 1000


def get(session: Session, ident: int | str) -> Measure:
    text = str(ident).strip()
    m = (session.get(Measure, int(text)) if text.isdigit()
         else session.scalar(select(Measure).where(Measure.code == text)))
    if m is None:
        raise NotFound(f"no measure {ident}", field="measure")
    return m


def add(session: Session, *, code: str, name: str, description: str, kind: str, item: str | int,
        incident: str, incident_items: list[str], incident_lists: list[int | str], targets: list[str],
        reaches_responsible: bool, contexts: list[str], implementing_organ: str, basis_text: str,
        basis_level: str, actor: Actor) -> Measure:
    """A draft line of the application list, compiled by the supervisor."""
    rules.may_compile(actor.role)
    article = rules.kind_article(kind, item)
    rules.basis_named(basis_text, basis_level)
    rules.restriction_basis(kind, basis_level)
    list_ids = [listing.get_list(session, x).id for x in incident_lists]
    known = {c for (c,) in session.execute(select(CatalogItem.code))}
    unknown = [c for c in incident_items if c not in known]
    if unknown:
        raise InvalidInput(f"unknown catalog items: {', '.join(unknown)}", field="incident_items")
    rules.columns_complete(incident, incident_items, list_ids, targets, implementing_organ, contexts)
    if session.scalar(select(Measure.id).where(Measure.code == code)) is not None or not code.strip():
        raise InvalidInput(f"measure code '{code}' is empty or taken", field="code")
    m = Measure(code=code, name=name, description=description, kind=kind, article=article, incident=incident,
                incident_items=list(incident_items), incident_lists=list_ids, targets=list(targets),
                reaches_responsible=reaches_responsible, contexts=list(contexts),
                implementing_organ=implementing_organ, basis_text=basis_text, basis_level=basis_level,
                state="draft", created_at=now())
    session.add(m)
    session.flush()
    audit.append(session, action="measure:add", actor=actor, object_type="measure", object_id=m.id,
                 content=view(m), details={"code": code, "kind": kind, "article": article})
    return m


def publish(session: Session, *, measure: int | str, on: date | None = None, actor: Actor) -> Measure:
    """Record the public announcement (Art. 22, 32.2) and its date."""
    rules.may_compile(actor.role)
    m = get(session, measure)
    if m.state != "draft":
        raise InvalidInput(f"the measure is {m.state}, not a draft", field="measure")
    rules.basis_named(m.basis_text, m.basis_level)
    rules.restriction_basis(m.kind, m.basis_level)
    m.state, m.published_on = "published", on or today()
    session.flush()
    audit.append(session, action="measure:publish", actor=actor, object_type="measure", object_id=m.id,
                 content=view(m), details={"published_on": m.published_on.isoformat()})
    return m


def withdraw(session: Session, *, measure: int | str, actor: Actor) -> Measure:
    rules.may_compile(actor.role)
    m = get(session, measure)
    m.state, m.withdrawn_on = "withdrawn", today()
    session.flush()
    audit.append(session, action="measure:withdraw", actor=actor, object_type="measure", object_id=m.id,
                 content=view(m), details={"withdrawn_on": m.withdrawn_on.isoformat()})
    return m


def view(m: Measure) -> dict[str, Any]:
    return {
        "id": m.id, "code": m.code, "name": m.name, "measure": m.description, "kind": m.kind, "article": m.article,
        "incident": {"text": m.incident, "items": m.incident_items, "lists": m.incident_lists},
        "target": {"kinds": m.targets, "reaches_responsible_persons": m.reaches_responsible},
        "contexts": m.contexts, "implementing_organ": m.implementing_organ,
        "basis": {"text": m.basis_text, "level": m.basis_level},
        "state": m.state, "published_on": m.published_on.isoformat() if m.published_on else None,
        "withdrawn_on": m.withdrawn_on.isoformat() if m.withdrawn_on else None,
    }


def application_list(session: Session, *, include_drafts: bool = False) -> list[dict[str, Any]]:
    """The published application list (drafts and withdrawn lines for the supervisor)."""
    q = select(Measure).order_by(Measure.id)
    if not include_drafts:
        q = q.where(Measure.state == "published")
    return [view(m) for m in session.scalars(q)]


def _facts(m: Measure) -> rules.MeasureFacts:
    return rules.MeasureFacts(m.id, m.kind, m.state, m.published_on, frozenset(m.targets), frozenset(m.contexts),
                              frozenset(m.incident_items), frozenset(m.incident_lists), m.reaches_responsible)


# --------------------------------------------------------------------------------------------
# the check


def check(session: Session, *, actor: Actor, subjects_raw: list[str], context: str, channel: str,
          on: date | None = None) -> dict[str, Any]:
    """Which announced measures apply to each subject in this Art. 28 context, with basis and grounds."""
    rules.may_check(actor.role, actor.officer)
    check_purpose(context)
    if not subjects_raw:
        raise InvalidInput("name at least one subject", field="subjects")
    if len(subjects_raw) > MAX_SUBJECTS:
        raise InvalidInput(f"at most {MAX_SUBJECTS} subjects in one check", field="subjects")
    day = on or today()
    idents = [parse_identifier(raw, today=day, allow_unlisted_region=True) for raw in subjects_raw]
    digests = [subjects.identifier_digest(i) for i in idents]
    dialect = session.get_bind().dialect.name
    known: dict[str, tuple[int, str]] = {}
    for start in range(0, len(digests), 500):
        part = digests[start:start + 500]
        for d, sid, kind in session.execute(select(Subject.identifier_digest, Subject.id, Subject.kind)
                                            .where(one_of(Subject.identifier_digest, part, dialect))):
            known[d] = (sid, kind)
    facts = [_facts(m) for m in session.scalars(select(Measure).where(Measure.state == "published"))]
    facts = [f for f in facts if rules.announced(f.state, f.published_on, day) and context in f.contexts]
    measures = {m.id: m for m in session.scalars(select(Measure).where(
        Measure.id.in_([f.id for f in facts]) if facts else Measure.id.is_(None)))}
    ids = sorted({sid for sid, _k in known.values()})
    records = _records_in_force(session, ids, {c for f in facts for c in f.incident_items}, day)
    entries = listing.active_entries(session, ids, day)
    results: dict[str, dict[str, list]] = {}
    answers = []
    for raw, ident, digest in zip(subjects_raw, idents, digests):
        if digest not in known:
            ans = inquiry.inquire(session, actor=actor, subject=raw, purpose=context, channel=channel, on=day)
            answers.append({"subject": {"identifier": ident.masked()}, "found": False, "inquiry_id": ans.inquiry_id,
                            "measures": []})
            continue
        sid, kind = known[digest]
        ans = inquiry.inquire(session, actor=actor, subject_id=sid, purpose=context, channel=channel, on=day)
        visible = {r["id"] for r in ans.records}
        out = []
        for f in facts:
            grounds = rules.grounds_for(f, kind, context, day, records.get(sid, []), entries.get(sid, []))
            if not grounds:
                continue
            stored = [_stored(g, g.get("record_id") in visible) for g in grounds]
            results.setdefault(str(sid), {})[str(f.id)] = stored
            m = measures[f.id]
            out.append({**_brief(m), "grounds": [rules.ground_view(_shown(g), g.get("record_id") in visible)
                                                  for g in grounds]})
        answers.append({"subject": {"id": sid, "kind": kind, "identifier": ident.masked()}, "found": True,
                        "inquiry_id": ans.inquiry_id,
                        "inquiry": {"decision": "allow" if ans.allowed else "deny", "article": ans.article},
                        "measures": out})
    row = {"at": now(), "checked_on": day, "unit_id": actor.unit_id, "officer_label": actor.officer,
           "context": context, "subjects": len(subjects_raw), "results": results}
    check_id = session.execute(insert(MeasureCheck.__table__).returning(MeasureCheck.__table__.c.id),
                               row).scalar_one()
    audit.append(session, action="measure:check", actor=actor, object_type="measure_check", object_id=check_id,
                 content={**row, "at": row["at"].isoformat(), "checked_on": day.isoformat()},
                 details={"context": context, "subjects": len(subjects_raw),
                          "with_measures": len(results)})
    return {"check_id": check_id, "context": context, "checked_on": day.isoformat(), "subjects": answers}


def _brief(m: Measure) -> dict[str, Any]:
    return {"id": m.id, "code": m.code, "name": m.name, "measure": m.description, "kind": m.kind,
            "article": m.article, "implementing_organ": m.implementing_organ,
            "basis": {"text": m.basis_text, "level": m.basis_level},
            "published_on": m.published_on.isoformat() if m.published_on else None}


def _shown(g: dict) -> dict:
    return {k: v for k, v in g.items() if k != "subject_id"}


def _stored(g: dict, visible: bool) -> dict:
    if g["type"] == "record":
        return {"type": "record", "record_id": g["record_id"], "item": g["item"], "article": g["article"],
                "visible_to_organ": visible}
    return {k: g[k] for k in ("type", "entry_id", "list_id", "list", "ground", "article", "document",
                              "relation", "role")}


_R = Record.__table__
_C = CatalogItem.__table__


def _records_in_force(session: Session, subject_ids: list[int], items: set[str], day: date) -> dict[int, list[dict]]:
    """The subjects' records of the trigger items that are in force (not revoked, withdrawn, restored,
    nor past the Art. 35 period) — whether or not this organ may see them. One query per 500 subjects."""
    out: dict[int, list[dict]] = {}
    if not subject_ids or not items:
        return out
    scope = Decision(True, "", "", frozenset(items))
    dialect = session.get_bind().dialect.name
    for start in range(0, len(subject_ids), 500):
        part = subject_ids[start:start + 500]
        q = (select(_R.c.id, _R.c.subject_id, _R.c.item_code, _R.c.untrustworthy, _R.c.ended_on, _R.c.status,
                    _R.c.objection_open, _R.c.doc_no, _R.c.doc_date, _R.c.doc_org, _C.c.article, _C.c.name_zh)
             .join(_C, _C.c.code == _R.c.item_code)
             .where(one_of(_R.c.subject_id, part, dialect), _R.c.item_code.in_(sorted(items))))
        for r in session.execute(q):
            ok, markers = servable(RecordFacts(r.id, r.item_code, r.untrustworthy, r.ended_on, r.status,
                                               r.objection_open), scope, day)
            if ok:
                out.setdefault(r.subject_id, []).append({
                    "type": "record", "record_id": r.id, "item": r.item_code, "item_name": r.name_zh,
                    "article": r.article,
                    "document": {"number": r.doc_no, "date": r.doc_date.isoformat(), "organ": r.doc_org},
                    "markers": list(markers)})
    return out


# --------------------------------------------------------------------------------------------
# applications


def apply(session: Session, *, check_id: int, measure: int | str, subject: str, document: str,
          actor: Actor) -> MeasureApplication:
    """The organ records that it applied a measure the check returned, on its decision document."""
    chk = session.get(MeasureCheck, check_id)
    if chk is None:
        raise NotFound(f"no check {check_id}", field="check")
    if actor.role != "console" and chk.unit_id != actor.unit_id:
        raise Forbidden("only the organ that made the check applies measures on it")
    m = get(session, measure)
    rules.check_announced(m.state, m.published_on, today())
    if not (document or "").strip():
        raise InvalidInput("name the decision document", field="document")
    subj = subjects.find(session, subject)
    grounds = rules.application_grounds(chk.results.get(str(subj.id)), m.id)
    app = MeasureApplication(measure_id=m.id, check_id=chk.id, subject_id=subj.id, unit_id=actor.unit_id,
                             officer_label=actor.officer, document=document, decided_on=today(), grounds=grounds,
                             applied_at=now())
    session.add(app)
    session.flush()
    audit.append(session, action="measure:apply", actor=actor, object_type="measure_application",
                 object_id=app.id, subject_id=subj.id,
                 content={"measure": m.id, "check": chk.id, "document": document, "grounds": grounds},
                 details={"measure_id": m.id, "check_id": chk.id})
    return app


def applied_to(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """The measures applied to a subject, with their basis and grounds (Art. 32.1) — all of them visible
    to the subject itself."""
    rows = session.execute(select(MeasureApplication, Measure).join(Measure, Measure.id == MeasureApplication.measure_id)
                           .where(MeasureApplication.subject_id == subject_id)
                           .order_by(MeasureApplication.id)).all()
    rec_ids = [g["record_id"] for a, _m in rows for g in a.grounds if g["type"] == "record"]
    docs = {}
    if rec_ids:
        docs = {r.id: {"number": r.doc_no, "date": r.doc_date.isoformat(), "organ": r.doc_org}
                for r in session.execute(select(_R.c.id, _R.c.doc_no, _R.c.doc_date, _R.c.doc_org)
                                         .where(_R.c.id.in_(rec_ids)))}
    out = []
    for a, m in rows:
        grounds = []
        for g in a.grounds:
            g = {k: v for k, v in g.items() if k != "visible_to_organ"}
            if g["type"] == "record":
                g["document"] = docs.get(g["record_id"])
            grounds.append(g)
        out.append({"id": a.id, "measure": _brief(m), "document": a.document, "decided_on": a.decided_on.isoformat(),
                    "check_id": a.check_id, "grounds": grounds})
    return out
