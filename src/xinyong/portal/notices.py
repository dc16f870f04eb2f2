"""``/me/notices``: the subject's inbox of letters (Art. 32.1, 36, 37, 38) and the e-mail address they are
announced to — the same service calls as ``GET /api/v1/me/notices`` and ``PUT /api/v1/me/contact``
(``notice.service``). Opening a letter marks it read."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ..db import session_scope
from ..errors import DomainError
from ..law.errors import LawError
from ..notice import service as notices
from ..report import service as reports
from . import i18n, web
from .me import ARTICLE, ROLES

router = APIRouter(include_in_schema=False)


def _viewer(request: Request) -> web.Viewer:
    return web.require(request, roles=ROLES, article=ARTICLE,
                       message="these pages are for information subjects and their agents")


def _who(viewer: web.Viewer, subject: dict | None) -> dict:
    return {"agent": viewer.actor.agent, "name": (subject or {}).get("name")}


def _title(letter: dict, request: Request) -> str:
    return i18n.translate_message(letter["title"], web.lang(request)[0]) or letter["title"]


def _inbox(request: Request, viewer: web.Viewer, *, refusal=None, status: int = 200) -> Response:
    sid = viewer.actor.subject_id
    with session_scope(request.app.state.engine) as s:
        letters = notices.inbox(s, sid)
        contact = notices.contact_of(s, sid)
        me = reports.own_subject(s, sid)
    for letter in letters:
        letter["title"] = _title(letter, request)
    return web.render(request, "portal/me/notices.html",
                      {"letters": letters, "contact": contact, "refusal": refusal, "who": _who(viewer, me)},
                      status=status)


@router.get("/me/notices", response_class=HTMLResponse)
def my_notices(request: Request) -> Response:
    try:
        viewer = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    return _inbox(request, viewer)


@router.get("/me/notices/{notice_id}", response_class=HTMLResponse)
def my_notice(request: Request, notice_id: int) -> Response:
    try:
        viewer = _viewer(request)
        with session_scope(request.app.state.engine) as s:
            letter = notices.open_letter(s, subject_id=viewer.actor.subject_id, notice_id=notice_id)
            me = reports.own_subject(s, viewer.actor.subject_id)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    letter["title"] = _title(letter, request)
    return web.render(request, "portal/me/notice.html", {"letter": letter, "who": _who(viewer, me)})


@router.post("/me/notices/contact", response_class=HTMLResponse)
def set_contact(request: Request, csrf_token: str = Form(""), address: str = Form("")) -> Response:
    try:
        web.check_csrf(request, csrf_token)
        viewer = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    try:
        with session_scope(request.app.state.engine) as s:
            notices.set_contact(s, actor=viewer.actor, address=address)
    except (DomainError, LawError) as exc:
        page_lang = web.lang(request)[0]
        translated = i18n.translate_message(exc.message, page_lang)
        refusal = {"message": translated or exc.message, "article": exc.article}
        return _inbox(request, viewer, refusal=refusal, status=getattr(exc, "status", 422))
    return web.redirect("/me/notices?contact=saved")
