"""The application list (Art. 22), the pre-decision check (Art. 28–33) and applications (Art. 32).

Every subject checked is an inquiry: the check composes the inquiry service's two steps — the one visibility
decision for the checking organ and the context (``inquiry.service.decide_many``), then one log row per subject
with exactly what the answer revealed (``inquiry.service.log``). Flushes, never commits: the front door commits
the check (all its inquiries) in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import refcache, tokens
from ..audit import service as audit
from ..auth import Actor, token_digest
from ..clock import now, today
from ..errors import Forbidden, InvalidInput, NotFound, msg
from ..inquiry import rules as visibility
from ..inquiry import service as inquiry
from ..inquiry.rules import Decision, RecordFacts, servable
from ..listing import service as listing
from ..notice import service as notices
from ..models import CatalogItem, CreditList, Measure, MeasureApplication, MeasureCheck, Record, Unit
from ..subject import service as subjects
from ..subject.identifiers import parse_lookup
from ..unit import service as units
from ..unit.rules import PURPOSES, check_purpose
from . import reads, rules

MAX_SUBJECTS = 1000


def get(session: Session, ident: int | str) -> Measure:
    text = str(ident).strip()
    m = (session.get(Measure, int(text)) if text.isdigit()
         else session.scalar(select(Measure).where(Measure.code == text)))
    if m is None:
        raise NotFound(msg("no measure {ident}", ident=ident), field="measure")
    return m


def add(session: Session, *, code: str, name: str, description: str, kind: str, item: str | int,
        incident: str, incident_items: list[str], incident_lists: list[int | str], targets: list[str],
        reaches_responsible: bool, contexts: list[str], implementing_organ: str, basis_text: str,
        basis_level: str, actor: Actor, implementing_units: list[str] = (), implementing_class: str | None = None,
        check_basis: str | None = None, check_basis_level: str | None = None) -> Measure:
    """A draft line of the application list, compiled by the supervisor. ``implementing_units``: the USCCs of
    the organs that implement it (and/or ``implementing_class`` "context"); ``check_basis``: a law or
    administrative regulation obliging those organs to check its triggers (the exception of Art. 17.3)."""
    rules.may_compile(actor.role)
    article = rules.kind_article(kind, item)
    rules.basis_named(basis_text, basis_level)
    rules.restriction_basis(kind, basis_level)
    lists = [listing.get_list(session, x) for x in incident_lists]
    list_ids = [lst.id for lst in lists]
    known = {c for (c,) in session.execute(select(CatalogItem.code))}
    unknown = [c for c in incident_items if c not in known]
    if unknown:
        raise InvalidInput(msg("unknown catalog items: {unknown}", unknown=", ".join(unknown)), field="incident_items")
    rules.columns_complete(incident, incident_items, list_ids, targets, implementing_organ, contexts)
    rules.restriction_triggers(kind, list(incident_items), [lst.kind for lst in lists])
    unit_ids = [units.get_by_uscc(session, u).id for u in dict.fromkeys(implementing_units)]
    rules.implementing_named(unit_ids, implementing_class or None)
    check_basis = (check_basis or "").strip() or None
    rules.check_basis_valid(check_basis, check_basis_level or None)
    if session.scalar(select(Measure.id).where(Measure.code == code)) is not None or not code.strip():
        raise InvalidInput(msg("measure code '{code}' is empty or taken", code=code), field="code")
    m = Measure(code=code, name=name, description=description, kind=kind, article=article, incident=incident,
                incident_items=list(incident_items), incident_lists=list_ids, targets=list(targets),
                reaches_responsible=reaches_responsible, contexts=list(contexts),
                implementing_organ=implementing_organ, implementing_units=unit_ids,
                implementing_class=implementing_class or None, check_basis=check_basis,
                check_basis_level=check_basis_level if check_basis else None, basis_text=basis_text,
                basis_level=basis_level, state="draft", created_at=now())
    session.add(m)
    session.flush()
    audit.append(session, action="measure:add", actor=actor, object_type="measure", object_id=m.id,
                 content=view(m), details={"code": code, "kind": kind, "article": article})
    refcache.invalidate()
    return m


def publish(session: Session, *, measure: int | str, on: date | None = None, actor: Actor) -> Measure:
    """Record the public announcement (Art. 22, 32.2) and its date — refused while an implementing organ could
    not see one of its triggers for one of its contexts (Art. 17.2)."""
    rules.may_compile(actor.role)
    m = get(session, measure)
    if m.state != "draft":
        raise InvalidInput(msg("the measure is {state}, not a draft", state=m.state), field="measure")
    day = on or today()
    rules.basis_named(m.basis_text, m.basis_level)
    rules.restriction_basis(m.kind, m.basis_level)
    rules.triggers_visible(missing_triples(session, facts(m), day))
    m.state, m.published_on = "published", day
    session.flush()
    audit.append(session, action="measure:publish", actor=actor, object_type="measure", object_id=m.id,
                 content=view(m), details={"published_on": m.published_on.isoformat()})
    refcache.invalidate()
    return m


def announce(session: Session, *, measure: int | str, announced_in: str, document: str, on: date | None = None,
             actor: Actor) -> Measure:
    """Record the supervisor's official announcement of a measure: where (the gazette, 信用上海, a national
    memorandum), its document and its date (Art. 22). From that date, and while the measure is published on the
    application list, it counts as announced (Art. 32.2). A later announcement replaces the record (audited)."""
    rules.may_compile(actor.role)
    m = get(session, measure)
    if m.state == "withdrawn":
        raise InvalidInput(msg("the measure was withdrawn on {withdrawn_on}", withdrawn_on=m.withdrawn_on),
                           field="measure")
    document = (document or "").strip()
    rules.announcement_valid(announced_in, document)
    m.announced_in, m.announcement_document, m.announced_on = announced_in, document, on or today()
    session.flush()
    audit.append(session, action="measure:announce", actor=actor, object_type="measure", object_id=m.id,
                 content=view(m), details={"announced_in": announced_in, "announced_on": m.announced_on.isoformat()})
    refcache.invalidate()
    return m


def withdraw(session: Session, *, measure: int | str, actor: Actor) -> Measure:
    rules.may_compile(actor.role)
    m = get(session, measure)
    if m.state == "withdrawn":
        raise InvalidInput(msg("the measure was withdrawn on {withdrawn_on}", withdrawn_on=m.withdrawn_on),
                           field="measure")
    m.state, m.withdrawn_on = "withdrawn", today()
    session.flush()
    audit.append(session, action="measure:withdraw", actor=actor, object_type="measure", object_id=m.id,
                 content=view(m), details={"withdrawn_on": m.withdrawn_on.isoformat()})
    refcache.invalidate()
    return m


# --- who may see a measure's triggers (the one visibility decision, for the organs that implement it) -----


def _organ_request(unit: Unit, purpose: str, target_kind: str, m: rules.MeasureFacts) -> visibility.Request:
    """The request an implementing organ's check would make, for any subject of ``target_kind``: the same
    decision, with no subject data (the triggers' visibility is configuration only)."""
    basis = _measure_basis(m)
    return visibility.Request(role=unit.kind, target_id=None, target_kind=target_kind, purpose=purpose,
                              unit_id=unit.id, officer="(publication)", mandate=unit.mandate is not None,
                              measure_basis=basis)


def _measure_basis(m: rules.MeasureFacts) -> visibility.MeasureBasis | None:
    if not m.check_basis:
        return None
    return visibility.MeasureBasis(m.code, m.check_basis_level or "", m.check_basis, m.incident_items)


def _implementing_organs(session: Session, m: rules.MeasureFacts,
                         organ_lists: dict[int, tuple[dict, dict]]) -> list[tuple[Unit, list[str]]]:
    """The organs implementing ``m`` with the contexts each implements it in: the named organs in every context;
    for the class "context", every organ whose published inquiry list covers one of the contexts, in those."""
    out: dict[int, tuple[Unit, list[str]]] = {}
    for uid in m.implementing_units:
        out[uid] = (session.get(Unit, uid), sorted(m.contexts))
    if m.implementing_class == "context":
        for uid, (items, lsts) in organ_lists.items():
            covered = sorted({p for _i, p in items} | {p for _l, p in lsts}) if uid not in out else []
            ctx = [c for c in covered if c in m.contexts]
            if ctx:
                out[uid] = (session.get(Unit, uid), ctx)
    return [v for v in out.values() if v[0] is not None and v[0].active]


def _all_organ_lists(session: Session) -> dict[int, tuple[dict, dict]]:
    from ..models import UnitInquiryItem, UnitInquiryList

    out: dict[int, tuple[dict, dict]] = {}
    for uid, item, purpose, day in session.execute(select(UnitInquiryItem.unit_id, UnitInquiryItem.item_code,
                                                          UnitInquiryItem.purpose, UnitInquiryItem.published_on)):
        out.setdefault(uid, ({}, {}))[0][(item, purpose)] = day
    for uid, lst, purpose, day in session.execute(select(UnitInquiryList.unit_id, UnitInquiryList.list_id,
                                                         UnitInquiryList.purpose, UnitInquiryList.published_on)):
        out.setdefault(uid, ({}, {}))[1][(lst, purpose)] = day
    return out


def missing_triples(session: Session, m: rules.MeasureFacts, day: date,
                    override: tuple[int, dict, dict] | None = None) -> list[tuple[str, str, str, str]]:
    """(organ, item or list, purpose, why) for every trigger an implementing organ may not see for one of its
    contexts, on ``day``, under its published inquiry list (or ``override``: (unit id, items, lists) as the
    organ would publish them). Refusals that depend on each subject's authorization (Art. 17.3) are not missing:
    they are answered per subject."""
    organ_lists = _all_organ_lists(session)
    if override is not None:
        organ_lists[override[0]] = (override[1], override[2])
    items = inquiry.catalog_facts(session, day)
    lists = inquiry.list_facts(session, day)
    missing = []
    for unit, contexts in _implementing_organs(session, m, organ_lists):
        own_items, own_lists = organ_lists.get(unit.id, ({}, {}))
        for context in contexts:
            for kind in sorted(m.targets | ({"natural_person"} if m.reaches_responsible else set())):
                trig_items, trig_lists = rules.triggers_for(m, kind)
                req = _organ_request(unit, context, kind, m)
                decision = visibility.decide(req, visibility.Facts(items, own_items, own_lists, lists, (), day))
                for code in trig_items:
                    a = decision.access.get(code)
                    if a is not None and not a.visible and a.article != "Art. 17.3":
                        missing.append((unit.uscc, f"item {code}", context, a.reason))
                for lid in trig_lists:
                    a = decision.list_access.get(lid)
                    if a is not None and not a.visible:
                        missing.append((unit.uscc, f"list {lists[lid].code}", context, a.reason))
    return sorted(set(missing))


def _guard_inquiry_list(session: Session, unit: Unit, new_items: dict, new_lists: dict, day: date) -> None:
    """Refuse an organ's new inquiry list that would orphan a published measure it implements (Art. 17.2): a
    trigger it could see for one of the measure's contexts and no longer could."""
    found = []
    for m in session.scalars(select(Measure).where(Measure.state == "published")):
        f = facts(m)
        if unit.id not in f.implementing_units and f.implementing_class != "context":
            continue
        before = {t for t in missing_triples(session, f, day) if t[0] == unit.uscc}
        after = {t for t in missing_triples(session, f, day, (unit.id, new_items, new_lists)) if t[0] == unit.uscc}
        found += [(o, f"{w} (measure {m.code})", p, r) for o, w, p, r in sorted(after - before)]
    rules.triggers_visible(found)


units.register_inquiry_list_guard(_guard_inquiry_list)


def view(m: Measure) -> dict[str, Any]:
    return {
        "id": m.id, "code": m.code, "name": m.name, "measure": m.description, "kind": m.kind, "article": m.article,
        "incident": {"text": m.incident, "items": m.incident_items, "lists": m.incident_lists},
        "target": {"kinds": m.targets, "reaches_responsible_persons": m.reaches_responsible},
        "contexts": m.contexts, "implementing_organ": m.implementing_organ,
        "implementing": {"units": m.implementing_units, "class": m.implementing_class},
        "basis": {"text": m.basis_text, "level": m.basis_level},
        "check_basis": {"text": m.check_basis, "level": m.check_basis_level} if m.check_basis else None,
        "state": m.state, "published_on": m.published_on.isoformat() if m.published_on else None,
        "withdrawn_on": m.withdrawn_on.isoformat() if m.withdrawn_on else None,
        "announcement": announcement(m),
    }


def announcement(m: Measure) -> dict[str, Any] | None:
    if m.announced_on is None:
        return None
    return {"where": m.announced_in, "document": m.announcement_document, "on": m.announced_on.isoformat()}


def public_application_list(session: Session, on: date | None = None) -> list[dict[str, Any]]:
    """The application list as published to everyone (Art. 22): each published measure's specific incident,
    target, measure, implementing organ and legal basis, its kind and item, its contexts, and its official
    announcement; ``announced``: whether it counts as announced on the day (Art. 32.2)."""
    day = on or today()
    lists = {lst.id: lst for lst in session.scalars(select(CreditList))}
    out = []
    for m in session.scalars(select(Measure).where(Measure.state == "published").order_by(Measure.id)):
        out.append({
            "code": m.code, "name": m.name, "kind": m.kind, "article": m.article,
            "incident": {"text": m.incident, "items": list(m.incident_items),
                         "lists": [{"code": lists[i].code, "name": lists[i].name} for i in m.incident_lists
                                   if i in lists]},
            "targets": list(m.targets), "reaches_responsible_persons": m.reaches_responsible,
            "measure": m.description, "implementing_organ": m.implementing_organ, "contexts": list(m.contexts),
            "basis": {"text": m.basis_text, "level": m.basis_level},
            "published_on": m.published_on.isoformat() if m.published_on else None,
            "announcement": announcement(m),
            "announced": rules.announced(m.state, m.published_on, m.announced_on, day),
        })
    return out


def application_list(session: Session, *, include_drafts: bool = False) -> list[dict[str, Any]]:
    """The published application list (drafts and withdrawn lines for the supervisor)."""
    q = select(Measure).order_by(Measure.id)
    if not include_drafts:
        q = q.where(Measure.state == "published")
    return [view(m) for m in session.scalars(q)]


def facts(m: Measure) -> rules.MeasureFacts:
    return rules.MeasureFacts(m.id, m.kind, m.state, m.published_on, frozenset(m.targets), frozenset(m.contexts),
                              frozenset(m.incident_items), frozenset(m.incident_lists), m.reaches_responsible,
                              m.code, frozenset(m.implementing_units or ()), m.implementing_class, m.check_basis,
                              m.check_basis_level, m.announced_on)


def _published(session: Session) -> list[tuple[rules.MeasureFacts, dict[str, Any]]]:
    """The published lines of the application list with what an answer shows of them, from the reference
    cache (invalidated by add/publish/withdraw in this process; other processes see a change within
    ``refcache.TTL_SECONDS``, and ``apply`` re-reads the measure, so a withdrawn one is never applied)."""
    def load() -> list[tuple[rules.MeasureFacts, dict[str, Any]]]:
        return [(facts(m), _brief(m)) for m in session.scalars(select(Measure).where(Measure.state == "published")
                                                                  .order_by(Measure.id))]

    return refcache.get(("measures", refcache.database_key(session)), load)


# --------------------------------------------------------------------------------------------
# the check


def check(session: Session, *, actor: Actor, subjects_raw: list[str], context: str, channel: str,
          on: date | None = None) -> dict[str, Any]:
    """``prepare_check``, its log rows and check row written in the session (the caller commits)."""
    prepared = prepare_check(session, actor=actor, subjects_raw=subjects_raw, context=context, channel=channel,
                             on=on)
    return prepared.finish(*inquiry.write_log_rows(session, prepared.rows, prepared.events, prepared.extra))


@dataclass
class PreparedCheck:
    """A check decided and answered, not yet written: its log rows with their events, the check row with its
    event (``extra``), and ``finish(log ids, check id)``, which puts the ids written into the answer."""

    rows: list[dict]
    events: list[dict]
    extra: tuple[Any, dict, dict]
    finish: Callable[[list[int], int | None], dict[str, Any]]


def read_check(session: Session, *, token: str, subjects_raw: list[str], context: str, channel: str,
               on: date | None = None) -> PreparedCheck:
    """The front door's check (``POST /checks``): the token's holder, then ``prepare_check`` for it.

    On PostgreSQL a well-formed check of one subject reads the token and the subject with its records in one
    statement (one round trip for both; ``reads.TOKEN_WITH_SUBJECT``). The refusals come in today's order: an unknown token before
    anything about the request; any other request authenticates first, then is prepared."""
    day = on or today()
    if len(subjects_raw) == 1 and context in PURPOSES and session.connection().dialect.name == "postgresql":
        asked, invalid = _parsed(subjects_raw, day)
        if asked:
            token_rows, subject_rows = reads.token_and_subject(
                session.connection(), token_key={"digest": token_digest(token or "")}, digest=asked[0][2])
            who = tokens.authenticated(token_rows)
            return prepare_check(session, actor=who, subjects_raw=subjects_raw, context=context, channel=channel,
                                 on=day, _read=(asked, invalid, subject_rows))
    who = tokens.authenticate(session, token)
    return prepare_check(session, actor=who, subjects_raw=subjects_raw, context=context, channel=channel, on=day)


def _parsed(subjects_raw: list[str], day: date) -> tuple[list[tuple[int, Any, str]], dict[int, InvalidInput]]:
    """(position, identifier, digest) of each valid identifier, and the error of each invalid one by position."""
    asked: list[tuple[int, Any, str]] = []
    invalid: dict[int, InvalidInput] = {}
    for i, raw in enumerate(subjects_raw):
        try:
            ident = parse_lookup(raw, today=day)  # an old form finds its subject too (issue 13 §6)
        except InvalidInput as exc:
            invalid[i] = exc
            continue
        asked.append((i, ident, subjects.identifier_digest(ident)))
    return asked, invalid


def _in_context(session: Session, context: str, day: date, unit_id: int | None) -> list:
    """The announced measures of the context (Art. 32.2) that the organ implements: configuration, from the
    reference cache."""
    return [(f, brief) for f, brief in _published(session)
            if context in f.contexts and rules.announced(f.state, f.published_on, f.announced_on, day)
            and rules.implements(f, unit_id)]


def prepare_check(session: Session, *, actor: Actor, subjects_raw: list[str], context: str, channel: str,
                  on: date | None = None, _read: tuple | None = None) -> PreparedCheck:
    """Which announced measures the checking organ implements apply to each subject in this Art. 28 context,
    with basis and grounds — grounds only among what the one visibility decision lets this organ see for this
    purpose; a measure whose trigger it may not see is answered "cannot be evaluated by you", the same way for
    every subject.

    Every subject asked about is an inquiry, logged with the check (what was revealed: the grounds). An
    identifier that is not valid is answered with its error, in its place; the others are checked. Hot path,
    one subject: the subject with its records, then its list entries only when a list names it, each a prepared
    statement on the driver's cursor (``reads``; at the front door on PostgreSQL the subject is read with the token,
    ``read_check``); several subjects: their records in one statement (per 500), their list entries in one (only
    for subjects a list names). Then the log rows and the check row each with their audit events; the
    application list is cached. ``_read``: (parsed, invalid, the subject's rows) already read by ``read_check``.
    """
    rules.may_check(actor.role, actor.officer, actor.mandate)
    check_purpose(context)
    if not subjects_raw:
        raise InvalidInput("name at least one subject", field="subjects")
    if len(subjects_raw) > MAX_SUBJECTS:
        raise InvalidInput(msg("at most {max_subjects} subjects in one check", max_subjects=MAX_SUBJECTS),
                           field="subjects")
    day = on or today()
    asked, invalid = _parsed(subjects_raw, day) if _read is None else _read[:2]
    if not asked:
        first = min(invalid)
        raise InvalidInput(msg("no valid identifier among the subjects; subjects[{first}]: {message}",
                               first=first, message=invalid[first].message),
                           field=f"subjects[{first}]", article=invalid[first].article)
    conn = session.connection()
    measures = _in_context(session, context, day, actor.unit_id)
    need_lists = any(f.incident_lists for f, _b in measures)
    if len(asked) == 1:
        loaded, entries = _read_one(conn, asked[0], day, need_lists, _read[2] if _read is not None else None)
    else:
        found = inquiry.load_subjects(conn, digests=[d for _i, _id, d in asked], lean=True)
        loaded = [found.get(d) or inquiry.Loaded(None, [], d, ident.masked(), kind=ident.kind)
                  for _i, ident, d in asked]
        listed = sorted({ld.target["id"] for ld in loaded if ld.target and ld.listed})
        entries = listing.active_entries(session, listed, day) if need_lists and listed else {}
    decided = inquiry.decide_many(session, actor=actor, loaded=loaded, purpose=context, on=day,
                                  with_lists=need_lists)
    out: list[dict[str, Any] | None] = [None] * len(subjects_raw)
    for i, exc in invalid.items():
        out[i] = {"found": False, "measures": [],
                  "error": {"code": "invalid_identifier", "field": f"subjects[{i}]", "message": exc.message,
                            "article": exc.article}}
    results: dict[str, dict[str, list]] = {}
    revealed: list[tuple[list[int], list[int]]] = []
    bases: list[dict | None] = []
    for (i, ident, _d), d in zip(asked, decided, strict=True):
        answer, stored, shown, used = _check_one(d, ident, measures, entries, context, day)
        out[i] = answer
        if stored:
            results[str(d.loaded.target["id"])] = stored
        revealed.append(shown)
        bases.append(used)

    def row():
        """The check's row, written with the inquiries' log rows (one round trip for one subject on PostgreSQL)."""
        values = {"at": now(), "checked_on": day, "unit_id": actor.unit_id, "officer_label": actor.officer,
                  "context": context, "subjects": len(subjects_raw), "results": results}
        event = audit.event_row(action="measure:check", actor=actor, object_type="measure_check", object_id="",
                                details={"context": context, "subjects": len(subjects_raw),
                                         "invalid": len(invalid), "with_measures": len(results)})
        return MeasureCheck.__table__, values, event

    rows = inquiry.log_rows(actor, decided, revealed=revealed, channel=channel, bases=bases)
    extra = row()
    inquiry.count(rows)

    def finish(log_ids: list[int], check_id: int | None) -> dict[str, Any]:
        for (i, _ident, _d), log_id in zip(asked, log_ids, strict=True):
            out[i]["inquiry_id"] = log_id
        return {"check_id": check_id, "context": context, "checked_on": day.isoformat(), "subjects": out}

    return PreparedCheck(rows, inquiry.log_events(actor, rows), extra, finish)


def _read_one(conn, asked: tuple[int, Any, str], day: date, need_lists: bool, subject_rows: list | None
              ) -> tuple[list[inquiry.Loaded], dict]:
    """One subject of a check: loaded (or unknown), and its list entries when a measure needs them and a list
    names it (``subject_rows``: already read with the token)."""
    _i, ident, digest = asked
    if subject_rows is None:
        subject_rows = reads.SUBJECT_BY_DIGEST.rows(conn, {"key": digest})
    loaded = inquiry.loaded_from(subject_rows, lean=True).get(digest)
    if loaded is None:  # a miss only: a former identifier names the subject it now belongs to
        loaded = inquiry.by_former_identifiers(conn, [digest], lean=True).get(digest)
    if loaded is None:
        return [inquiry.Loaded(None, [], digest, ident.masked(), kind=ident.kind)], {}
    entries = reads.entries_of(conn, loaded.target["id"], day) if need_lists and loaded.listed else {}
    return [loaded], entries


def _check_one(d: inquiry.Decided, ident: Any, measures: list, entries: dict, context: str, day: date
               ) -> tuple[dict, dict, tuple[list[int], list[int]], dict | None]:
    """One subject of a check: the answer, the grounds stored for applications, what was revealed (record ids,
    entry ids) and the bases that opened it beyond the published list (for the log)."""
    ld, dec = d.loaded, d.decision
    kind = ld.subject_kind
    applying, not_evaluable, stored = [], [], {}
    shown_records: dict[int, None] = {}
    shown_entries: dict[int, None] = {}
    used = dict(dec.bases() or {})
    seen: dict[int, list] = {}  # the records each distinct decision lets the organ see (one pass per decision)
    for f, brief in measures:
        trig_items, trig_lists = rules.triggers_for(f, kind)
        if not trig_items and not trig_lists:
            continue  # not a target of this measure: configuration, the same for every subject of this kind
        basis = _measure_basis(f)
        m_dec = d.redecide(visibility.with_measure_basis(d.request, basis)) if basis else dec
        unseen = _first_unseen(m_dec, trig_items, trig_lists, d.facts.lists)
        if unseen is not None:
            not_evaluable.append({**brief, "evaluable": False, "article": unseen.article,
                                  "reason": msg("{code} cannot be evaluated by you: {reason} ({article})", code=f.code,
                                                reason=unseen.reason, article=unseen.article)})
            continue
        if ld.target is None:
            continue
        rows = seen.get(id(m_dec))
        if rows is None:
            rows = seen[id(m_dec)] = inquiry.visible_records(d, day, m_dec)
        records = _grounds_in_force(rows, set(trig_items))
        visible_entries = [e for e in entries.get(ld.target["id"], [])
                           if visibility.entry_visible(e["list_id"], m_dec)]
        grounds = rules.grounds_for(f, kind, context, day, records, visible_entries)
        if not grounds:
            continue
        stored[str(f.id)] = [_stored(g) for g in grounds]
        applying.append({**brief, "grounds": grounds})
        for g in grounds:
            if g["type"] == "record":
                shown_records[g["record_id"]] = None
                opened = m_dec.access.get(g["item"])
                if opened is not None and opened.basis and opened.basis.startswith("measure:"):
                    used[f"item:{g['item']}"] = opened.basis
            else:
                shown_entries[g["entry_id"]] = None
    if ld.target is not None and dec.identity:
        subject = {"id": ld.target["id"], "kind": kind, "identifier": ident.masked()}
        answer = {"subject": subject, "found": True}
    elif ld.target is None and dec.identity:
        answer = {"subject": {"identifier": ident.masked()}, "found": False}
    else:  # who the subject is, and whether the platform knows it, is not this organ's to learn
        answer = {"subject": {"kind": kind, "identifier": ident.masked()}}
    answer.update({"inquiry": {"decision": "allow" if dec.allowed else "deny", "article": dec.article},
                   "measures": applying, "not_evaluable": not_evaluable})
    return answer, stored, (list(shown_records), list(shown_entries)), used or None


def _first_unseen(dec: Decision, items: list[str], lists: list[int], known_lists: dict) -> Any:
    """The first trigger the decision does not let the organ see (its Access), or None."""
    for code in items:
        a = dec.access.get(code)
        if a is None or not a.visible:
            return a or visibility.Access(False, "Art. 11", f"item {code} is not in the catalog")
    for lid in lists:
        if lid not in known_lists:
            continue  # an unpublished list has no entries in force: nothing to see, nothing hidden
        a = dec.list_access.get(lid)
        if a is None or not a.visible:
            return a
    return None


def _brief(m: Measure) -> dict[str, Any]:
    return {"id": m.id, "code": m.code, "name": m.name, "measure": m.description, "kind": m.kind,
            "article": m.article, "implementing_organ": m.implementing_organ,
            "basis": {"text": m.basis_text, "level": m.basis_level},
            "published_on": m.published_on.isoformat() if m.published_on else None}


def _stored(g: dict) -> dict:
    if g["type"] == "record":
        return {"type": "record", "record_id": g["record_id"], "item": g["item"], "article": g["article"]}
    return {k: g[k] for k in ("type", "entry_id", "list_id", "list", "ground", "article", "document",
                              "relation", "role")}


_R = Record.__table__


def _grounds_in_force(visible: list, items: set[str]) -> list[dict]:
    """Of the records the decision lets the organ see (``inquiry.visible_records``: in force, not revoked,
    withdrawn, restored, nor past their Art. 35 period), those of the trigger items, as grounds."""
    out = []
    for r, markers in visible:
        if r.item_code in items:
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
        raise NotFound(msg("no check {check_id}", check_id=check_id), field="check")
    if chk.unit_id is None or chk.unit_id != actor.unit_id:
        raise Forbidden("only the organ that made the check applies measures on it")
    m = get(session, measure)
    rules.check_announced(m.state, m.published_on, m.announced_on, today())
    if not rules.implements(facts(m), actor.unit_id):
        raise Forbidden(msg("measure {code} is not one this organ implements (Art. 22)", code=m.code),
                        article="Art. 22")
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
    notices.tell(session, subject_id=subj.id, kind="measure_applied", object_type="measure_application",  # Art. 32.1
                 object_id=app.id, actor=actor, organ_unit_id=actor.unit_id, measure=_brief(m), document=document,
                 decided_on=app.decided_on.isoformat(), grounds=grounds)
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
            if _in_force(r, day):
                records.add(r.id)
    entries = listing.listed_entry_ids(session, entry_ids, day) if entry_ids else set()
    return records, entries


def _in_force(r: Any, day: date) -> bool:
    """A record still in force (served to whoever may see its item): not revoked, withdrawn, restored, nor past
    its Art. 35 period."""
    scope = Decision(True, "", "", frozenset((r.item_code,)))
    return servable(RecordFacts(r.id, r.item_code, r.untrustworthy, r.ended_on, r.status, r.objection_open), scope,
                    day)[0]


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
