from __future__ import annotations

from fastapi import APIRouter, Depends
from ..responses import JSON as ORJSONResponse
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..clock import today
from ..db import session_scope
from ..deps import actor, engine, require_role
from ..models import Unit
from . import service
from .schemas import UnitIn

router = APIRouter(prefix="/units", tags=["units"])


@router.get("/me")
def me(who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> dict:
    """The calling unit: its kind, the items it provides and its published inquiry list."""
    with session_scope(eng) as s:
        return service.describe(s.get(Unit, who.unit_id))


@router.get("")
def list_units(_who: Actor = Depends(require_role("operator", "supervisor")),
               eng: Engine = Depends(engine)) -> list[dict]:
    with session_scope(eng) as s:
        return [service.describe(u) for u in service.list_units(s)]


@router.post("", status_code=201)
def add_unit(body: UnitIn, who: Actor = Depends(require_role("operator")),
             eng: Engine = Depends(engine)) -> ORJSONResponse:
    """Register a unit (the operator's task); the response carries its token, shown once."""
    with session_scope(eng) as s:
        unit, token = service.add_unit(
            s, name=body.name, kind=body.kind, uscc=body.uscc, provides=body.provides,
            inquires=body.inquires, purposes=body.purposes, published_on=today(), actor=who,
        )
        info = service.describe(unit)
    return ORJSONResponse({**info, "token": token}, status_code=201)
