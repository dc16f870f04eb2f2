from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import actor, engine, require_role
from ..errors import InvalidInput
from ..responses import JSON
from ..subject import service as subjects
from . import service
from .schemas import DecisionIn, NoteIn, ObjectionIn

router = APIRouter(tags=["objections"])
subject_or_center = require_role("subject", "operator")


@router.post("/objections", status_code=201)
def file(body: ObjectionIn, who: Actor = Depends(subject_or_center), eng: Engine = Depends(engine)) -> JSON:
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
    return JSON(out, status_code=201)


@router.get("/objections/inbox")
def inbox(who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> JSON:
    """A unit's (or the Center's) open work with deadlines; a subject's objections with their outcomes."""
    with session_scope(eng) as s:
        return JSON(service.inbox(s, actor=who))


@router.get("/objections/{objection}")
def show(objection: str, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> JSON:
    """The objector, the Center and the handling unit only."""
    with session_scope(eng) as s:
        obj = service.get_for(s, objection, who)
        return JSON(service.view(s, obj, for_subject=who.subject_id is not None))


@router.post("/objections/{objection}/note")
def note(objection: str, body: NoteIn, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        obj = service.note(s, objection=objection, actor=who, path=body.path)
        return JSON(service.view(s, obj))


@router.post("/objections/{objection}/transfer")
def transfer(objection: str, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        obj = service.transfer(s, objection=objection, actor=who)
        return JSON(service.view(s, obj))


@router.post("/objections/{objection}/decision")
def decision(objection: str, body: DecisionIn, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        obj = service.decide(s, objection=objection, actor=who, outcome=body.outcome, document=body.document,
                             reason=body.reason, changes=body.changes, record_ids=body.record_ids,
                             information_source=body.information_source)
        return JSON(service.view(s, obj))


@router.post("/objections/{objection}/inform")
def inform(objection: str, who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        obj = service.inform(s, objection=objection, actor=who)
        return JSON(service.view(s, obj))
