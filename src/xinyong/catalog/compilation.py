"""Compiling the catalog (Art. 10): a unit proposes an item with its reasons; a contested proposal is assessed with the
supervisor, hearing representatives and experts; the supervisor compiles proposals into a draft and puts it out for
public comment (the comments received and the response to each); the deliberative body approves it (document, day);
the supervisor publishes it, and from that day its items may be aggregated. Every publication is a numbered version
of the catalog with the procedures and standards of Art. 11.2; a record is aggregated under the version in force when
it was received (:func:`version_at`).

The service flushes and never commits; every act is audited (the tables are bound to the audit log)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import refcache
from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
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


def propose(session: Session, *, item: dict[str, Any], reasons: str, contested: bool, actor: Actor,
            on: date | None = None) -> CatalogProposal:
    """A unit proposes an item (a new one, or a change of one) for the catalog, with its reasons (Art. 10.1)."""
    rules.check_proposal(actor.role, reasons)
    defined = _item_definition(item)
    rules.check_fields_not_prohibited(defined["code"], defined["fields"], None, rules.prohibited_kind)
    proposal = CatalogProposal(unit_id=actor.unit_id, item_code=defined["code"], item=defined,
                               reasons=_mask(reasons.strip()), contested=bool(contested), state="proposed",
                               proposed_on=on or today(), proposed_by=_who(actor), created_at=now())
    session.add(proposal)
    session.flush()
    audit.append(session, action="catalog:propose", actor=actor, object_type="catalog_proposal",
                 object_id=proposal.id, details={"item": defined["code"], "contested": proposal.contested,
                                                 "article": "Art. 10.1"})
    return proposal


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
    """The draft is put out for public comment on the portal, for at least ``catalog.comment_min_days``."""
    rules.may_compile(actor.role)
    draft = _draft(session, draft_id)
    if draft.state != "compiled":
        raise Conflict(msg("draft {id} is {state}: it was put out for comment already", id=draft.id,
                           state=draft.state), field="state")
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
    and the catalog's next version records what was published, with the procedures of Art. 11.2."""
    from . import service  # the item's public description, and the checks of its fields

    rules.may_compile(actor.role)
    draft = _draft(session, draft_id)
    rules.check_publishable(draft.state)
    day = on or today()
    proposals = list(session.scalars(select(CatalogProposal).where(CatalogProposal.draft_id == draft.id)
                                     .order_by(CatalogProposal.id)))
    published = []
    for p in proposals:
        d = p.item
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
                             items=published, procedures=draft.procedures)
    session.add(version)
    draft.state, draft.published_on = "published", day
    session.flush()
    refcache.invalidate()
    audit.append(session, action="catalog:publish-version", actor=actor, object_type="catalog_version",
                 object_id=number, details={"draft": draft.id, "items": [i["code"] for i in published],
                                            "article": "Art. 10.2"})
    return version


def version_at(session: Session, moment: datetime) -> int | None:
    """The catalog version in force at ``moment`` (a record's: when it was received); None before the first
    publication through this workflow (the catalog installed with the platform)."""
    return session.scalar(select(func.max(CatalogVersion.version)).where(CatalogVersion.published_at <= moment))


# --- reading -------------------------------------------------------------------------------------------------

def proposal_view(p: CatalogProposal, assessments: list[CatalogAssessment]) -> dict[str, Any]:
    return {"id": p.id, "item": p.item, "reasons": p.reasons, "contested": p.contested, "state": p.state,
            "proposed_on": p.proposed_on.isoformat(), "proposed_by": p.proposed_by, "draft": p.draft_id,
            "assessments": [{"held_on": a.held_on.isoformat(), "representatives": list(a.representatives),
                             "experts": list(a.experts), "conclusion": a.conclusion} for a in assessments]}


def draft_view(session: Session, draft: CatalogDraft) -> dict[str, Any]:
    """A draft as the public reads it: its items, the proposals' reasons and assessments, the comment period, each
    comment with its response, the approval and the publication."""
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
            "comments": [{"id": c.id, "received_on": iso(c.received_on), "summary": c.summary,
                          "response": c.response, "responded_on": iso(c.responded_on)} for c in comments],
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
             "items": [i["code"] for i in v.items], "procedures": v.procedures}
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
