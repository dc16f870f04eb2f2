"""``/unit/restorations``: the credit restoration applications (信用修复) addressed to the unit that provided the
information, and its decision on each — the same service calls as ``GET /api/v1/restorations/inbox`` and
``POST /api/v1/restorations/{id}/decision`` (Art. 38). A grant is the written proof of restoration, carried
out at once (``restoration.service.decide``)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ..auth import PROVIDER_KINDS
from ..db import session_scope
from ..errors import DomainError, NotFound, msg
from ..law.errors import LawError
from ..restoration import service as restorations
from . import i18n, web

router = APIRouter(include_in_schema=False)
ARTICLE = "Art. 38"


def _viewer(request: Request) -> web.Viewer:
    return web.require(request, roles=PROVIDER_KINDS, article=ARTICLE,
                       message="only the unit that provided the information decides on its restoration")


def _page(request: Request, who, *, refusal=None, form=None, status: int = 200) -> Response:
    with session_scope(request.app.state.engine) as s:
        inbox = restorations.inbox(s, who.actor.unit_id)
    return web.render(request, "portal/unit/restorations.html",
                      {"here": "restorations", "inbox": inbox, "refusal": refusal, "form": form or {}},
                      status=status)


@router.get("/unit/restorations", response_class=HTMLResponse)
def inbox_page(request: Request) -> Response:
    try:
        who = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    return _page(request, who)


@router.post("/unit/restorations/{application_id}/decision", response_class=HTMLResponse)
def decide(request: Request, application_id: int, csrf_token: str = Form(""), outcome: str = Form(""),
           document: str = Form(""), reason: str = Form("")) -> Response:
    try:
        web.check_csrf(request, csrf_token)
        who = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    try:
        with session_scope(request.app.state.engine) as s:
            app = restorations.get(s, application_id)
            if app.unit_id != who.actor.unit_id:
                raise NotFound(msg("no application {application_id} addressed to this unit",
                                   application_id=application_id))
            restorations.decide(s, application_id=application_id, actor=who.actor, outcome=outcome,
                                document=document, reason=reason)
    except (DomainError, LawError) as exc:
        page_lang = web.lang(request)[0]
        translated = i18n.translate_message(exc.message, page_lang)
        refusal = {"id": application_id, "message": translated or exc.message, "article": exc.article,
                   "lang": page_lang if translated else "en"}
        return _page(request, who, refusal=refusal,
                     form={"id": application_id, "outcome": outcome, "document": document, "reason": reason},
                     status=getattr(exc, "status", 422))
    return web.redirect(f"/unit/restorations?decided={application_id}")
