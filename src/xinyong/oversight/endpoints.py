from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import engine, require_role
from ..errors import responses
from . import service
from .schemas import ConsoleActRead

router = APIRouter(prefix="/oversight", tags=["oversight"])


@router.get("/console-acts", response_model=list[ConsoleActRead], responses=responses(401, 403, 422))
def console_acts(since: date | None = Query(None), who: Actor = Depends(require_role("supervisor")),
                 eng: Engine = Depends(engine)) -> list[dict]:
    """The console's acts for units, each with its recorded reason (the supervisor's view, Art. 19(2))."""
    with session_scope(eng) as s:
        return service.console_acts(s, since=since)
