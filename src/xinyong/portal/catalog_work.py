"""Compiling the catalog in the portal (Art. 10), over ``catalog.compilation`` as the CLI is.

``/unit/catalog``: a providing unit's officer proposes an item with its reasons (flagged when opinions differ widely
or the social impact may be large), or proposes to retire one (``/unit/catalog/retire``), and follows its proposals.
``/oversight/catalog``: the supervisor records the assessment of a contested proposal, compiles proposals into a draft
with the procedures of Art. 11.2, puts it out for public comment, records comments received elsewhere and answers
every comment (those the public sent on the portal or the API with the contact they gave, seen only here), records the
deliberative body's approval, and publishes it. The public reads the drafts, and comments during the period, on
``/catalog`` and ``/catalog/drafts/{id}`` (``portal/public.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from ..auth import PROVIDER_KINDS
from ..catalog import compilation
from ..db import session_scope
from ..errors import DomainError, InvalidInput
from ..law.errors import LawError
from ..models import CatalogAssessment, CatalogDraft, CatalogProposal, Unit
from . import web

router = APIRouter(include_in_schema=False)


def _supervisor(request: Request) -> web.Viewer:
    return web.require(request, roles=("supervisor",), article="Art. 10.2",
                       message="the catalog is compiled and published by the social credit supervisor, under its own "
                               "identity (its token)")


def _unit(request: Request) -> web.Viewer:
    return web.require(request, roles=PROVIDER_KINDS, article="Art. 10.1",
                       message="items are proposed for the catalog by the units concerned (organs and the public "
                               "bodies that produce public credit information) or the supervisor")


def _refusal(request: Request, exc: DomainError | LawError, where: str) -> dict[str, Any]:
    message, message_lang = web.worded(exc.message, web.lang(request)[0])
    return {"where": where, "message": message, "article": exc.article, "lang": message_lang}


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("a date is written YYYY-MM-DD", field=field) from None


def _proposals(session, where) -> list[dict[str, Any]]:
    rows = list(session.scalars(select(CatalogProposal).where(where).order_by(CatalogProposal.id.desc())))
    assessed: dict[int, list[CatalogAssessment]] = {}
    for a in session.scalars(select(CatalogAssessment).where(
            CatalogAssessment.proposal_id.in_([p.id for p in rows] or [-1]))):
        assessed.setdefault(a.proposal_id, []).append(a)
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_({p.unit_id for p in rows if p.unit_id}
                                                                             or {-1}))).all())
    return [{**compilation.proposal_view(p, assessed.get(p.id, [])), "unit_name": names.get(p.unit_id)} for p in rows]


# --- the supervisor ---------------------------------------------------------------------------------------------

def _oversight_page(request: Request, *, refusal=None, status: int = 200) -> Response:
    with session_scope(request.app.state.engine) as s:
        proposals = _proposals(s, CatalogProposal.id.is_not(None))
        drafts = [compilation.draft_view(s, d, for_supervisor=True)
                  for d in s.scalars(select(CatalogDraft).order_by(CatalogDraft.id.desc()))]
        versions = compilation.versions(s)
    return web.render(request, "portal/oversight/catalog.html",
                      {"proposals": proposals, "drafts": drafts, "versions": versions, "refusal": refusal},
                      status=status)


@router.get("/oversight/catalog", response_class=HTMLResponse)
def oversight_catalog(request: Request) -> Response:
    try:
        _supervisor(request)
        return _oversight_page(request)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)


@router.post("/oversight/catalog/{step}", response_class=HTMLResponse)
async def oversight_step(request: Request, step: str) -> Response:
    """One step of the compilation: ``assess``, ``draft``, ``comment-period``, ``comment``, ``respond``, ``approve``,
    ``publish`` — the form's fields as the service takes them."""
    form = await request.form()
    get = lambda name: str(form.get(name) or "")  # noqa: E731
    try:
        web.check_csrf(request, get("csrf_token"))
        who = _supervisor(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    actor = who.actor
    try:
        with session_scope(request.app.state.engine) as s:
            if step == "assess":
                compilation.record_assessment(
                    s, proposal_id=int(get("proposal") or 0), held_on=_day(get("held_on"), "held_on"),
                    representatives=[r.strip() for r in get("representatives").splitlines() if r.strip()],
                    experts=[e.strip() for e in get("experts").splitlines() if e.strip()],
                    conclusion=get("conclusion"), actor=actor)
            elif step == "draft":
                compilation.compile_draft(s, title=get("title"), procedures=get("procedures"), actor=actor,
                                          proposal_ids=[int(p) for p in form.getlist("proposal") if str(p).isdigit()])
            elif step == "comment-period":
                compilation.put_out_for_comment(s, draft_id=int(get("draft") or 0),
                                                comment_from=_day(get("comment_from"), "comment_from"),
                                                comment_to=_day(get("comment_to"), "comment_to"), actor=actor)
            elif step == "comment":
                compilation.record_comment(s, draft_id=int(get("draft") or 0),
                                           received_on=_day(get("received_on"), "received_on"),
                                           summary=get("summary"), actor=actor)
            elif step == "respond":
                compilation.respond(s, comment_id=int(get("comment") or 0), response=get("response"), actor=actor)
            elif step == "approve":
                compilation.approve(s, draft_id=int(get("draft") or 0), document=get("document"),
                                    approved_on=_day(get("approved_on"), "approved_on"), actor=actor)
            elif step == "publish":
                compilation.publish(s, draft_id=int(get("draft") or 0), actor=actor)
            else:
                return web.error_page(request, InvalidInput("no such step", field="step"))
    except (DomainError, LawError) as exc:
        return _oversight_page(request, refusal=_refusal(request, exc, step), status=getattr(exc, "status", 422))
    except ValueError:
        return _oversight_page(request, refusal=_refusal(request, InvalidInput("a number was expected"), step),
                               status=422)
    return web.redirect(f"/oversight/catalog?done={step}")


# --- a providing unit -------------------------------------------------------------------------------------------

def _unit_page(request: Request, viewer: web.Viewer, *, refusal=None, form=None, retire_form=None,
               status: int = 200) -> Response:
    with session_scope(request.app.state.engine) as s:
        mine = _proposals(s, CatalogProposal.unit_id == viewer.actor.unit_id)
    return web.render(request, "portal/unit/catalog.html",
                      {"proposals": mine, "refusal": refusal, "form": form or {}, "retire_form": retire_form or {},
                       "here": "catalog"}, status=status)


@router.get("/unit/catalog", response_class=HTMLResponse)
def unit_catalog(request: Request) -> Response:
    try:
        return _unit_page(request, _unit(request))
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)


@router.post("/unit/catalog", response_class=HTMLResponse)
def unit_propose(request: Request, csrf_token: str = Form(""), code: str = Form(""), name_zh: str = Form(""),
                 name_en: str = Form(""), item_class: str = Form("untrustworthy"), article: str = Form(""),
                 legal_basis: str = Form(""), disclosure: str = Form("public"), record_format: str = Form("general"),
                 fields: str = Form(""), providers: str = Form(""), reasons: str = Form(""),
                 contested: str = Form("")) -> Response:
    try:
        web.check_csrf(request, csrf_token)
        viewer = _unit(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    form = {"code": code, "name_zh": name_zh, "name_en": name_en, "class": item_class, "article": article,
            "legal_basis": legal_basis, "disclosure": disclosure, "record_format": record_format, "fields": fields,
            "providers": providers, "reasons": reasons, "contested": bool(contested)}
    item = {k: v.strip() if isinstance(v, str) else v for k, v in form.items()
            if k not in ("reasons", "contested", "fields")}
    item["untrustworthy"] = item_class == "untrustworthy"
    item["fields"] = [f.strip() for f in fields.replace("，", ",").split(",") if f.strip()] or None
    try:
        with session_scope(request.app.state.engine) as s:
            compilation.propose(s, item=item, reasons=reasons, contested=bool(contested), actor=viewer.actor)
    except (DomainError, LawError) as exc:
        return _unit_page(request, viewer, refusal=_refusal(request, exc, "propose"), form=form,
                          status=getattr(exc, "status", 422))
    return web.redirect("/unit/catalog?proposed=1")


@router.post("/unit/catalog/retire", response_class=HTMLResponse)
def unit_propose_retirement(request: Request, csrf_token: str = Form(""), code: str = Form(""),
                            reasons: str = Form(""), contested: str = Form("")) -> Response:
    """A unit proposes to take an item out of the catalog, with its reasons: it goes through the draft, the public
    comment and the approval as an item going in does (platform policy resting on Art. 10)."""
    try:
        web.check_csrf(request, csrf_token)
        viewer = _unit(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    form = {"code": code, "reasons": reasons, "contested": bool(contested)}
    try:
        with session_scope(request.app.state.engine) as s:
            compilation.propose(s, item={"code": code.strip()}, reasons=reasons, contested=bool(contested),
                                actor=viewer.actor, kind="retire")
    except (DomainError, LawError) as exc:
        return _unit_page(request, viewer, refusal=_refusal(request, exc, "retire"), retire_form=form,
                          status=getattr(exc, "status", 422))
    return web.redirect("/unit/catalog?proposed=1")
