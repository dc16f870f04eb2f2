from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import actor, engine
from ..errors import responses
from . import service
from .schemas import CatalogItemRead

router = APIRouter(prefix="/catalog", tags=["catalog"])


@router.get("", response_model=list[CatalogItemRead], responses=responses(401, 403))
def list_items(_who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> list[dict]:
    """The catalog's items with their class, legal basis, disclosure level and state (Art. 9–11)."""
    with session_scope(eng) as s:
        return [service.describe(i) for i in service.list_items(s)]
