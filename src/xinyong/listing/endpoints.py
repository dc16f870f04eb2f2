from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import actor, engine, require_role
from ..responses import JSON
from . import service
from .schemas import EntryIn, ListIn, RemedyDecisionIn, RemedyIn, RemovalIn

router = APIRouter(tags=["lists"])
organ_only = require_role("administrative")
subject_only = require_role("subject")


@router.post("/lists", status_code=201)
def define(body: ListIn, who: Actor = Depends(organ_only), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        out = service.view_list(service.define(s, **body.model_dump(), actor=who))
    return JSON(out, status_code=201)


@router.get("/lists/{list_id}")
def show(list_id: str, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        return JSON(service.view_list(service.get_list(s, list_id)))


@router.post("/lists/{list_id}/publish")
def publish(list_id: str, who: Actor = Depends(organ_only), eng: Engine = Depends(engine)) -> JSON:
    """Publish the list with its entry and removal requirements and remedy paths (Art. 24, 25.3)."""
    with session_scope(eng) as s:
        return JSON(service.view_list(service.publish(s, list_id=list_id, actor=who)))


@router.post("/lists/{list_id}/entries", status_code=201)
def enter(list_id: str, body: EntryIn, who: Actor = Depends(organ_only), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        entry = service.enter(s, list_id=list_id, subject=body.subject, subject_name=body.subject_name,
                              ground=body.ground, ground_text=body.ground_text, document=body.document,
                              decided_on=body.decided_on, persons=[p.model_dump() for p in body.persons], actor=who)
        out = service.view_entry(s, entry)
    return JSON(out, status_code=201)


@router.post("/list-entries/{entry_id}/removal")
def remove(entry_id: int, body: RemovalIn, who: Actor = Depends(organ_only), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        entry = service.remove(s, entry_id=entry_id, document=body.document, reason=body.reason, actor=who)
        return JSON(service.view_entry(s, entry))


@router.post("/list-entries/{entry_id}/remedies", status_code=201)
def apply_remedy(entry_id: int, body: RemedyIn, who: Actor = Depends(subject_only),
                 eng: Engine = Depends(engine)) -> JSON:
    """A listed subject applies for remedy against its entry (Art. 25.3)."""
    with session_scope(eng) as s:
        rem = service.apply_remedy(s, entry_id=entry_id, reason=body.reason, actor=who)
        out = {"id": rem.id, "entry_id": rem.entry_id, "status": rem.status, "applied_on": rem.applied_on.isoformat()}
    return JSON(out, status_code=201)


@router.post("/list-remedies/{remedy_id}/decision")
def decide_remedy(remedy_id: int, body: RemedyDecisionIn, who: Actor = Depends(organ_only),
                  eng: Engine = Depends(engine)) -> JSON:
    """Enter the outcome (the listing organ's, a reconsideration organ's or a court's); revoked removes the entry."""
    with session_scope(eng) as s:
        rem = service.decide_remedy(s, remedy_id=remedy_id, decided_by=body.decided_by, outcome=body.outcome,
                                    document=body.document, actor=who)
        out = {"id": rem.id, "entry_id": rem.entry_id, "status": rem.status, "decided_by": rem.decided_by,
               "outcome_document": rem.outcome_document}
    return JSON(out)
