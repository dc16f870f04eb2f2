"""The exchange as an API (docs/exchange.md): a partner platform, with its unit's token, pulls its export or
pushes its own. The same service as ``xinyong exchange export|import``."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import engine, require_role
from ..errors import Forbidden, responses
from ..inquiry.rules import PLATFORM
from . import service
from .schemas import ExportBundle, ExportIn, ExportRead, ImportRead

router = APIRouter(prefix="/exchange", tags=["exchange"])
platforms = require_role(PLATFORM)


def _partner_name(eng: Engine, who: Actor) -> str:
    with session_scope(eng) as s:
        p = service.partner_of_unit(s, who.unit_id)
        if p is None or not p.active:
            raise Forbidden("this unit is not a registered partner platform")
        return p.name


@router.post("/exports", response_model=ExportRead, responses=responses(401, 403, 404, 422))
def pull_export(body: ExportIn, who: Actor = Depends(platforms), eng: Engine = Depends(engine)) -> dict:
    """The partner's export since its watermark: what it may receive (public items, Art. 12; never what was
    deleted, hidden or is past its period), the acts on records, the objections (Art. 36.2(2)), signed. Every
    subject whose information it carries is logged as an inquiry by the partner before this answer leaves."""
    name = _partner_name(eng, who)
    upto = service.watermark_now(eng)
    with session_scope(eng) as s:
        result = service.export(s, recipient=name, region=None, since=body.since, actor=who, directory=None,
                                channel="api", upto=upto)
    try:  # committed: the log rows are durable
        bundle = result.bundle()
    finally:
        result.discard()
    return {"export_id": result.export_id, "watermark": result.manifest["watermark"], **bundle}


@router.post("/imports", response_model=ImportRead, responses=responses(401, 403, 404, 409, 422))
def push_export(body: ExportBundle, who: Actor = Depends(platforms), eng: Engine = Depends(engine)) -> dict:
    """The partner's own export, pushed: verified against its registered key (Art. 20(2)), its records through
    the importer as its unit, their provenance kept, its acts carried out. The same export again changes
    nothing."""
    name = _partner_name(eng, who)
    files = {k: v.encode("utf-8") for k, v in body.files.items()}
    result = service.import_export(eng, sender=name, body=body.manifest.encode("utf-8"), signature=body.signature,
                                   files=files, actor=who)
    return result.summary()
