"""Compiling the catalog (Art. 10): a unit proposes an item with its reasons; a contested proposal is assessed with the
supervisor, hearing representatives and experts; the supervisor compiles proposals into a draft and puts it out for
public comment (the comments received and the response to each); the deliberative body approves it (document, day);
the supervisor publishes it, and from that day its items may be aggregated. Every publication is a numbered version
of the catalog with the procedures and standards of Art. 11.2; a record is aggregated under the version in force when
it was received (:func:`version_at`, or :func:`version_lookup` for many records).

An item leaves the catalog the same way (platform policy resting on Art. 10, which speaks of inclusion only): a
proposal to retire it, with the reasons, goes through the draft, the public comment and the approval, and the
publication retires it from its day. From that day the importer refuses new records of it (Art. 11: the item's state
and ``retired_on`` reach it through ``record.importer.item_infos``); the records aggregated before stay and are served
as before, their Art. 35 inquiry period running on. The version records what it retired.

Anyone, signed in or not, may comment on a draft during its comment period (:func:`submit_comment`): the text is
stored as received, ID-shaped numbers masked, nobody named publicly; a contact, if given, is shown to the supervisor
only.

The service flushes and never commits; every act is audited (the tables are bound to the audit log)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import refcache
from ..audit import service as audit
from ..auth import PUBLIC, Actor
from ..clock import TZ, local_date, now, today
from ..errors import Conflict, InvalidInput, NotFound, msg
from ..law import parameters
from ..models import CatalogAssessment, CatalogComment, CatalogDraft, CatalogItem, CatalogProposal, CatalogVersion
from . import rules

# What a proposal defines of an item (catalog.service.describe's keys), and what it must give.
ITEM_KEYS = ("code", "name_zh", "name_en", "class", "untrustworthy", "article", "legal_basis", "disclosure",
             "record_format", "fields", "providers", "conduct_laws")
REQUIRED = ("code", "name_zh", "name_en", "class", "article", "legal_basis", "disclosure", "record_format")
CLASSES = ("untrustworthy", "neutral", "positive")
DISCLOSURES = ("public", "authorized", "restricted")
FORMATS = ("CF", "XK", "general")


def _mask(text: str) -> str:
    from ..logmask import mask_text  # ID-shaped numbers masked (前6后4) in free text

    return mask_text(text)


def _item_definition(item: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(item) - set(ITEM_KEYS))
    if unknown:
        raise InvalidInput(msg("not part of a catalog item: {keys}", keys=", ".join(unknown)), field="item")
    missing = [k for k in REQUIRED if not str(item.get(k) or "").strip()]
    if missing:
        raise InvalidInput(msg("the proposed item needs {keys}", keys=", ".join(missing)), field=missing[0],
                           article="Art. 10.1")
    for key, allowed in (("class", CLASSES), ("disclosure", DISCLOSURES), ("record_format", FORMATS)):
        if item[key] not in allowed:
            raise InvalidInput(msg("{key} is one of {allowed}", key=key, allowed=", ".join(allowed)), field=key)
    defined = {k: item.get(k) for k in ITEM_KEYS}
    defined["untrustworthy"] = bool(item.get("untrustworthy", item["class"] == "untrustworthy"))
    defined["fields"] = list(item["fields"]) if item.get("fields") is not None else None
    defined["providers"] = str(item.get("providers") or "")
    defined["conduct_laws"] = dict(item.get("conduct_laws") or {}) or None
    return defined


KINDS = ("include", "retire")


def propose(session: Session, *, item: dict[str, Any], reasons: str, contested: bool, actor: Actor,
            on: date | None = None, kind: str = "include") -> CatalogProposal:
    """A unit proposes an item (a new one, or a change of one) for the catalog, with its reasons (Art. 10.1); or,
    ``kind="retire"``, proposes to take an item out of it (``item``: its code), with the reasons."""
    rules.check_proposal(actor.role, reasons)
    if kind not in KINDS:
        raise InvalidInput(msg("{key} is one of {allowed}", key="kind", allowed=", ".join(KINDS)), field="kind")
    if kind == "retire":
        code = str(item.get("code") or "").strip()
        existing = session.get(CatalogItem, code) if code else None
        rules.check_retirement_proposal(code, existing.state if existing else None,
                                        existing.retired_on if existing else None)
        defined = {"code": existing.code, "name_zh": existing.name_zh, "name_en": existing.name_en}
    else:
        defined = _item_definition(item)
        rules.check_fields_not_prohibited(defined["code"], defined["fields"], None, rules.prohibited_kind)
    proposal = CatalogProposal(unit_id=actor.unit_id, item_code=defined["code"], item=defined, kind=kind,
                               reasons=_mask(reasons.strip()), contested=bool(contested), state="proposed",
                               proposed_on=on or today(), proposed_by=_who(actor), created_at=now())
    session.add(proposal)
    session.flush()
    audit.append(session, action="catalog:propose", actor=actor, object_type="catalog_proposal",
                 object_id=proposal.id, details={"item": defined["code"], "kind": kind,
                                                 "contested": proposal.contested, "article": "Art. 10.1"})
    return proposal


def _kind(p: CatalogProposal) -> str:
    return p.kind or "include"  # NULL: written before migration 0030, when every proposal included


def record_assessment(session: Session, *, proposal_id: int, held_on: date, representatives: list[str],
                      experts: list[str], conclusion: str, actor: Actor) -> CatalogAssessment:
    """The assessment of a contested proposal, held with the supervisor (Art. 10.1): who was heard and the
    conclusion. Recorded by the supervisor."""
    rules.may_compile(actor.role)
    proposal = _proposal(session, proposal_id)
    rules.check_assessment(representatives, experts, conclusion)
    assessment = CatalogAssessment(proposal_id=proposal.id, held_on=held_on,
                                   representatives=[str(r).strip() for r in representatives if str(r).strip()],
                                   experts=[str(e).strip() for e in experts if str(e).strip()],
                                   conclusion=_mask(conclusion.strip()), recorded_by=_who(actor), created_at=now())
    session.add(assessment)
    session.flush()
    audit.append(session, action="catalog:assess", actor=actor, object_type="catalog_assessment",
                 object_id=assessment.id, details={"proposal": proposal.id, "article": "Art. 10.1"})
    return assessment


def compile_draft(session: Session, *, title: str, proposal_ids: list[int], procedures: str | None, actor: Actor,
                  on: date | None = None) -> CatalogDraft:
    """The supervisor compiles proposals into a draft catalog (Art. 10.2), with the collection procedures and
    standards of Art. 11.2 that are published with it."""
    rules.may_compile(actor.role)
    if not (title or "").strip():
        raise InvalidInput("name the draft", field="title")
    if not proposal_ids:
        raise InvalidInput("a draft compiles at least one proposal", field="proposals", article="Art. 10.2")
    proposals = [_proposal(session, pid) for pid in dict.fromkeys(proposal_ids)]
    codes = [p.item_code for p in proposals]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise Conflict(msg("a draft holds one proposal per item: {codes} proposed more than once",
                           codes=", ".join(twice)), field="proposals")
    for p in proposals:
        if p.state != "proposed":
            raise Conflict(msg("proposal {id} is {state}, not open for a draft", id=p.id, state=p.state),
                           field="proposals")
        assessed = session.scalar(select(func.count()).select_from(CatalogAssessment)
                                  .where(CatalogAssessment.proposal_id == p.id)) or 0
        rules.check_assessed(p.item_code, p.contested, assessed)
    draft = CatalogDraft(title=title.strip(), state="compiled", compiled_on=on or today(),
                         procedures=(procedures or "").strip() or None, created_at=now())
    session.add(draft)
    session.flush()
    for p in proposals:
        p.state, p.draft_id = "in_draft", draft.id
    session.flush()
    audit.append(session, action="catalog:draft", actor=actor, object_type="catalog_draft", object_id=draft.id,
                 details={"proposals": [p.id for p in proposals], "article": "Art. 10.2"})
    return draft


def put_out_for_comment(session: Session, *, draft_id: int, comment_from: date, comment_to: date,
                        actor: Actor) -> CatalogDraft:
    """The draft is put out for public comment on the portal, from a day on or after it was compiled, for at least
    ``catalog.comment_min_days``."""
    rules.may_compile(actor.role)
    draft = _draft(session, draft_id)
    if draft.state != "compiled":
        raise Conflict(msg("draft {id} is {state}: it was put out for comment already", id=draft.id,
                           state=draft.state), field="state")
    rules.check_comment_period_start(draft.compiled_on, comment_from)
    rules.check_comment_period(comment_from, comment_to, int(parameters.value(rules.COMMENT_PARAMETER,
                                                                               comment_from)))
    draft.comment_from, draft.comment_to, draft.state = comment_from, comment_to, "out_for_comment"
    session.flush()
    audit.append(session, action="catalog:comment-period", actor=actor, object_type="catalog_draft",
                 object_id=draft.id, details={"from": comment_from.isoformat(), "to": comment_to.isoformat(),
                                              "article": "Art. 10.2"})
    return draft


def record_comment(session: Session, *, draft_id: int, received_on: date, summary: str,
                   actor: Actor) -> CatalogComment:
    """A comment received on the draft during its comment period, as the supervisor summarises it (nobody named;
    ID-shaped numbers masked)."""
    rules.may_compile(actor.role)
    draft = _draft(session, draft_id)
    rules.check_comment_received(received_on, draft.comment_from, draft.comment_to)
    summary = _mask((summary or "").strip())
    if not summary:
        raise InvalidInput("say what the comment was", field="summary")
    comment = CatalogComment(draft_id=draft.id, received_on=received_on, summary=summary, created_at=now())
    session.add(comment)
    session.flush()
    audit.append(session, action="catalog:comment", actor=actor, object_type="catalog_comment", object_id=comment.id,
                 details={"draft": draft.id, "article": "Art. 10.2"})
    return comment


COMMENT_MAX = 4000  # characters of a comment sent by the public (a form's bound, not a legal number)
CONTACT_MAX = 200
CHANNELS = ("portal", "api")


def submit_comment(session: Session, *, draft_id: int, text: str, contact: str | None = None,
                   channel: str = "portal", at: datetime | None = None) -> CatalogComment:
    """A comment sent by anyone (signed in or not) on a draft during its comment period (Art. 10.2): stored as
    received, ID-shaped numbers masked; nobody is named on the public page. ``contact``: what the commenter chose to
    give to be answered, shown to the supervisor only. It waits for the supervisor's response (:func:`respond`)."""
    if channel not in CHANNELS:
        raise InvalidInput(msg("{key} is one of {allowed}", key="channel", allowed=", ".join(CHANNELS)),
                           field="channel")
    draft = _draft(session, draft_id)
    moment = at or now()
    received_on = local_date(moment)
    rules.check_comment_open(draft.state, received_on, draft.comment_from, draft.comment_to)
    body = _mask((text or "").strip())
    if not body:
        raise InvalidInput("write the comment", field="text")
    if len(body) > COMMENT_MAX:
        raise InvalidInput(msg("a comment is at most {n} characters", n=COMMENT_MAX), field="text")
    reach = _mask((contact or "").strip()) or None
    if reach is not None and len(reach) > CONTACT_MAX:
        raise InvalidInput(msg("a contact is at most {n} characters", n=CONTACT_MAX), field="contact")
    comment = CatalogComment(draft_id=draft.id, received_on=received_on, summary=body, channel=channel,
                             contact=reach, created_at=moment)
    session.add(comment)
    session.flush()
    # the event names the draft and the channel; the text and the contact are in the row (bound: digested)
    audit.append(session, action="catalog:public-comment", actor=PUBLIC, object_type="catalog_comment",
                 object_id=comment.id, details={"draft": draft.id, "channel": channel, "article": "Art. 10.2"})
    return comment


def respond(session: Session, *, comment_id: int, response: str, actor: Actor,
            on: date | None = None) -> CatalogComment:
    """The supervisor's response to a comment: how the draft took it up, or why not."""
    rules.may_compile(actor.role)
    comment = session.get(CatalogComment, comment_id)
    if comment is None:
        raise NotFound(msg("no comment {comment_id}", comment_id=comment_id), field="comment")
    response = _mask((response or "").strip())
    if not response:
        raise InvalidInput("say how the comment was answered", field="response")
    comment.response, comment.responded_on = response, on or today()
    session.flush()
    audit.append(session, action="catalog:respond", actor=actor, object_type="catalog_comment", object_id=comment.id,
                 details={"draft": comment.draft_id, "article": "Art. 10.2"})
    return comment


def approve(session: Session, *, draft_id: int, document: str, approved_on: date, actor: Actor) -> CatalogDraft:
    """The deliberative body's approval of the draft (its document and day), recorded by the supervisor."""
    rules.may_compile(actor.role)
    draft = _draft(session, draft_id)
    if not (document or "").strip():
        raise InvalidInput("name the deliberative body's document", field="document", article="Art. 10.2")
    unanswered = session.scalar(select(func.count()).select_from(CatalogComment).where(
        CatalogComment.draft_id == draft.id, CatalogComment.response.is_(None))) or 0
    rules.check_approvable(draft.state, draft.comment_to, approved_on, unanswered)
    draft.approval_document, draft.approved_on, draft.state = document.strip(), approved_on, "approved"
    session.flush()
    audit.append(session, action="catalog:approve", actor=actor, object_type="catalog_draft", object_id=draft.id,
                 details={"document": draft.approval_document, "approved_on": approved_on.isoformat(),
                          "article": "Art. 10.2"})
    return draft


def publish(session: Session, *, draft_id: int, actor: Actor, on: date | None = None) -> CatalogVersion:
    """Publish an approved draft: its items are published from ``on`` (new items added, changed items redefined),
    the items it proposes to retire are retired from ``on`` (no new record of them is aggregated from that day; the
    records aggregated before are served as before, their inquiry period running on), and the catalog's next
    version records what was published and what was retired, with the procedures of Art. 11.2."""
    from . import service  # the item's public description, and the checks of its fields

    rules.may_compile(actor.role)
    draft = _draft(session, draft_id)
    rules.check_publishable(draft.state)
    day = on or today()
    proposals = list(session.scalars(select(CatalogProposal).where(CatalogProposal.draft_id == draft.id)
                                     .order_by(CatalogProposal.id)))
    published, retired = [], []
    for p in proposals:
        d = p.item
        if _kind(p) == "retire":
            item = session.get(CatalogItem, d["code"])
            rules.check_transition(item.state if item is not None else "proposed", "retired")
            item.state, item.retired_on = "retired", day
            p.state = "published"
            retired.append({"code": item.code, "name_zh": item.name_zh, "name_en": item.name_en})
            continue
        item = session.get(CatalogItem, d["code"])
        if item is None:
            item = CatalogItem(code=d["code"])
            session.add(item)
        item.name_zh, item.name_en, item.item_class = d["name_zh"], d["name_en"], d["class"]
        item.untrustworthy, item.article, item.legal_basis = d["untrustworthy"], d["article"], d["legal_basis"]
        item.disclosure, item.record_format, item.fields = d["disclosure"], d["record_format"], d["fields"]
        item.providers, item.conduct_laws = d["providers"], d["conduct_laws"]
        item.state, item.published_on, item.retired_on = "published", day, None
        service.check_fields(item, rules.prohibited_kind)
        p.state = "published"
        published.append(service.describe(item))
    number = (session.scalar(select(func.max(CatalogVersion.version))) or 0) + 1
    version = CatalogVersion(version=number, draft_id=draft.id, published_on=day, published_at=now(),
                             items=published, retired=retired or None, procedures=draft.procedures)
    session.add(version)
    draft.state, draft.published_on = "published", day
    session.flush()
    refcache.invalidate()
    audit.append(session, action="catalog:publish-version", actor=actor, object_type="catalog_version",
                 object_id=number, details={"draft": draft.id, "items": [i["code"] for i in published],
                                            "retired": [i["code"] for i in retired], "article": "Art. 10.2"})
    return version


def version_at(session: Session, moment: datetime) -> int | None:
    """The catalog version in force at ``moment`` (a record's: when it was received); None before the first
    publication through this workflow (the catalog installed with the platform). Derived, never stored. For many
    records, :func:`version_lookup` (one read for all)."""
    return session.scalar(select(func.max(CatalogVersion.version)).where(CatalogVersion.published_at <= moment))


def _aware(moment: datetime) -> datetime:
    # SQLite keeps the platform's wall time, naive; PostgreSQL returns an aware timestamp (clock.local_date)
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None or moment.utcoffset() is None else moment


def version_lookup(session: Session) -> Callable[[datetime | str | None], int | None]:
    """``version_at`` for many records with one read: the versions (few) are loaded once (``refcache``: a
    publication invalidates it) and each moment is bisected. Takes a moment or its ISO text; None for None."""
    def load() -> tuple[list[datetime], list[int]]:
        rows = sorted((_aware(at), v) for v, at in session.execute(
            select(CatalogVersion.version, CatalogVersion.published_at)))
        # the version in force is the highest published up to the moment (numbers grow with publication)
        moments, numbers, best = [], [], 0
        for at, v in rows:
            best = max(best, v)
            moments.append(at)
            numbers.append(best)
        return moments, numbers

    moments, numbers = refcache.get(("catalog-versions", refcache.database_key(session)), load)

    def version_of(moment: datetime | str | None) -> int | None:
        if moment is None or not moments:
            return None
        at = _aware(datetime.fromisoformat(moment) if isinstance(moment, str) else moment)
        i = bisect_right(moments, at)
        return numbers[i - 1] if i else None

    return version_of


def retirements(session: Session) -> dict[str, dict[str, Any]]:
    """Item code → the version that retired it and that version's day (the latest, if retired more than once)."""
    out: dict[str, dict[str, Any]] = {}
    for v in session.scalars(select(CatalogVersion).where(CatalogVersion.retired.is_not(None))
                             .order_by(CatalogVersion.version)):
        for i in v.retired or []:
            out[i["code"]] = {"version": v.version, "retired_on": v.published_on.isoformat()}
    return out


# --- reading -------------------------------------------------------------------------------------------------

def proposal_view(p: CatalogProposal, assessments: list[CatalogAssessment]) -> dict[str, Any]:
    return {"id": p.id, "kind": _kind(p), "item": p.item, "reasons": p.reasons, "contested": p.contested,
            "state": p.state,
            "proposed_on": p.proposed_on.isoformat(), "proposed_by": p.proposed_by, "draft": p.draft_id,
            "assessments": [{"held_on": a.held_on.isoformat(), "representatives": list(a.representatives),
                             "experts": list(a.experts), "conclusion": a.conclusion} for a in assessments]}


def draft_view(session: Session, draft: CatalogDraft, *, for_supervisor: bool = False) -> dict[str, Any]:
    """A draft as the public reads it: its items, the proposals' reasons and assessments, the comment period, each
    comment with its response, the approval and the publication. ``for_supervisor``: each comment also with the
    contact its sender gave (never on a public page)."""
    proposals = list(session.scalars(select(CatalogProposal).where(CatalogProposal.draft_id == draft.id)
                                     .order_by(CatalogProposal.id)))
    assessments: dict[int, list[CatalogAssessment]] = {}
    for a in session.scalars(select(CatalogAssessment).where(
            CatalogAssessment.proposal_id.in_([p.id for p in proposals] or [-1])).order_by(CatalogAssessment.id)):
        assessments.setdefault(a.proposal_id, []).append(a)
    comments = session.scalars(select(CatalogComment).where(CatalogComment.draft_id == draft.id)
                               .order_by(CatalogComment.received_on, CatalogComment.id))
    version = session.scalar(select(CatalogVersion.version).where(CatalogVersion.draft_id == draft.id))
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {"id": draft.id, "title": draft.title, "state": draft.state, "compiled_on": iso(draft.compiled_on),
            "comment_from": iso(draft.comment_from), "comment_to": iso(draft.comment_to),
            "procedures": draft.procedures,
            "proposals": [proposal_view(p, assessments.get(p.id, [])) for p in proposals],
            "comments": [{"id": c.id, "received_on": iso(c.received_on), "summary": c.summary, "channel": c.channel,
                          "response": c.response, "responded_on": iso(c.responded_on),
                          **({"contact": c.contact} if for_supervisor else {})} for c in comments],
            "approval": ({"document": draft.approval_document, "approved_on": iso(draft.approved_on)}
                         if draft.approved_on else None),
            "published_on": iso(draft.published_on), "version": version}


def public_drafts(session: Session) -> list[dict[str, Any]]:
    """The drafts the public is told about: put out for comment, approved or published (newest first)."""
    drafts = session.scalars(select(CatalogDraft).where(CatalogDraft.state != "compiled")
                             .order_by(CatalogDraft.id.desc()))
    return [draft_view(session, d) for d in drafts]


def versions(session: Session) -> list[dict[str, Any]]:
    return [{"version": v.version, "draft": v.draft_id, "published_on": v.published_on.isoformat(),
             "items": [i["code"] for i in v.items], "retired": [i["code"] for i in v.retired or []],
             "procedures": v.procedures}
            for v in session.scalars(select(CatalogVersion).order_by(CatalogVersion.version.desc()))]


def _proposal(session: Session, proposal_id: int) -> CatalogProposal:
    p = session.get(CatalogProposal, proposal_id)
    if p is None:
        raise NotFound(msg("no proposal {id}", id=proposal_id), field="proposal")
    return p


def _draft(session: Session, draft_id: int) -> CatalogDraft:
    d = session.get(CatalogDraft, draft_id)
    if d is None:
        raise NotFound(msg("no draft {id}", id=draft_id), field="draft")
    return d


def _who(actor: Actor) -> str:
    return f"{actor.role}:{actor.unit_uscc or actor.unit_id or '-'}" + (f":{actor.officer}" if actor.officer else "")
