"""Publication without signing in: /catalog, /organs, /measures, /lists, /lists/{code}, /service (Art. 10.2, 17.2,
18.1, 22, 24, 25.3), and their JSON under /api/v1/public/…; the operator edits the service norms on
/console/service.

Pages are thin: each calls the service its JSON twin calls (the catalog, unit, measure and listing services, and
the service norms below) and renders. A list's entries reach the page only through
``listing.service.public_list``: the one visibility decision for the public, each shown entry logged.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..catalog import compilation
from ..catalog import service as catalog
from ..catalog.schemas import (CatalogCommentIn, CatalogCommentReceivedRead, CatalogDraftRead,
                               PublicCatalogItemRead)
from ..clock import now, today
from ..db import session_scope
from ..deps import engine as engine_dep
from ..errors import DomainError, Forbidden, InvalidInput, NotFound, msg, responses
from ..law.errors import LawError
from ..listing import service as listing
from ..measure import service as measures
from ..models import CatalogItem, CreditList, ServiceNorm
from ..schemas import ReadModel, id_path, storable
from ..unit import service as units
from ..unit.rules import PURPOSES
from . import web

router = APIRouter()
api = APIRouter(prefix="/api/v1/public", tags=["public"], responses=responses(429))
HTML = {"response_class": HTMLResponse, "include_in_schema": False}


# --- the organs' published inquiry lists (Art. 17.2) ----------------------------------------------------------

def organs_lists(session: Session) -> list[dict[str, Any]]:
    """Each active organ with a published inquiry list: its items and lists × purposes, each with the day it was
    published (Art. 17.2), through the unit service."""
    names = {c: (zh, en) for c, zh, en in session.execute(select(CatalogItem.code, CatalogItem.name_zh,
                                                                 CatalogItem.name_en))}
    lists = {i: (code, name) for i, code, name in session.execute(select(CreditList.id, CreditList.code,
                                                                         CreditList.name))}
    out = []
    for unit in units.list_units(session):
        d = units.describe(unit, session)
        if not unit.active or not (d["inquiry_list"] or d.get("inquiry_lists")):
            continue
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for q in d["inquiry_list"]:
            zh, en = names.get(q["item"], (q["item"], q["item"]))
            row = rows.setdefault(("item", q["item"]), {"type": "item", "code": q["item"], "name_zh": zh,
                                                        "name_en": en, "purposes": []})
            row["purposes"].append({"purpose": q["purpose"], "published_on": q["published_on"]})
        for q in d.get("inquiry_lists", []):
            code, name = lists.get(q["list_id"], (str(q["list_id"]), ""))
            row = rows.setdefault(("list", code), {"type": "list", "code": code, "name_zh": name, "name_en": name,
                                                   "purposes": []})
            row["purposes"].append({"purpose": q["purpose"], "published_on": q["published_on"]})
        days = [p["published_on"] for r in rows.values() for p in r["purposes"]]
        out.append({"name": unit.name, "uscc": unit.uscc, "kind": unit.kind, "published_on": max(days),
                    "first_published_on": min(days), "entries": list(rows.values())})
    return out


# --- the service norms (Art. 18.1) ----------------------------------------------------------------------------

NORM_FIELDS = ("windows", "hours", "reports", "objections")


def norm_view(n: ServiceNorm) -> dict[str, Any]:
    return {"version": n.version, "windows": n.windows, "hours": n.hours, "reports": n.reports,
            "objections": n.objections, "effective_on": n.effective_on.isoformat(),
            "recorded_at": n.created_at.isoformat()}


def current_norms(session: Session) -> ServiceNorm | None:
    return session.scalar(select(ServiceNorm).order_by(ServiceNorm.version.desc()).limit(1))


def norm_versions(session: Session) -> list[dict[str, Any]]:
    return [norm_view(n) for n in session.scalars(select(ServiceNorm).order_by(ServiceNorm.version.desc()))]


def edit_norms(session: Session, *, windows: str, hours: str, reports: str, objections: str,
               effective_on: date | None, actor: Actor) -> ServiceNorm:
    """A new version of the service norms, by the Center (the operator); earlier versions are kept."""
    if actor.role != "operator":
        raise Forbidden("the service norms are made and published by the Center (the operator)", article="Art. 18.1")
    values = {"windows": windows, "hours": hours, "reports": reports, "objections": objections}
    for name, text in values.items():
        if not (text or "").strip():
            raise InvalidInput(msg("the service norms say {name}: fill it in", name=name),
                               field=name, article="Art. 18.1")
        values[name] = storable(text.strip())
    version = (session.scalar(select(func.max(ServiceNorm.version))) or 0) + 1
    n = ServiceNorm(version=version, effective_on=effective_on or today(), edited_by=actor.label[:100],
                    created_at=now(), **values)
    session.add(n)
    session.flush()
    audit.append(session, action="service-norm:edit", actor=actor, object_type="service_norm", object_id=n.id,
                 content=norm_view(n), details={"version": version})
    return n


# --- JSON (no token) -----------------------------------------------------------------------------------------

class PurposeDayRead(ReadModel):
    purpose: str
    published_on: date


class OrganEntryRead(ReadModel):
    type: str = Field(..., description="item (a catalog item) | list (a list's entries)")
    code: str
    name_zh: str
    name_en: str
    purposes: list[PurposeDayRead]


class OrganListRead(ReadModel):
    """An organ's published inquiry list (Art. 17.2): items and lists × purposes, each from its day."""

    name: str
    uscc: str
    kind: str
    published_on: date = Field(..., description="The latest publication among its pairs")
    first_published_on: date
    entries: list[OrganEntryRead]


class ServiceNormRead(ReadModel):
    """The Center's service norms (Art. 18.1): windows, hours, how to get a report, how to object."""

    version: int
    windows: str
    hours: str
    reports: str
    objections: str
    effective_on: date
    recorded_at: str


@api.get("/catalog", response_model=list[PublicCatalogItemRead], responses=responses())
def catalog_json(eng: Engine = Depends(engine_dep)) -> list[dict]:
    """The catalog as published (Art. 10.2): every item with its fields, legal basis, disclosure level and the
    units that provide it. No token."""
    with session_scope(eng) as s:
        return catalog.published_catalog(s)


@api.get("/catalog/drafts", response_model=list[CatalogDraftRead], responses=responses())
def catalog_drafts_json(eng: Engine = Depends(engine_dep)) -> list[dict]:
    """The drafts of the catalog put out for public comment, approved or published (Art. 10.2): their proposals with
    the reasons and assessments, the comment period, each comment with its response, the approval. No token."""
    with session_scope(eng) as s:
        return compilation.public_drafts(s)


@api.post("/catalog/drafts/{draft_id}/comments", status_code=201, response_model=CatalogCommentReceivedRead,
          responses=responses(404, 422))
def catalog_comment_json(body: CatalogCommentIn, draft_id: int = id_path("The draft's id"),
                         eng: Engine = Depends(engine_dep)) -> dict:
    """Comment on a draft of the catalog during its public comment period (Art. 10.2). No token: anyone may. The
    text is stored as received (ID-shaped numbers masked) and answered on the draft's page; the contact, if given,
    is shown to the supervisor only. Outside the period: 422 naming the article."""
    with session_scope(eng) as s:
        c = compilation.submit_comment(s, draft_id=draft_id, text=body.text, contact=body.contact, channel="api")
        return {"id": c.id, "draft": c.draft_id, "received_on": c.received_on, "text": c.summary}


@api.get("/organs", response_model=list[OrganListRead], responses=responses())
def organs_json(eng: Engine = Depends(engine_dep)) -> list[dict]:
    """Each organ's published inquiry list with its publication dates (Art. 17.2). No token."""
    with session_scope(eng) as s:
        return organs_lists(s)


@api.get("/service", response_model=ServiceNormRead, responses=responses(404))
def service_json(eng: Engine = Depends(engine_dep)) -> dict:
    """The current service norms of the Center (Art. 18.1). No token."""
    with session_scope(eng) as s:
        n = current_norms(s)
        if n is None:
            raise NotFound("the service norms have not been published yet")
        return norm_view(n)


router.include_router(api)


# --- pages ---------------------------------------------------------------------------------------------------

def _purpose(code: str, lang: str) -> str:
    found = PURPOSES.get(code)
    return (found[0] if lang == "zh" else found[1]) if found else code


def _page(request: Request, name: str, ctx: dict[str, Any], **kw) -> HTMLResponse:
    lang, _ = web.lang(request)
    return web.render(request, f"portal/public/{name}",
                      {"purpose": lambda c: _purpose(c, lang), "here": name.removesuffix(".html"), **ctx}, **kw)


@router.get("/catalog", **HTML)
def catalog_page(request: Request) -> HTMLResponse:
    with session_scope(request.app.state.engine) as s:
        items = catalog.published_catalog(s)
        drafts = compilation.public_drafts(s)
        versions = compilation.versions(s)
    return _page(request, "catalog.html", {"items": items, "drafts": drafts,
                                           "version": versions[0] if versions else None})


def _draft_page(request: Request, draft_id: str, *, refusal: dict | None = None, form: dict | None = None,
                status: int = 200) -> HTMLResponse:
    try:
        with session_scope(request.app.state.engine) as s:
            draft = next((d for d in compilation.public_drafts(s) if str(d["id"]) == draft_id), None)
            if draft is None:
                raise NotFound(msg("no draft {id}", id=draft_id[:20]), field="draft")
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    day = today().isoformat()
    # the comment form only while the draft is out for comment (the service refuses a comment outside it anyway)
    open_now = draft["state"] == "out_for_comment" and draft["comment_from"] <= day <= draft["comment_to"]
    return _page(request, "catalog_draft.html", {"draft": draft, "open_now": open_now, "refusal": refusal,
                                                 "form": form or {}, "sent": request.query_params.get("sent")},
                 status=status)


@router.get("/catalog/drafts/{draft_id}", **HTML)
def catalog_draft_page(request: Request, draft_id: str) -> HTMLResponse:
    return _draft_page(request, draft_id)


@router.post("/catalog/drafts/{draft_id}/comments", **HTML)
def catalog_draft_comment(request: Request, draft_id: str, csrf_token: str = Form(""), text: str = Form(""),
                          contact: str = Form("")) -> Response:
    """Anyone, signed in or not, comments on a draft during its comment period (Art. 10.2). The form carries the
    CSRF token as every form does: the session's when signed in, else the browser's ``xinyong_csrf`` cookie's
    (double submit, ``web.check_csrf``)."""
    try:
        web.check_csrf(request, csrf_token)
        if not draft_id.isdigit() or len(draft_id) > 18:
            raise NotFound(msg("no draft {id}", id=draft_id[:20]), field="draft")
        with session_scope(request.app.state.engine) as s:
            compilation.submit_comment(s, draft_id=int(draft_id), text=storable(text), contact=storable(contact),
                                       channel="portal")
    except NotFound as exc:
        return web.error_page(request, exc)
    except (DomainError, LawError, ValueError) as exc:
        if isinstance(exc, ValueError):  # text the databases cannot store
            exc = InvalidInput(str(exc), field="text")
        if getattr(exc, "status", None) == 403:
            return web.error_page(request, exc)
        message, message_lang = web.worded(exc.message, web.lang(request)[0])
        return _draft_page(request, draft_id, refusal={"message": message, "lang": message_lang,
                                                       "article": exc.article},
                           form={"text": text, "contact": contact}, status=getattr(exc, "status", 422))
    return web.redirect(f"/catalog/drafts/{draft_id}?sent=1#comment-form")


@router.get("/organs", **HTML)
def organs_page(request: Request) -> HTMLResponse:
    with session_scope(request.app.state.engine) as s:
        organs = organs_lists(s)
    return _page(request, "organs.html", {"organs": organs})


@router.get("/measures", **HTML)
def measures_page(request: Request) -> HTMLResponse:
    with session_scope(request.app.state.engine) as s:
        rows = measures.public_application_list(s)
    return _page(request, "measures.html", {"measures": rows})


@router.get("/lists", **HTML)
def lists_page(request: Request) -> HTMLResponse:
    with session_scope(request.app.state.engine) as s:
        rows = listing.public_lists(s)
    return _page(request, "lists.html", {"lists": rows})


@router.get("/lists/{code}", **HTML)
def list_page(request: Request, code: str) -> HTMLResponse:
    try:
        if len(code) > 40:
            raise NotFound(msg("no list {code}", code=code[:40]), field="list")
        # each entry shown is an inquiry by the public: logged with the scope, before the page is shown
        with session_scope(request.app.state.engine) as s:
            lst = listing.public_list(s, code, channel="portal")
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return _page(request, "list.html", {"lst": lst})


@router.get("/service", **HTML)
def service_page(request: Request) -> HTMLResponse:
    with session_scope(request.app.state.engine) as s:
        n = current_norms(s)
        norms = norm_view(n) if n is not None else None
    return _page(request, "service.html", {"norms": norms})


@router.get("/console/service", **HTML)
def console_service_page(request: Request) -> HTMLResponse:
    web.require(request, roles=("operator",), article="Art. 18.1",
                message="the service norms are edited by the Center (the operator)")
    with session_scope(request.app.state.engine) as s:
        versions = norm_versions(s)
    saved = request.query_params.get("saved")
    return _page(request, "console_service.html", {"versions": versions, "current": versions[0] if versions else None,
                                                   "form": None, "error": None, "saved": saved})


@router.post("/console/service", **HTML)
def console_service_post(request: Request, csrf_token: str = Form(""), windows: str = Form(""),
                         hours: str = Form(""), reports: str = Form(""), objections: str = Form(""),
                         effective_on: str = Form("")) -> Response:
    try:
        web.check_csrf(request, csrf_token)
        viewer = web.require(request, roles=("operator",), article="Art. 18.1",
                             message="the service norms are edited by the Center (the operator)")
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    form = {"windows": windows, "hours": hours, "reports": reports, "objections": objections,
            "effective_on": effective_on}
    try:
        try:
            day = date.fromisoformat(effective_on) if effective_on.strip() else None
        except ValueError:
            raise InvalidInput("the effective date is a date, YYYY-MM-DD", field="effective_on") from None
        with session_scope(request.app.state.engine) as s:
            n = edit_norms(s, windows=windows, hours=hours, reports=reports, objections=objections,
                           effective_on=day, actor=viewer.actor)
            version = n.version
    except (DomainError, LawError) as exc:
        with session_scope(request.app.state.engine) as s:
            versions = norm_versions(s)
        return _page(request, "console_service.html",
                     {"versions": versions, "current": versions[0] if versions else None, "form": form,
                      "error": {"message": exc.message, "article": exc.article}, "saved": None},
                     status=exc.status)
    return web.redirect(f"/console/service?saved={version}")
