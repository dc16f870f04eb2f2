"""The application list (Art. 22), the pre-decision check (Art. 28–33) and applications (Art. 32).

Every subject checked is an inquiry (``inquiry.service.inquire``): logged, shown to the subject, and
passing its grounds through the inquiry policy. Flushes, never commits: the front door commits the
check (all its inquiries) in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import refcache
from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
from ..errors import Forbidden, InvalidInput, NotFound
from ..inquiry import service as inquiry
from ..inquiry.rules import Decision, RecordFacts, servable
from ..listing import service as listing
from ..models import CatalogItem, Measure, MeasureApplication, MeasureCheck, Record
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
    refcache.invalidate()
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
    refcache.invalidate()
    return m


def withdraw(session: Session, *, measure: int | str, actor: Actor) -> Measure:
    rules.may_compile(actor.role)
    m = get(session, measure)
    if m.state == "withdrawn":
        raise InvalidInput(f"the measure was withdrawn on {m.withdrawn_on}", field="measure")
    m.state, m.withdrawn_on = "withdrawn", today()
    session.flush()
    audit.append(session, action="measure:withdraw", actor=actor, object_type="measure", object_id=m.id,
                 content=view(m), details={"withdrawn_on": m.withdrawn_on.isoformat()})
    refcache.invalidate()
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


def _published(session: Session) -> list[tuple[rules.MeasureFacts, dict[str, Any]]]:
    """The published lines of the application list with what an answer shows of them, from the reference
    cache (invalidated by add/publish/withdraw in this process; other processes see a change within
    ``refcache.TTL_SECONDS``, and ``apply`` re-reads the measure, so a withdrawn one is never applied)."""
    def load() -> list[tuple[rules.MeasureFacts, dict[str, Any]]]:
        return [(_facts(m), _brief(m)) for m in session.scalars(select(Measure).where(Measure.state == "published")
                                                                  .order_by(Measure.id))]

    return refcache.get(("measures", refcache.database_key(session)), load)


# --------------------------------------------------------------------------------------------
# the check


def check(session: Session, *, actor: Actor, subjects_raw: list[str], context: str, channel: str,
          on: date | None = None) -> dict[str, Any]:
    """Which announced measures apply to each subject in this Art. 28 context, with basis and grounds.

    Every subject asked about is an inquiry (``inquiry.service.answer_many``), logged with the check.
    An identifier that is not valid is answered with its error, in its place; the others are checked.
    Hot path: the subjects with their records in one statement (per 500), their list entries in one,
    the log rows and the check row each with their audit events; the application list is cached.
    """
    rules.may_check(actor.role, actor.officer)
    check_purpose(context)
    if not subjects_raw:
        raise InvalidInput("name at least one subject", field="subjects")
    if len(subjects_raw) > MAX_SUBJECTS:
        raise InvalidInput(f"at most {MAX_SUBJECTS} subjects in one check", field="subjects")
    day = on or today()
    asked: list[tuple[int, Any, str]] = []  # (position, identifier, digest)
    invalid: dict[int, InvalidInput] = {}
    for i, raw in enumerate(subjects_raw):
        try:
            ident = parse_identifier(raw, today=day, allow_unlisted_region=True)
        except InvalidInput as exc:
            invalid[i] = exc
            continue
        asked.append((i, ident, subjects.identifier_digest(ident)))
    if not asked:
        first = min(invalid)
        raise InvalidInput(f"no valid identifier among the subjects; subjects[{first}]: {invalid[first].message}",
                           field=f"subjects[{first}]", article=invalid[first].article)
    conn = session.connection()
    found = inquiry.load_subjects(conn, digests=[d for _i, _id, d in asked], lean=True)
    measures = [(f, brief) for f, brief in _published(session)
                if context in f.contexts and rules.announced(f.state, f.published_on, day)]
    triggers = {c for f, _b in measures for c in f.incident_items}
    listed = sorted({ld.target["id"] for ld in found.values() if ld.listed})
    entries = (listing.active_entries(session, listed, day) if any(f.incident_lists for f, _b in measures)
               else {})
    loaded = [found.get(d) or inquiry.Loaded(None, [], d, ident.masked()) for _i, ident, d in asked]
    out: list[dict[str, Any] | None] = [None] * len(subjects_raw)
    for i, exc in invalid.items():
        out[i] = {"found": False, "measures": [],
                  "error": {"code": "invalid_identifier", "field": f"subjects[{i}]", "message": exc.message,
                            "article": exc.article}}

    def answer(answers: list[inquiry.Answer]):
        """The measures per subject, and the check's row (written with the inquiries' log rows)."""
        results: dict[str, dict[str, list]] = {}
        for (i, ident, _d), ld, ans in zip(asked, loaded, answers, strict=True):
            if ld.target is None:
                out[i] = {"subject": {"identifier": ident.masked()}, "found": False, "measures": []}
                continue
            sid, kind = ld.target["id"], ld.target["kind"]
            visible = {r["id"] for r in ans.records}
            records = _grounds_in_force(ld.rows, triggers, day)
            applying = []
            for f, brief in measures:
                grounds = rules.grounds_for(f, kind, context, day, records, entries.get(sid, []))
                if not grounds:
                    continue
                results.setdefault(str(sid), {})[str(f.id)] = [_stored(g, g.get("record_id") in visible)
                                                               for g in grounds]
                applying.append({**brief, "grounds": [rules.ground_view(g, g.get("record_id") in visible)
                                                      for g in grounds]})
            out[i] = {"subject": {"id": sid, "kind": kind, "identifier": ident.masked()}, "found": True,
                      "inquiry": {"decision": "allow" if ans.allowed else "deny", "article": ans.article},
                      "measures": applying}
        row = {"at": now(), "checked_on": day, "unit_id": actor.unit_id, "officer_label": actor.officer,
               "context": context, "subjects": len(subjects_raw), "results": results}
        event = audit.event_row(action="measure:check", actor=actor, object_type="measure_check", object_id="",
                                content={**row, "at": row["at"].isoformat(), "checked_on": day.isoformat()},
                                details={"context": context, "subjects": len(subjects_raw),
                                         "invalid": len(invalid), "with_measures": len(results)})
        return MeasureCheck.__table__, row, event

    answers, check_id = inquiry.answer_many_with(session, actor=actor, loaded=loaded, purpose=context,
                                                 channel=channel, on=day, record_views=False, also=answer)
    for (i, _ident, _d), ans in zip(asked, answers, strict=True):
        out[i]["inquiry_id"] = ans.inquiry_id
    return {"check_id": check_id, "context": context, "checked_on": day.isoformat(), "subjects": out}


def _brief(m: Measure) -> dict[str, Any]:
    return {"id": m.id, "code": m.code, "name": m.name, "measure": m.description, "kind": m.kind,
            "article": m.article, "implementing_organ": m.implementing_organ,
            "basis": {"text": m.basis_text, "level": m.basis_level},
            "published_on": m.published_on.isoformat() if m.published_on else None}


def _stored(g: dict, visible: bool) -> dict:
    if g["type"] == "record":
        return {"type": "record", "record_id": g["record_id"], "item": g["item"], "article": g["article"],
                "visible_to_organ": visible}
    return {k: g[k] for k in ("type", "entry_id", "list_id", "list", "ground", "article", "document",
                              "relation", "role")}


_R = Record.__table__


def _grounds_in_force(rows: list, items: set[str], day: date) -> list[dict]:
    """The subject's records of the trigger items that are in force (not revoked, withdrawn, restored,
    nor past the Art. 35 period) — whether or not this organ may see them (``ground_view`` hides them)."""
    out = []
    for r in rows:
        if r.item_code not in items:
            continue
        scope = Decision(True, "", "", frozenset((r.item_code,)))
        ok, markers = servable(RecordFacts(r.id, r.item_code, r.untrustworthy, r.ended_on, r.status,
                                           r.objection_open), scope, day)
        if ok:
            out.append({"type": "record", "record_id": r.id, "item": r.item_code, "item_name": r.item_zh,
                        "article": r.item_article,
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
    returned = rules.application_grounds(chk.results.get(str(subj.id)), m.id)
    records, entries = _grounds_in_force_now(session, returned, today())
    grounds = rules.grounds_still_hold(returned, records, entries)
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


def _grounds_in_force_now(session: Session, grounds: list[dict], day: date) -> tuple[set[int], set[int]]:
    """Of the records and list entries a check returned as grounds, those still in force today: a
    record revoked, withdrawn, restored or past its Art. 35 period since, or an entry removed or
    revoked since, no longer grounds a measure."""
    record_ids = [g["record_id"] for g in grounds if g.get("type") == "record" and "record_id" in g]
    entry_ids = [g["entry_id"] for g in grounds if g.get("type") == "list-entry" and not g.get("deleted")]
    records: set[int] = set()
    if record_ids:
        for r in session.execute(select(_R.c.id, _R.c.item_code, _R.c.untrustworthy, _R.c.ended_on, _R.c.status,
                                        _R.c.objection_open).where(_R.c.id.in_(record_ids))):
            scope = Decision(True, "", "", frozenset((r.item_code,)))
            if servable(RecordFacts(r.id, r.item_code, r.untrustworthy, r.ended_on, r.status, r.objection_open),
                        scope, day)[0]:
                records.add(r.id)
    entries = listing.listed_entry_ids(session, entry_ids, day) if entry_ids else set()
    return records, entries


def applied_to(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """The measures applied to a subject, with their basis and grounds (Art. 32.1) — all of them visible
    to the subject itself."""
    rows = session.execute(select(MeasureApplication, Measure).join(Measure, Measure.id == MeasureApplication.measure_id)
                           .where(MeasureApplication.subject_id == subject_id)
                           .order_by(MeasureApplication.id)).all()
    rec_ids = [g["record_id"] for a, _m in rows for g in a.grounds if g["type"] == "record" and not g.get("deleted")]
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
            if g["type"] == "record" and not g.get("deleted"):
                g["document"] = docs.get(g["record_id"])
            grounds.append(g)
        out.append({"id": a.id, "measure": _brief(m), "document": a.document, "decided_on": a.decided_on.isoformat(),
                    "check_id": a.check_id, "grounds": grounds})
    return out
