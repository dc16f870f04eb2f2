from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import PROVIDER_KINDS, Actor
from ..db import session_scope
from ..deps import actor, engine, require_role
from ..errors import responses
from ..schemas import id_path
from . import service
from .schemas import AcceptanceIn, CommitmentIn, CommitmentRead, FulfilmentIn

router = APIRouter(tags=["commitments"])
subject_only = require_role("subject")
providers = require_role(*PROVIDER_KINDS)
CommitmentId = id_path("The commitment's id")


@router.post("/me/commitments", status_code=201, response_model=CommitmentRead,
             responses=responses(401, 403, 404, 409, 422))
def declare(body: CommitmentIn, who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> dict:
    """Declare, self-report or make a credit commitment to an accepting unit, guaranteeing it lawful, true and
    complete (Art. 13.2)."""
    with session_scope(eng) as s:
        c = service.declare(s, actor=who, form=body.form, kind=body.kind, accepting_uscc=body.accepting_unit,
                            reason=body.reason, content=body.content, liability=body.liability,
                            valid_until=body.valid_until, disclosure=body.disclosure, guaranteed=body.guaranteed)
        return service.view(s, c)


@router.get("/me/commitments", response_model=list[CommitmentRead], responses=responses(401, 403))
def mine(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> list[dict]:
    with session_scope(eng) as s:
        return service.of_subject(s, who.subject_id)


@router.get("/commitments/inbox", response_model=list[CommitmentRead], responses=responses(401, 403))
def inbox(who: Actor = Depends(providers), eng: Engine = Depends(engine)) -> list[dict]:
    """The accepting unit's commitments to accept, and those whose fulfilment is still to record."""
    with session_scope(eng) as s:
        return service.inbox(s, who.unit_id)


@router.get("/commitments/{commitment_id}", response_model=CommitmentRead,
            responses=responses(401, 403, 404, 422))
def show(commitment_id: int = CommitmentId, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> dict:
    """The subject and the accepting unit only."""
    with session_scope(eng) as s:
        return service.view(s, service.get_for(s, commitment_id, who))


@router.post("/commitments/{commitment_id}/acceptance", response_model=CommitmentRead,
             responses=responses(401, 403, 404, 409, 422))
def acceptance(body: AcceptanceIn, commitment_id: int = CommitmentId, who: Actor = Depends(providers),
               eng: Engine = Depends(engine)) -> dict:
    """The accepting unit accepts (the commitment becomes a record of the item 'commitment') or declines."""
    with session_scope(eng) as s:
        act = service.accept if body.accept else service.decline
        c = act(s, commitment_id=commitment_id, actor=who, document=body.document, reason=body.reason)
        return service.view(s, c)


@router.post("/commitments/{commitment_id}/fulfilment", response_model=CommitmentRead,
             responses=responses(401, 403, 404, 409, 422))
def fulfilment(body: FulfilmentIn, commitment_id: int = CommitmentId, who: Actor = Depends(providers),
               eng: Engine = Depends(engine)) -> dict:
    """The accepting unit records the fulfilment: fully, partly or not (a breach), with its document."""
    with session_scope(eng) as s:
        c = service.record_fulfilment(s, commitment_id=commitment_id, actor=who, outcome=body.outcome,
                                      document=body.document, reason=body.reason)
        return service.view(s, c)
