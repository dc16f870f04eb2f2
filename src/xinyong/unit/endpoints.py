from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..clock import start_of, today
from ..errors import Forbidden, responses
from ..db import session_scope
from ..deps import engine, require_role, unit_actor
from ..models import Unit
from . import service
from .schemas import (InquiryListIn, OfficerCreatedRead, OfficerIn, UnitCreatedRead, UnitIn, UnitRead,
                      UnitSummaryRead)

router = APIRouter(prefix="/units", tags=["units"])


@router.get("/me", response_model=UnitRead, responses=responses(401, 403))
def me(who: Actor = Depends(unit_actor), eng: Engine = Depends(engine)) -> dict:
    """The calling unit: its kind, the items it provides and its published inquiry list."""
    with session_scope(eng) as s:
        return service.describe(s.get(Unit, who.unit_id), s)


@router.get("", response_model=list[UnitSummaryRead], responses=responses(401, 403))
def list_units(_who: Actor = Depends(require_role("operator", "supervisor")),
               eng: Engine = Depends(engine)) -> list[dict]:
    with session_scope(eng) as s:
        return [service.describe(u) for u in service.list_units(s)]


@router.post("", status_code=201, response_model=UnitCreatedRead, responses=responses(401, 403, 409, 422))
def add_unit(body: UnitIn, who: Actor = Depends(require_role("operator")),
             eng: Engine = Depends(engine)) -> dict:
    """Register a unit (the operator's task); the response carries its token, shown once."""
    with session_scope(eng) as s:
        unit, token = service.add_unit(
            s, name=body.name, kind=body.kind, uscc=body.uscc, provides=body.provides,
            inquires=body.inquires, purposes=body.purposes, lists=body.lists, subkind=body.subkind,
            mandate=body.mandate, published_on=today(), actor=who,
        )
        info = service.describe(unit, s)
    return {**info, "token": token}


@router.post("/me/officers", status_code=201, response_model=OfficerCreatedRead,
             responses=responses(401, 403, 409, 422))
def add_officer(body: OfficerIn, who: Actor = Depends(unit_actor), eng: Engine = Depends(engine)) -> dict:
    """Add one of the unit's officers (the unit's own token); their token is shown once (Art. 19(2))."""
    if who.officer_id is not None:
        raise Forbidden("officers are added with the unit's own token, not an officer's")
    with session_scope(eng) as s:
        officer, token = service.add_officer(
            s, unit=s.get(Unit, who.unit_id), staff_no=body.staff_no, name=body.name, items=body.items,
            purposes=body.purposes, expires_at=start_of(body.expires_on) if body.expires_on else None,
            actor=who)
        info = {"id": officer.id, "staff_no": officer.staff_no, "name": officer.name,
                "items": officer.items, "purposes": officer.purposes}
    return {**info, "token": token}


@router.put("/me/inquiry-list", response_model=UnitRead, responses=responses(401, 403, 409, 422))
def publish_inquiry_list(body: InquiryListIn, who: Actor = Depends(unit_actor),
                         eng: Engine = Depends(engine)) -> dict:
    """Publish the organ's inquiry list (Art. 17.2), replacing the one in force; refused when a published
    measure the organ implements could no longer be evaluated by it."""
    if who.officer_id is not None:
        raise Forbidden("the inquiry list is published with the unit's own token, not an officer's")
    with session_scope(eng) as s:
        unit = service.publish_inquiry_list(s, unit=s.get(Unit, who.unit_id), items=body.items, lists=body.lists,
                                            purposes=body.purposes, published_on=body.published_on or today(),
                                            actor=who)
        return service.describe(unit, s)
