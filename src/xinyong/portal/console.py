"""The operator (the Center), signed in: /console and its pages.

- ``/console``: the work by deadline — the objection queue (every open step of every open objection, overdue
  first, Art. 36), deletions due after revocations (Art. 37) and restorations (Art. 38) with their deadlines,
  purge and seal status with the last ``audit verify`` result (the button queues one: ``xinyong worker`` runs it and keeps
  its outcome as an ``audit:verify`` audit event, Art. 20(2); the page shows it queued, running, finished), and the working-day calendar's years (a warning from
  ``ops.calendar_warning_days`` before 1 January when next year's notice is missing).
- ``/console/units``: units (add one: its token is shown once), ``/console/units/{uscc}``: its officers (add one,
  issue an officer a new token: shown once) and tokens.
- ``/console/catalog``: the catalog, read-only. ``/console/ingestion``: batches by unit, failures, rejects,
  interrupted batches. ``/console/exchange``: the exchange with other platforms (Art. 12): the platform's public
  keys, the partners, exports and imports, objections carried between platforms.
- ``/console/agents``: agents' tokens: issue (the subject's identifier is posted, never in a URL;
  shown once), list, revoke — as ``/api/v1/agent-tokens``.
- ``/console/service`` (the service norms) is the public pages' (``portal/public.py``): linked only.

A token issued here is shown once: after the form the page redirects (303), and the token travels to the next
page in a cookie sealed under the platform's key, bound to this session, limited to ``/console`` and read (and
deleted) by the first page that shows it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from .. import crypto, tokens
from ..auth import UNIT_KINDS
from ..clock import start_of, today
from ..db import session_scope
from ..errors import DomainError, InvalidInput
from ..exchange import service as exchange
from ..law import parameters
from ..law.errors import LawError
from ..oversight import agents, operations
from ..unit import service as units
from . import i18n, web

router = APIRouter(include_in_schema=False)

ROLES = ("operator",)
ONCE_COOKIE = "xinyong_once"
ONCE_SECONDS = 300
AGENT_DAYS_PARAMETER = "access.agent_token_default_days"  # the form's proposed expiry (platform policy)


def _engine(request: Request):
    return request.app.state.engine


def _viewer(request: Request) -> web.Viewer:
    return web.require(request, roles=ROLES, article="Art. 19(2)",
                       message="the console is the Center's (the operator's): sign in with its token")


def _refusal(exc: DomainError | LawError, request: Request) -> dict[str, Any]:
    page_lang = web.lang(request)[0]
    translated = i18n.translate_message(exc.message, page_lang)
    return {"message": translated or exc.message, "lang": page_lang if translated else "en",
            "article": exc.article, "field": getattr(exc, "field", None)}


# --- shown once -------------------------------------------------------------------------------------------

def _context(viewer: web.Viewer) -> str:
    return f"portal-once:{viewer.session_id}"


def _show_once(response: Response, request: Request, viewer: web.Viewer, payload: dict[str, Any]) -> Response:
    sealed = crypto.encrypt_text(orjson.dumps(payload).decode(), context=_context(viewer))
    response.set_cookie(ONCE_COOKIE, sealed, max_age=ONCE_SECONDS, path="/console", httponly=True,
                        samesite="strict", secure=web._secure(request))
    return response


def _take_once(request: Request, viewer: web.Viewer, what: str) -> dict[str, Any] | None:
    sealed = request.cookies.get(ONCE_COOKIE)
    if not sealed:
        return None
    try:
        payload = orjson.loads(crypto.decrypt_text(sealed, context=_context(viewer)))
    except Exception:  # noqa: BLE001 - another session's, tampered, or from before a key rotation: nothing shown
        return None
    return payload if payload.get("what") == what else None


def _page(request: Request, name: str, ctx: dict[str, Any], *, once: bool = False, status: int = 200) -> Response:
    response = web.render(request, f"portal/console/{name}", ctx, status=status)
    if once:
        response.delete_cookie(ONCE_COOKIE, path="/console")
    return response


# --- /console ---------------------------------------------------------------------------------------------

@router.get("/console", response_class=HTMLResponse)
def home(request: Request) -> Response:
    try:
        viewer = _viewer(request)
        with session_scope(_engine(request)) as s:
            data = operations.summary(s)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    verified = request.query_params.get("verified")
    return _page(request, "home.html", {"data": data, "section": "home", "verified": verified, "viewer": viewer})


@router.post("/console/verify", response_class=HTMLResponse)
def verify(request: Request, csrf_token: str = Form("")) -> Response:
    """Queue a verification: ``xinyong worker`` runs ``audit verify`` (minutes on a large database: never in
    the web process) and keeps its outcome (an ``audit:verify`` event): what the console and the supervisor
    show as the last verification (Art. 20(2))."""
    try:
        web.check_csrf(request, csrf_token)
        viewer = _viewer(request)
        with session_scope(_engine(request)) as s:
            operations.request_verification(s, actor=viewer.actor)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect("/console?verified=queued#housekeeping")


# --- units and officers -----------------------------------------------------------------------------------

def _units_page(request: Request, viewer: web.Viewer, *, form: dict | None = None, refusal: dict | None = None,
                status: int = 200) -> Response:
    with session_scope(_engine(request)) as s:
        rows = operations.units_overview(s)
        items = operations.catalog(s)
    issued = _take_once(request, viewer, "unit")
    return _page(request, "units.html", {"units": rows, "items": items, "kinds": UNIT_KINDS, "section": "units",
                                         "form": form or {}, "refusal": refusal, "issued": issued},
                 once=issued is not None, status=status)


@router.get("/console/units", response_class=HTMLResponse)
def units_page(request: Request) -> Response:
    try:
        viewer = _viewer(request)
        return _units_page(request, viewer)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)


@router.post("/console/units", response_class=HTMLResponse)
async def add_unit(request: Request) -> Response:
    form = await request.form()
    try:
        web.check_csrf(request, form.get("csrf_token"))
        viewer = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    values = {"name": str(form.get("name") or ""), "kind": str(form.get("kind") or ""),
              "uscc": str(form.get("uscc") or ""), "subkind": str(form.get("subkind") or ""),
              "mandate": str(form.get("mandate") or ""), "provides": [str(x) for x in form.getlist("provides")]}
    try:
        with session_scope(_engine(request)) as s:
            unit, token = units.add_unit(s, name=values["name"], kind=values["kind"], uscc=values["uscc"],
                                         provides=values["provides"], subkind=values["subkind"] or None,
                                         mandate=values["mandate"] or None, published_on=today(), actor=viewer.actor)
            done = {"what": "unit", "token": token, "name": unit.name, "uscc": unit.uscc}
    except (DomainError, LawError) as exc:
        return _units_page(request, viewer, form=values, refusal=_refusal(exc, request), status=exc.status)
    return _show_once(web.redirect("/console/units#issued"), request, viewer, done)


def _unit_page(request: Request, viewer: web.Viewer, uscc: str, *, form: dict | None = None,
               refusal: dict | None = None, status: int = 200) -> Response:
    with session_scope(_engine(request)) as s:
        unit = operations.unit_detail(s, uscc)
    issued = _take_once(request, viewer, "officer")
    if issued is not None and issued.get("uscc") != unit["uscc"]:
        issued = None
    return _page(request, "unit.html", {"unit": unit, "section": "units", "form": form or {}, "refusal": refusal,
                                        "issued": issued}, once=issued is not None, status=status)


@router.get("/console/units/{uscc}", response_class=HTMLResponse)
def unit_page(request: Request, uscc: str) -> Response:
    try:
        viewer = _viewer(request)
        return _unit_page(request, viewer, uscc)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)


def _expiry(raw: str | None) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("the expiry is a date (YYYY-MM-DD)", field="expires_on") from None
    if day <= today():
        raise InvalidInput("a token expires on a day after today", field="expires_on")
    return day


@router.post("/console/units/{uscc}/officers", response_class=HTMLResponse)
def add_officer(request: Request, uscc: str, csrf_token: str = Form(""), staff_no: str = Form(""),
                name: str = Form(""), expires_on: str = Form("")) -> Response:
    """Add an officer to the unit (as ``xinyong unit officer``: all of the unit's query rights; a unit limits
    its officers on its own pages); the officer's token is shown once (Art. 19(2))."""
    try:
        web.check_csrf(request, csrf_token)
        viewer = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    values = {"staff_no": staff_no, "name": name, "expires_on": expires_on}
    try:
        with session_scope(_engine(request)) as s:
            expiry = _expiry(expires_on)
            officer, token = units.add_officer(s, unit=units.get_by_uscc(s, uscc), staff_no=staff_no, name=name,
                                               items=None, purposes=None,
                                               expires_at=start_of(expiry) if expiry else None, actor=viewer.actor)
            done = {"what": "officer", "token": token, "uscc": uscc, "staff_no": officer.staff_no,
                    "name": officer.name}
    except (DomainError, LawError) as exc:
        try:
            return _unit_page(request, viewer, uscc, form=values, refusal=_refusal(exc, request), status=exc.status)
        except (DomainError, LawError) as again:
            return web.error_page(request, again)
    return _show_once(web.redirect(f"/console/units/{uscc}#issued"), request, viewer, done)


@router.post("/console/units/{uscc}/officers/{officer_id}/token", response_class=HTMLResponse)
def officer_token(request: Request, uscc: str, officer_id: int, csrf_token: str = Form(""),
                  expires_on: str = Form("")) -> Response:
    """Issue one of the unit's officers a new token (a lost one is revoked on its own); shown once."""
    try:
        web.check_csrf(request, csrf_token)
        viewer = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    try:
        with session_scope(_engine(request)) as s:
            expiry = _expiry(expires_on)
            unit, officer = operations.officer_of(s, uscc, officer_id)
            _, token = tokens.issue(s, actor=viewer.actor, label=f"officer {officer.staff_no}", officer=officer,
                                    expires_at=start_of(expiry) if expiry else None)
            done = {"what": "officer", "token": token, "uscc": unit.uscc, "staff_no": officer.staff_no,
                    "name": officer.name}
    except (DomainError, LawError) as exc:
        try:
            return _unit_page(request, viewer, uscc, refusal=_refusal(exc, request), status=exc.status)
        except (DomainError, LawError) as again:
            return web.error_page(request, again)
    return _show_once(web.redirect(f"/console/units/{uscc}#issued"), request, viewer, done)


@router.post("/console/units/{uscc}/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_unit_token(request: Request, uscc: str, token_id: int, csrf_token: str = Form("")) -> Response:
    """Revoke one of the unit's (or its officers') tokens at once."""
    try:
        web.check_csrf(request, csrf_token)
        viewer = _viewer(request)
        with session_scope(_engine(request)) as s:
            unit = units.get_by_uscc(s, uscc)
            if token_id not in {t["id"] for t in operations.unit_detail(s, unit.uscc)["tokens"]}:
                raise InvalidInput("the token is not one of this unit's", field="token")
            tokens.revoke(s, token_id=token_id, actor=viewer.actor)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect(f"/console/units/{uscc}#tokens")


# --- the catalog, ingestion -------------------------------------------------------------------------------

@router.get("/console/catalog", response_class=HTMLResponse)
def catalog_page(request: Request) -> Response:
    try:
        _viewer(request)
        with session_scope(_engine(request)) as s:
            items = operations.catalog(s)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return _page(request, "catalog.html", {"items": items, "section": "catalog"})


@router.get("/console/ingestion", response_class=HTMLResponse)
def ingestion_page(request: Request) -> Response:
    try:
        _viewer(request)
        with session_scope(_engine(request)) as s:
            data = operations.ingestion(s)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return _page(request, "ingestion.html", {"data": data, "section": "ingestion"})


EXCHANGE_UPLOAD_MB = 200  # an export uploaded on the page, uncompressed (larger ones: the console's command)


def _exchange_page(request: Request, viewer: web.Viewer, *, refusal: dict | None = None, status: int = 200
                   ) -> Response:
    with session_scope(_engine(request)) as s:
        data = exchange.overview(s)
    imported = _take_once(request, viewer, "exchange-import")
    return _page(request, "exchange.html", {"data": data, "section": "exchange", "refusal": refusal,
                                            "imported": imported, "upload_mb": EXCHANGE_UPLOAD_MB},
                 once=imported is not None, status=status)


@router.get("/console/exchange", response_class=HTMLResponse)
def exchange_page(request: Request) -> Response:
    """The exchange with other platforms (Art. 12): partners, exports, imports, objections carried; an export to
    a partner (downloaded as a ZIP) and the import of one of theirs."""
    try:
        viewer = _viewer(request)
        return _exchange_page(request, viewer)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)


@router.post("/console/exchange/export")
def exchange_export(request: Request, partner: str = Form(""), csrf_token: str = Form("")) -> Response:
    """An export to a partner since the last one's watermark, as a ZIP: logged (every subject in it an inquiry by
    the partner) and committed before the download starts."""
    try:
        web.check_csrf(request, csrf_token)
        viewer = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    try:
        upto = exchange.watermark_now(_engine(request))
        with session_scope(_engine(request)) as s:
            last = next((p["last_export"] for p in exchange.partners(s) if p["name"] == partner), None)
            result = exchange.export(s, recipient=partner, region=None, since=last["watermark"] if last else None,
                                     actor=viewer.actor, directory=None, channel="portal", upto=upto)
    except (DomainError, LawError) as exc:
        return _exchange_page(request, viewer, refusal=_refusal(exc, request), status=exc.status)
    try:
        data = exchange.zip_bundle(result)
    finally:
        result.discard()
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="xinyong-export-{result.export_id}.zip"'})


@router.post("/console/exchange/import", response_class=HTMLResponse)
async def exchange_import(request: Request) -> Response:
    """A partner's export (the ZIP it sent), imported: verified against its key, its records through the
    importer as its unit, its acts carried out (the same as ``xinyong exchange import``)."""
    form = await request.form()
    try:
        web.check_csrf(request, form.get("csrf_token"))
        viewer = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    upload = form.get("file")
    try:
        if upload is None or not hasattr(upload, "read"):
            raise InvalidInput("choose the export's ZIP file", field="file")
        raw = await upload.read((EXCHANGE_UPLOAD_MB << 20) + 1)
        body, signature, files = exchange.unzip_bundle(raw, max_bytes=EXCHANGE_UPLOAD_MB << 20)
        result = exchange.import_export(_engine(request), sender=str(form.get("partner") or ""), body=body,
                                        signature=signature, files=files, actor=viewer.actor)
    except (DomainError, LawError) as exc:
        return _exchange_page(request, viewer, refusal=_refusal(exc, request), status=exc.status)
    summary = result.summary()  # what the next page shows once: counts only (it travels in a cookie)
    done = {"what": "exchange-import", "import_id": summary["import_id"],
            "already_imported": summary["already_imported"],
            "files": {n: {k: f[k] for k in ("accepted", "already_present", "rejected")}
                      for n, f in summary["files"].items()},
            "changes": dict(summary["changes"]), "objections": summary["objections_received"],
            "decisions": summary["decisions_received"], "notices": len(summary["notices"])}
    return _show_once(web.redirect("/console/exchange#import-result"), request, viewer, done)


# --- agents' tokens ---------------------------------------------------------------------------------------

def _agents_page(request: Request, viewer: web.Viewer, *, form: dict | None = None, refusal: dict | None = None,
                 status: int = 200) -> Response:
    with session_scope(_engine(request)) as s:
        rows = agents.list_tokens(s)
    issued = _take_once(request, viewer, "agent")
    day = today()
    default_expiry = (day + timedelta(days=parameters.value(AGENT_DAYS_PARAMETER, day))).isoformat()
    return _page(request, "agents.html", {"tokens": rows, "section": "agents", "form": form or {},
                                          "refusal": refusal, "issued": issued, "default_expiry": default_expiry,
                                          "min_expiry": (today() + timedelta(days=1)).isoformat()},
                 once=issued is not None, status=status)


@router.get("/console/agents", response_class=HTMLResponse)
def agents_page(request: Request) -> Response:
    try:
        viewer = _viewer(request)
        return _agents_page(request, viewer)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)


@router.post("/console/agents", response_class=HTMLResponse)
def issue_agent_token(request: Request, csrf_token: str = Form(""), subject: str = Form(""),
                      agent_name: str = Form(""), agent_document: str = Form(""),
                      expires_on: str = Form("")) -> Response:
    """As ``POST /api/v1/agent-tokens``. The identifier typed is never echoed back into the form (a person's
    number stays out of the page), and refusals name it masked only."""
    try:
        web.check_csrf(request, csrf_token)
        viewer = _viewer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    values = {"agent_name": agent_name, "agent_document": agent_document, "expires_on": expires_on}
    try:
        with session_scope(_engine(request)) as s:
            try:
                day = date.fromisoformat(expires_on.strip())
            except ValueError:
                raise InvalidInput("the expiry is a date (YYYY-MM-DD)", field="expires_on") from None
            issued = agents.issue(s, actor=viewer.actor, subject=subject, agent_name=agent_name,
                                  agent_document=agent_document, expires_on=day)
    except (DomainError, LawError) as exc:
        return _agents_page(request, viewer, form=values, refusal=_refusal(exc, request), status=exc.status)
    done = {"what": "agent", "token": issued["token"], "id": issued["id"], "agent_name": issued["agent_name"],
            "subject": issued["subject"]["name"], "identifier": issued["subject"]["identifier"]}
    return _show_once(web.redirect("/console/agents#issued"), request, viewer, done)


@router.post("/console/agents/{token_id}/revoke", response_class=HTMLResponse)
def revoke_agent_token(request: Request, token_id: int, csrf_token: str = Form("")) -> Response:
    try:
        web.check_csrf(request, csrf_token)
        viewer = _viewer(request)
        with session_scope(_engine(request)) as s:
            agents.revoke(s, token_id=token_id, actor=viewer.actor)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect("/console/agents")
