from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import PROVIDER_KINDS, Actor
from ..db import session_scope
from ..deps import actor, engine, require_role
from ..errors import responses
from ..schemas import id_path
from . import service
from .schemas import RestorationDecisionIn, RestorationIn, RestorationRead

router = APIRouter(tags=["restoration"])
subject_only = require_role("subject")
providers = require_role(*PROVIDER_KINDS)
ApplicationId = id_path("The application's id")


@router.post("/me/restorations", status_code=201, response_model=RestorationRead,
             responses=responses(401, 403, 404, 409, 422))
def apply(body: RestorationIn, who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> dict:
    """Apply to the unit that provided my untrustworthy record for its credit restoration (Art. 38)."""
    with session_scope(eng) as s:
        app = service.apply(s, actor=who, record_id=body.record_id, measure=body.measure, reason=body.reason,
                            materials=[{"text": m} for m in body.materials if m.strip()])
        return service.view(s, app)


@router.get("/me/restorations", response_model=list[RestorationRead], responses=responses(401, 403))
def mine(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> list[dict]:
    with session_scope(eng) as s:
        return service.of_subject(s, who.subject_id)


@router.get("/restorations/inbox", response_model=list[RestorationRead], responses=responses(401, 403))
def inbox(who: Actor = Depends(providers), eng: Engine = Depends(engine)) -> list[dict]:
    """The deciding organ's open applications."""
    with session_scope(eng) as s:
        return service.inbox(s, who.unit_id)


@router.get("/restorations/{application_id}", response_model=RestorationRead, responses=responses(401, 403, 404, 422))
def show(application_id: int = ApplicationId, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> dict:
    """The applicant and the deciding organ only."""
    with session_scope(eng) as s:
        return service.view(s, service.get_for(s, application_id, who))


@router.post("/restorations/{application_id}/decision", response_model=RestorationRead,
             responses=responses(401, 403, 404, 409, 422))
def decide(body: RestorationDecisionIn, application_id: int = ApplicationId, who: Actor = Depends(providers),
           eng: Engine = Depends(engine)) -> dict:
    """The deciding organ decides; a grant restores the record at once (Art. 38: within 3 working days)."""
    with session_scope(eng) as s:
        app = service.decide(s, application_id=application_id, actor=who, outcome=body.outcome,
                             document=body.document, reason=body.reason)
        return service.view(s, app)
