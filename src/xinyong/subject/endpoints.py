from __future__ import annotations

from fastapi import APIRouter, Depends
from ..auth import Actor
from ..clock import today
from ..deps import actor
from ..errors import responses
from .identifiers import parse_identifier
from .schemas import CheckIn, IdentifierCheckRead

router = APIRouter(prefix="/subjects", tags=["subjects"])


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
