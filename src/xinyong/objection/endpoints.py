from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import actor, engine, require_role
from ..errors import InvalidInput, responses
from ..schemas import text_path
from ..subject import service as subjects
from . import service
from .schemas import DecisionIn, InboxStepRead, NoteIn, ObjectionIn, ObjectionRead

ObjectionNo = text_path("The objection's number or id")

router = APIRouter(tags=["objections"])
subject_or_center = require_role("subject", "operator")


@router.post("/objections", status_code=201, response_model=ObjectionRead,
             responses=responses(401, 403, 404, 409, 422))
def file(body: ObjectionIn, who: Actor = Depends(subject_or_center), eng: Engine = Depends(engine)) -> dict:
    """Object to my own records, an omission or an unlawful collection or provision (Art. 36.1); or, for
    the Center, enter an objection received by post or at a window, with the day it was received."""
    with session_scope(eng) as s:
        if who.role == "subject":
            if body.subject is not None:
                raise InvalidInput("a subject files about itself: leave out 'subject'", field="subject")
            subject_id = who.subject_id
        elif body.subject is None:
            raise InvalidInput("name the objecting subject ('subject': its USCC or resident identity card "
                               "number)", field="subject")
        else:
            subject_id = subjects.find(s, body.subject).id
        obj = service.file(s, actor=who, subject_id=subject_id, kind=body.kind, reason=body.reason,
                           evidence=body.evidence, record_ids=body.record_ids, to_uscc=body.to_uscc,
                           channel="api", received_on=body.received_on)
        out = service.view(s, obj, for_subject=who.role == "subject")
    return out


@router.get("/objections/inbox", response_model=list[ObjectionRead | InboxStepRead], responses=responses(401, 403, 422))
def inbox(who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> list[dict]:
    """A unit's (or the Center's) open work with deadlines; a subject's objections with their outcomes."""
    with session_scope(eng) as s:
        return service.inbox(s, actor=who)


@router.get("/objections/{objection}", response_model=ObjectionRead, responses=responses(401, 403, 404, 422))
def show(objection: str = ObjectionNo, *, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> dict:
    """The objector, the Center and the handling unit only."""
    with session_scope(eng) as s:
        obj = service.get_for(s, objection, who)
        return service.view(s, obj, for_subject=who.subject_id is not None)


@router.post("/objections/{objection}/note", response_model=ObjectionRead,
             responses=responses(401, 403, 404, 409, 422))
def note(body: NoteIn, objection: str = ObjectionNo, who: Actor = Depends(actor),
         eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        obj = service.note(s, objection=objection, actor=who, path=body.path)
        return service.view(s, obj)


@router.post("/objections/{objection}/transfer", response_model=ObjectionRead,
             responses=responses(401, 403, 404, 409, 422))
def transfer(objection: str = ObjectionNo, *, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        obj = service.transfer(s, objection=objection, actor=who)
        return service.view(s, obj)


@router.post("/objections/{objection}/decision", response_model=ObjectionRead,
             responses=responses(401, 403, 404, 409, 422))
def decision(body: DecisionIn, objection: str = ObjectionNo, who: Actor = Depends(actor),
             eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        obj = service.decide(s, objection=objection, actor=who, outcome=body.outcome, document=body.document,
                             reason=body.reason, changes=body.changes, record_ids=body.record_ids,
                             information_source=body.information_source)
        return service.view(s, obj)


@router.post("/objections/{objection}/inform", response_model=ObjectionRead,
             responses=responses(401, 403, 404, 409, 422))
def inform(objection: str = ObjectionNo, *, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        obj = service.inform(s, objection=objection, actor=who)
        return service.view(s, obj)
