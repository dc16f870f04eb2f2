"""The supervisor, signed in: /oversight (Art. 19, 20, 49-51).

What the platform already knows of breaches, each with its article: refused inquiries by unit and article
(attempts — a refused inquiry disclosed nothing), objection steps past their deadlines (Art. 36), deletions
(Art. 37) and restorations (Art. 38) past theirs, audit verification failures (Art. 20(2)), and the console's
acts for units with their recorded reasons (as ``GET /api/v1/oversight/console-acts``). Computed in
``xinyong.oversight.service.breaches``; the page only renders. Then the oversight register
(``xinyong.oversight.register``): each possible breach with its article, party, competent authority and state,
and the form on which the supervisor records the authority's decision.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ..db import session_scope
from ..errors import DomainError, InvalidInput
from ..law.errors import LawError
from ..oversight import register, service
from . import i18n, web

router = APIRouter(include_in_schema=False)

ROLES = ("supervisor",)


def _viewer(request: Request) -> web.Viewer:
    return web.require(request, roles=ROLES, article="Art. 19(2)",
                       message="this page is the supervisor's: sign in with its token")


def _page(request: Request, *, refusal=None, form=None, status: int = 200) -> Response:
    with session_scope(request.app.state.engine) as s:
        data = service.breaches(s)
        entries = register.entries(s)
    return web.render(request, "portal/oversight/home.html",
                      {"data": data, "register": entries, "refusal": refusal, "form": form or {}}, status=status)


@router.get("/oversight", response_class=HTMLResponse)
def home(request: Request) -> Response:
    try:
        _viewer(request)
        return _page(request)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)


@router.post("/oversight/register/decision", response_class=HTMLResponse)
def decide(request: Request, csrf_token: str = Form(""), key: str = Form(""), outcome: str = Form(""),
           decided_by: str = Form(""), document: str = Form(""), reasons: str = Form(""), deadline: str = Form(""),
           amount_yuan: str = Form(""), referred_to: str = Form("")) -> Response:
    """The competent authority's decision on a register entry, as ``POST /api/v1/oversight/register/{key}/decision``."""
    try:
        web.check_csrf(request, csrf_token)
        who = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    form = {"key": key, "outcome": outcome, "decided_by": decided_by, "document": document, "reasons": reasons,
            "deadline": deadline, "amount_yuan": amount_yuan, "referred_to": referred_to}
    try:
        try:
            due = date.fromisoformat(deadline) if deadline.strip() else None
        except ValueError:
            raise InvalidInput("a deadline is a date (YYYY-MM-DD)", field="deadline") from None
        amount = amount_yuan.strip().replace(",", "")
        if amount and not amount.isdigit():
            raise InvalidInput("a fine's amount is a whole number of yuan", field="amount_yuan")
        with session_scope(request.app.state.engine) as s:
            register.decide(s, key=key, actor=who.actor, outcome=outcome, decided_by=decided_by, document=document,
                            reasons=reasons, deadline=due, amount_yuan=int(amount) if amount else None,
                            referred_to=referred_to)
    except (DomainError, LawError) as exc:
        page_lang = web.lang(request)[0]
        translated = i18n.translate_message(exc.message, page_lang)
        refusal = {"key": key, "message": translated or exc.message, "article": exc.article,
                   "lang": page_lang if translated else "en"}
        return _page(request, refusal=refusal, form=form, status=getattr(exc, "status", 422))
    return web.redirect("/oversight?decided=1#register")
