"""``/me/commitments`` and ``/unit/commitments``: declarations and credit commitments (Art. 13.2).

The subject declares, reports or commits to an accepting unit and follows it; the accepting unit accepts or
declines each one and records its fulfilment — the same service calls as ``POST /api/v1/me/commitments``,
``…/acceptance`` and ``…/fulfilment`` (``commitment.service``). What a commitment becomes once accepted is a
record, which the subject's own pages show through the one visibility decision like any other.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ..auth import PROVIDER_KINDS
from ..commitment import rules
from ..commitment import service as commitments
from ..db import session_scope
from ..errors import DomainError, InvalidInput
from ..law.errors import LawError
from . import i18n, web

router = APIRouter(include_in_schema=False)
ARTICLE = "Art. 13.2"


def _refusal(request: Request, exc: DomainError | LawError, target: int | None = None) -> dict:
    page_lang = web.lang(request)[0]
    translated = i18n.translate_message(exc.message, page_lang)
    return {"id": target, "message": translated or exc.message, "article": exc.article,
            "lang": page_lang if translated else "en"}


# --------------------------------------------------------------------------------------------
# the subject

def _subject(request: Request) -> web.Viewer:
    return web.require(request, roles=("subject",), article="Art. 17.1")


def _mine(request: Request, who: web.Viewer, *, refusal=None, form=None, status: int = 200) -> Response:
    with session_scope(request.app.state.engine) as s:
        mine = commitments.of_subject(s, who.actor.subject_id)
    return web.render(request, "portal/me/requests/commitments.html",
                      {"commitments": mine, "forms": rules.FORMS, "kinds": list(rules.KINDS),
                       "disclosures": list(rules.DISCLOSURES), "refusal": refusal, "form": form or {}},
                      status=status)


@router.get("/me/commitments", response_class=HTMLResponse)
def my_commitments(request: Request) -> Response:
    try:
        who = _subject(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    return _mine(request, who)


@router.post("/me/commitments", response_class=HTMLResponse)
def declare(request: Request, csrf_token: str = Form(""), form: str = Form("commitment"), kind: str = Form(""),
            accepting_unit: str = Form(""), reason: str = Form(""), content: str = Form(""),
            liability: str = Form(""), valid_until: str = Form(""), disclosure: str = Form("public"),
            guaranteed: str = Form("")) -> Response:
    try:
        web.check_csrf(request, csrf_token)
        who = _subject(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    entered = {"form": form, "kind": kind, "accepting_unit": accepting_unit, "reason": reason, "content": content,
               "liability": liability, "valid_until": valid_until, "disclosure": disclosure}
    try:
        try:
            until = date.fromisoformat(valid_until) if valid_until.strip() else None
        except ValueError:
            raise InvalidInput("a date is written YYYY-MM-DD", field="valid_until") from None
        with session_scope(request.app.state.engine) as s:
            c = commitments.declare(s, actor=who.actor, form=form, kind=kind, accepting_uscc=accepting_unit,
                                    reason=reason, content=content, liability=liability, valid_until=until,
                                    disclosure=disclosure, guaranteed=guaranteed == "yes")
            cid = c.id
    except (DomainError, LawError) as exc:
        return _mine(request, who, refusal=_refusal(request, exc), form=entered, status=getattr(exc, "status", 422))
    return web.redirect(f"/me/commitments?declared={cid}#commitment-{cid}")


# --------------------------------------------------------------------------------------------
# the accepting unit

def _unit(request: Request) -> web.Viewer:
    return web.require(request, roles=PROVIDER_KINDS, article=ARTICLE,
                       message="only the unit a commitment was made to acts on it")


def _inbox(request: Request, who: web.Viewer, *, refusal=None, form=None, status: int = 200) -> Response:
    with session_scope(request.app.state.engine) as s:
        inbox = commitments.inbox(s, who.actor.unit_id)
    return web.render(request, "portal/unit/commitments.html",
                      {"here": "commitments", "inbox": inbox, "outcomes": list(rules.OUTCOMES),
                       "refusal": refusal, "form": form or {}}, status=status)


@router.get("/unit/commitments", response_class=HTMLResponse)
def unit_commitments(request: Request) -> Response:
    try:
        who = _unit(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    return _inbox(request, who)


@router.post("/unit/commitments/{commitment_id}", response_class=HTMLResponse)
def act(request: Request, commitment_id: int, csrf_token: str = Form(""), step: str = Form(""),
        document: str = Form(""), reason: str = Form("")) -> Response:
    """``step``: accept | decline | fulfilled | partly_fulfilled | not_fulfilled."""
    try:
        web.check_csrf(request, csrf_token)
        who = _unit(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    try:
        with session_scope(request.app.state.engine) as s:
            if step in ("accept", "decline"):
                do = commitments.accept if step == "accept" else commitments.decline
                do(s, commitment_id=commitment_id, actor=who.actor, document=document, reason=reason)
            else:
                commitments.record_fulfilment(s, commitment_id=commitment_id, actor=who.actor, outcome=step,
                                              document=document, reason=reason)
    except (DomainError, LawError) as exc:
        return _inbox(request, who, refusal=_refusal(request, exc, commitment_id),
                      form={"id": commitment_id, "step": step, "document": document, "reason": reason},
                      status=getattr(exc, "status", 422))
    return web.redirect(f"/unit/commitments?done={commitment_id}")
