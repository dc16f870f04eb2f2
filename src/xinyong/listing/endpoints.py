from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import actor, engine, require_role
from ..errors import responses
from ..schemas import id_path, text_path
from . import service
from .schemas import (CommentIn, CommentRead, EntryIn, EntryRead, ListIn, ListRead, PublicListRead, RemedyDecidedRead,
                      RemedyDecisionIn, RemedyIn, RemedyRead, RemovalIn, ResponseIn)

router = APIRouter(tags=["lists"])
organ_only = require_role("administrative")
ListId = text_path("The list's id or code")
EntryId = id_path("The entry's id")
subject_only = require_role("subject")


@router.post("/lists", status_code=201, response_model=ListRead, responses=responses(401, 403, 409, 422))
def define(body: ListIn, who: Actor = Depends(organ_only), eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        out = service.view_list(service.define(s, **body.model_dump(), actor=who))
    return out


@router.get("/lists/{list_id}", response_model=ListRead, responses=responses(401, 403, 404, 422))
def show(list_id: str = ListId, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        return service.view_list(service.get_list(s, list_id))


@router.post("/lists/{list_id}/publish", response_model=ListRead, responses=responses(401, 403, 404, 409, 422))
def publish(list_id: str = ListId, who: Actor = Depends(organ_only), eng: Engine = Depends(engine)) -> dict:
    """Publish the list with its entry and removal requirements and remedy paths (Art. 24, 25.3)."""
    with session_scope(eng) as s:
        return service.view_list(service.publish(s, list_id=list_id, actor=who))


@router.post("/lists/{list_id}/entries", status_code=201, response_model=EntryRead,
             responses=responses(401, 403, 404, 409, 422))
def enter(body: EntryIn, list_id: str = ListId, who: Actor = Depends(organ_only),
          eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        entry = service.enter(s, list_id=list_id, subject=body.subject, subject_name=body.subject_name,
                              ground=body.ground, ground_text=body.ground_text, document=body.document,
                              decided_on=body.decided_on, persons=[p.model_dump() for p in body.persons], actor=who)
        out = service.view_entry(s, entry)
    return out


@router.post("/list-entries/{entry_id}/removal", response_model=EntryRead,
             responses=responses(401, 403, 404, 409, 422))
def remove(body: RemovalIn, entry_id: int = EntryId, who: Actor = Depends(organ_only),
           eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        entry = service.remove(s, entry_id=entry_id, document=body.document, reason=body.reason, actor=who)
        return service.view_entry(s, entry)


@router.post("/list-entries/{entry_id}/remedies", status_code=201, response_model=RemedyRead,
             responses=responses(401, 403, 404, 409, 422))
def apply_remedy(body: RemedyIn, entry_id: int = EntryId, who: Actor = Depends(subject_only),
                 eng: Engine = Depends(engine)) -> dict:
    """A listed subject applies for remedy against its entry (Art. 25.3)."""
    with session_scope(eng) as s:
        rem = service.apply_remedy(s, entry_id=entry_id, reason=body.reason, actor=who)
        out = {"id": rem.id, "entry_id": rem.entry_id, "status": rem.status, "applied_on": rem.applied_on.isoformat()}
    return out


@router.post("/list-remedies/{remedy_id}/decision", response_model=RemedyDecidedRead,
             responses=responses(401, 403, 404, 409, 422))
def decide_remedy(body: RemedyDecisionIn, remedy_id: int = id_path("The remedy's id"), who: Actor = Depends(organ_only),
                  eng: Engine = Depends(engine)) -> dict:
    """Enter the outcome (the listing organ's, a reconsideration organ's or a court's); revoked removes the entry."""
    with session_scope(eng) as s:
        rem = service.decide_remedy(s, remedy_id=remedy_id, decided_by=body.decided_by, outcome=body.outcome,
                                    document=body.document, actor=who)
        out = {"id": rem.id, "entry_id": rem.entry_id, "status": rem.status, "decided_by": rem.decided_by,
               "outcome_document": rem.outcome_document}
    return out


@router.post("/lists/{list_id}/comments", status_code=201, response_model=CommentRead,
             responses=responses(401, 403, 404, 409, 422))
def record_comment(body: CommentIn, list_id: str = ListId, who: Actor = Depends(organ_only),
                   eng: Engine = Depends(engine)) -> dict:
    """Record a comment received on the list's standard during its comment period (Art. 24)."""
    with session_scope(eng) as s:
        return service.comment_view(service.record_comment(s, list_id=list_id, received_on=body.received_on,
                                                           summary=body.summary, actor=who))


@router.post("/list-comments/{comment_id}/response", response_model=CommentRead,
             responses=responses(401, 403, 404, 409, 422))
def respond_to_comment(body: ResponseIn, comment_id: int = id_path("The comment's id"),
                       who: Actor = Depends(organ_only), eng: Engine = Depends(engine)) -> dict:
    """The keeper's response to a comment (Art. 24)."""
    with session_scope(eng) as s:
        return service.comment_view(service.respond_to_comment(s, comment_id=comment_id, response=body.response,
                                                               actor=who))


@router.get("/public/lists", response_model=list[PublicListRead], responses=responses())
def public_lists(eng: Engine = Depends(engine)) -> list[dict]:
    """Every list published or put out for comment, with its standard and comment record (Art. 24) and, when
    published, its entry and removal conditions and remedy paths (Art. 25.3). No token."""
    with session_scope(eng) as s:
        return service.public_lists(s)


@router.get("/public/lists/{code}", response_model=PublicListRead, responses=responses(404, 422))
def public_list(code: str = text_path("The list's code"), eng: Engine = Depends(engine)) -> dict:
    """One list as published, with its entries in force as the public may see them (each shown entry an
    inquiry by the public, logged). No token."""
    with session_scope(eng) as s:
        return service.public_list(s, code, channel="api")
