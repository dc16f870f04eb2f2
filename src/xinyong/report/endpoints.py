"""Credit reports over HTTP: a subject's own (Art. 34.2), an administrative organ's (Art. 28, 41)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import actor, engine, require_role
from ..errors import responses
from ..responses import JSON
from ..schemas import text_path
from . import pdfstore, render, seal, service
from .schemas import Format, OrganReportIn, OwnReportIn, ReportListedRead, ReportRead

router = APIRouter(tags=["reports"])
subject_only = require_role("subject")
organ_only = require_role("administrative")


def _report(status: int, description: str) -> dict:
    """A report in the format asked for: JSON (ReportRead, a pre-built orjson body), HTML or PDF."""
    return {status: {"model": ReportRead, "description": description,
                     "content": {"text/html": {"schema": {"type": "string"}},
                                 "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


ReportNo = text_path("The report's number")


def _respond(snapshot: dict, fmt: str, status_code: int = 200, *, sealed: dict | None = None,
             base_url: str | None = None, eng: Engine | None = None) -> Response:
    """The report in ``fmt``; the HTML and the PDF print its seal and the QR code to /verify/{number}
    (the JSON is the snapshot alone: its digest is the seal's, X-Report-Digest says it too)."""
    number = snapshot["number"]
    headers = {"X-Report-Number": number}
    view = None
    if sealed and sealed.get("digest"):
        headers["X-Report-Digest"] = sealed["digest"]
        view = seal.view(number, snapshot["issued_at"], sealed["digest"], sealed.get("signature"),
                         sealed.get("key_id"), base_url)
    if fmt == "json":
        return JSON(snapshot, status_code=status_code, headers=headers)
    if fmt == "pdf":
        headers["Content-Disposition"] = f'attachment; filename="{number}.pdf"'
        # rendered once per stored snapshot, then sent as stored
        return Response(pdfstore.render(eng, number, snapshot, view), status_code=status_code,
                        media_type=render.MEDIA_TYPES[fmt], headers=headers)
    return Response(render.render(snapshot, fmt, view), status_code=status_code,
                    media_type=render.MEDIA_TYPES[fmt], headers=headers)


def _issue(eng: Engine, who: Actor, *, subject: str | None, purpose: str | None, fmt: str,
           base_url: str | None = None) -> Response:
    if fmt == "pdf":
        from .pdf import find_font

        find_font()  # a missing font fails before anything is counted
    with session_scope(eng) as s:
        issued = service.issue(s, actor=who, subject=subject, purpose=purpose)
    issued.answer.raise_if_denied()  # after the commit: the refusal is logged too
    return _respond(issued.snapshot, fmt, status_code=201, sealed=issued.seal, base_url=base_url, eng=eng)


@router.post("/me/reports", status_code=201, response_class=JSON,
             responses={**_report(201, "The report issued"), **responses(401, 403, 404, 409, 422)})
def issue_own(body: OwnReportIn, request: Request, who: Actor = Depends(subject_only),
              eng: Engine = Depends(engine)) -> Response:
    """Issue my credit report (Art. 34.2: natural persons get the free ones of each calendar year)."""
    return _issue(eng, who, subject=None, purpose=None, fmt=body.format, base_url=str(request.base_url))


@router.get("/me/reports", response_model=list[ReportListedRead], responses=responses(401, 403))
def my_reports(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> list[dict]:
    """The reports issued about me: number, when, to whom, free or chargeable."""
    with session_scope(eng) as s:
        return service.listing(s, who.subject_id)


@router.get("/me/reports/{number}", response_class=JSON,
            responses={**_report(200, "The report again"), **responses(401, 403, 404, 422)})
def my_report(request: Request, number: str = ReportNo, format: Format = Query("json"),
              who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> Response:
    """An issued report again, in any format: nothing is counted or charged."""
    with session_scope(eng) as s:
        snapshot, sealed = service.get_sealed(s, number, actor=who)
    return _respond(snapshot, format, sealed=sealed, base_url=str(request.base_url), eng=eng)


@router.post("/reports", status_code=201, response_class=JSON,
             responses={**_report(201, "The report issued"), **responses(401, 403, 404, 409, 422)})
def issue_for_organ(body: OrganReportIn, request: Request, who: Actor = Depends(organ_only),
                    eng: Engine = Depends(engine)) -> Response:
    """An administrative organ's report for an Art. 28 purpose, under its published inquiry list;
    never counted among the subject's free reports nor charged to it (Art. 41)."""
    return _issue(eng, who, subject=body.subject, purpose=body.purpose, fmt=body.format,
                  base_url=str(request.base_url))


@router.get("/reports/{number}", response_class=JSON,
            responses={**_report(200, "The report again"), **responses(401, 403, 404, 422)})
def organ_report(request: Request, number: str = ReportNo, format: Format = Query("json"),
                 who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> Response:
    """A report this organ requested, again, in any format."""
    with session_scope(eng) as s:
        snapshot, sealed = service.get_sealed(s, number, actor=who)
    return _respond(snapshot, format, sealed=sealed, base_url=str(request.base_url), eng=eng)
