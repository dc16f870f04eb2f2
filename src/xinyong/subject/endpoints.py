from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..clock import today
from ..db import session_scope
from ..deps import actor, engine, require_role, unit_actor
from ..errors import responses
from .identifiers import parse_identifier
from .schemas import (CheckIn, IdentifierCheckRead, MergerIn, SplitIn, SubjectChangeIn, SubjectChangeRead,
                      SubjectHistoryRead)

router = APIRouter(prefix="/subjects", tags=["subjects"])
operator = require_role("operator")
subject_only = require_role("subject")


@router.post("/check", response_model=IdentifierCheckRead, responses=responses(401, 403, 422))
def check(body: CheckIn, _who: Actor = Depends(actor)) -> dict:
    """Validate an identifier strictly (sent in the body: identifiers never travel in a URL)."""
    ident = parse_identifier(body.code, today=today())
    return {
        "kind": ident.kind,
        "scheme": ident.scheme,
        "code": ident.masked() if ident.kind == "natural_person" else ident.code,
        "normalisations": list(ident.normalisations),
        "region": {"code": ident.region_code, "name": ident.region_name,
                   "abolished": ident.region_abolished},
        "warnings": list(ident.warnings),
    }


# --- the life of a subject (issue 13 §6) ------------------------------------------------------------------

_document = ("doc_no", "doc_date", "doc_org", "effective_on")


@router.post("/changes", status_code=201, response_model=SubjectChangeRead,
             responses=responses(401, 403, 404, 409, 422))
def record_change(body: SubjectChangeIn, who: Actor = Depends(unit_actor), eng: Engine = Depends(engine)) -> dict:
    """A providing unit records a change of a subject with its document (Art. 11): a new name, a new
    identifier, a former identifier (an old organization code, an old 15-digit number), a deregistration."""
    from . import service

    with session_scope(eng) as s:
        row = service.record_change(s, actor=who, subject=body.subject, kind=body.kind,
                                    new_name=body.new_name, new_identifier=body.new_identifier,
                                    former_identifier=body.former_identifier, reason=body.reason,
                                    **{k: getattr(body, k) for k in _document})
        return service.change_view(s, row)


@router.post("/mergers", status_code=201, response_model=list[SubjectChangeRead],
             responses=responses(401, 403, 404, 409, 422))
def merge(body: MergerIn, who: Actor = Depends(operator), eng: Engine = Depends(engine)) -> list[dict]:
    """The operator's recorded decision that one subject merged into another (never automatic)."""
    from . import service

    with session_scope(eng) as s:
        rows = service.merge(s, actor=who, absorbed=body.absorbed, into=body.into, reason=body.reason,
                             **{k: getattr(body, k) for k in _document})
        return [service.change_view(s, r) for r in rows]


@router.post("/splits", status_code=201, response_model=list[SubjectChangeRead],
             responses=responses(401, 403, 404, 409, 422))
def split(body: SplitIn, who: Actor = Depends(operator), eng: Engine = Depends(engine)) -> list[dict]:
    """The operator's recorded decision that a subject split from another (never automatic)."""
    from . import service

    with session_scope(eng) as s:
        rows = service.split(s, actor=who, source=body.source, new=body.new, new_name=body.new_name,
                             source_ends=body.source_ends, reason=body.reason,
                             **{k: getattr(body, k) for k in _document})
        return [service.change_view(s, r) for r in rows]


@router.get("/me/history", response_model=SubjectHistoryRead, responses=responses(401, 403))
def my_history(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> dict:
    """My names, identifiers and changes, each with its document (Art. 34.1: the sources and reasons of
    changes); my own numbers unmasked."""
    from . import service

    with session_scope(eng) as s:
        return service.history(s, who.subject_id, to_self=True)
