"""Citizens and companies, signed in: what they ask of the platform.

``/me/objections`` (file one against my records or for an omission, with evidence files, and follow each step
with its working-day deadline and the outcome: Art. 36), ``/me/authorizations`` (grant and withdraw: Art.
17.3), ``/me/remedies`` (apply for remedy against my list entries and follow it: Art. 25.3) and
``/me/restorations`` (credit restoration applications to the deciding organ: Art. 38).

Pages are thin: each calls the service the API calls. What the pages show of my own records and list entries
comes from the one visibility decision (``inquiry.service.inquire``, logged as the subject's own inquiry).
Evidence and material files are kept encrypted (``restoration.materials``); an objection's evidence names each
file by name, size and SHA-256.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse

from ..db import session_scope
from ..errors import DomainError, Forbidden, InvalidInput, NotFound, msg
from ..catalog import service as catalog
from ..clock import today
from ..inquiry import authorizations
from ..inquiry import rules as inquiry_rules
from ..inquiry import service as inquiries
from ..law.errors import LawError
from ..listing import service as listing
from ..objection import rules as objection_rules
from ..objection import service as objections
from ..restoration import materials
from ..restoration import rules as restoration_rules
from ..restoration import service as restorations
from . import web

router = APIRouter(include_in_schema=False)
ROLES = ("subject",)
ARTICLE = "Art. 17.1"
CHANNEL = "portal"
KINDS = ("error", "omission", "unlawful-collection", "rights")

def _viewer(request: Request) -> web.Viewer:
    return web.require(request, roles=ROLES, article=ARTICLE)


async def _form(request: Request):
    """The form (urlencoded or multipart); the CSRF token checked FIRST, before anything is read or kept."""
    form = await request.form()
    web.check_csrf(request, form.get("csrf_token"))
    return form

def _text(form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""

def _files(form, name: str) -> list[UploadFile]:
    return [f for f in form.getlist(name) if not isinstance(f, str) and getattr(f, "filename", "")]

def _mine(session, actor) -> tuple[list[dict], list[dict]]:
    """My records and my list entries (as the listed subject), through the one visibility decision."""
    day = today()
    answer = inquiries.inquire(session, actor=actor, subject_id=actor.subject_id, channel=CHANNEL, with_lists=True)
    if not answer.allowed or not answer.found:
        return [], []
    entries = [e for e in listing.active_entries(session, [actor.subject_id], day).get(actor.subject_id, [])
               if e["relation"] == "subject" and inquiry_rules.entry_visible(e["list_id"], answer.decision)]
    return answer.records, entries

def _page(request: Request, name: str, ctx: dict, *, status: int = 200) -> HTMLResponse:
    return web.render(request, f"portal/me/requests/{name}.html", ctx, status=status)

# --------------------------------------------------------------------------------------------
# objections (Art. 36)

def _objections_ctx(session, viewer: web.Viewer) -> dict:
    records, _entries = _mine(session, viewer.actor)
    return {"records": records, "objections": objections.inbox(session, actor=viewer.actor), "kinds": KINDS,
            "max_evidence": objection_rules.MAX_EVIDENCE, "max_file_mb": materials.max_mb()}

@router.get("/me/objections", response_class=HTMLResponse)
def objections_page(request: Request) -> HTMLResponse:
    viewer = _viewer(request)
    with session_scope(request.app.state.engine) as s:
        ctx = _objections_ctx(s, viewer)
    return _page(request, "objections", ctx)

@router.post("/me/objections", response_class=HTMLResponse)
async def file_objection(request: Request):
    viewer = _viewer(request)
    try:
        form = await _form(request)
        record_ids = [int(v) for v in form.getlist("record_ids") if isinstance(v, str) and v.isdigit()]
        evidence = [line.strip() for line in _text(form, "evidence").splitlines() if line.strip()]
        stored = [materials.store(f.file, f.filename) for f in _files(form, "evidence_files")]
        evidence += [materials.as_evidence(m) for m in stored]
        with session_scope(request.app.state.engine) as s:
            obj = objections.file(s, actor=viewer.actor, subject_id=viewer.actor.subject_id,
                                  kind=_text(form, "kind") or "error", reason=_text(form, "reason"),
                                  evidence=evidence, record_ids=record_ids, channel=CHANNEL)
            oid = obj.id
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect(f"/me/objections/{oid}")

@router.get("/me/objections/{objection_id}", response_class=HTMLResponse)
def objection_page(request: Request, objection_id: int) -> HTMLResponse:
    viewer = _viewer(request)
    try:
        with session_scope(request.app.state.engine) as s:
            try:
                obj = objections.get_for(s, objection_id, viewer.actor)
            except Forbidden:  # another subject's objection reads like one that does not exist
                raise NotFound(msg("no objection {objection_id}", objection_id=objection_id),
                               field="objection") from None
            view = objections.view(s, obj, for_subject=True)
    except DomainError as exc:
        return web.error_page(request, exc)
    return _page(request, "objection", {"o": view, "today": today().isoformat()})

# --------------------------------------------------------------------------------------------
# authorizations (Art. 17.3)

@router.get("/me/authorizations", response_class=HTMLResponse)
def authorizations_page(request: Request) -> HTMLResponse:
    viewer = _viewer(request)
    with session_scope(request.app.state.engine) as s:
        rows = authorizations.of_subject(s, viewer.actor.subject_id)
        items = [catalog.describe(i) for i in catalog.list_items(s) if i.state == "published"]
        notice = authorizations.current_notice(s, today())
        notice = notice and {"version": notice.version, "text_zh": notice.text_zh, "text_en": notice.text_en}
        person = _is_person(s, viewer)
    # The restricted kinds of Art. 14.2 are a natural person's: an organization (or its agent) is not offered them.
    return _page(request, "authorizations", {"authorizations": rows, "items": items, "notice": notice,
                                             "today": today().isoformat(),
                                             "restricted_kinds": inquiry_rules.RESTRICTED_KINDS if person else ()})


def _is_person(session, viewer: web.Viewer) -> bool:
    from ..report import service as reports

    return reports.own_subject(session, viewer.actor.subject_id)["kind"] == inquiry_rules.PERSON

def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("give a date (YYYY-MM-DD)", field=field, article="Art. 17.3") from None

@router.post("/me/authorizations", response_class=HTMLResponse)
async def grant_authorization(request: Request):
    viewer = _viewer(request)
    try:
        form = await _form(request)
        valid_from = _day(_text(form, "valid_from"), "valid_from") if _text(form, "valid_from") else today()
        with session_scope(request.app.state.engine) as s:
            person = _is_person(s, viewer)
            authorizations.grant(s, subject_id=viewer.actor.subject_id, unit_uscc=_text(form, "unit_uscc"),
                                 items=[v for v in form.getlist("items") if isinstance(v, str) and v],
                                 purpose=_text(form, "purpose"), valid_from=valid_from,
                                 valid_until=_day(_text(form, "valid_until"), "valid_until"),
                                 document=_text(form, "document"), actor=viewer.actor,
                                 form="written" if form.get("written") else "other",
                                 restricted_kinds=[v for v in form.getlist("restricted_kinds")
                                                   if isinstance(v, str) and v] if person else [],
                                 adverse_consequences_told=bool(form.get("adverse_told")) and person)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect("/me/authorizations")

@router.post("/me/authorizations/{authorization_id}/withdraw", response_class=HTMLResponse)
async def withdraw_authorization(request: Request, authorization_id: int):
    viewer = _viewer(request)
    try:
        form = await _form(request)
        with session_scope(request.app.state.engine) as s:
            if authorization_id not in {a["id"] for a in authorizations.of_subject(s, viewer.actor.subject_id)}:
                raise NotFound(msg("no authorization {authorization_id}", authorization_id=authorization_id),
                               field="authorization")
            authorizations.withdraw(s, authorization_id=authorization_id, reason=_text(form, "reason"),
                                    actor=viewer.actor)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect("/me/authorizations")

# --------------------------------------------------------------------------------------------
# list-entry remedies (Art. 25.3)

@router.get("/me/remedies", response_class=HTMLResponse)
def remedies_page(request: Request) -> HTMLResponse:
    viewer = _viewer(request)
    with session_scope(request.app.state.engine) as s:
        _records, entries = _mine(s, viewer.actor)
        remedies = listing.remedies(s, subject_id=viewer.actor.subject_id)
    pending = {r["entry_id"] for r in remedies if r["status"] == "pending"}
    return _page(request, "remedies", {"entries": entries, "remedies": remedies, "pending": pending})

@router.post("/me/remedies", response_class=HTMLResponse)
async def apply_remedy(request: Request):
    viewer = _viewer(request)
    try:
        form = await _form(request)
        entry = _text(form, "entry_id")
        if not entry.isdigit():
            raise InvalidInput("choose the list entry", field="entry_id", article="Art. 25.3")
        reason = _text(form, "reason")
        if not reason:
            raise InvalidInput("say why the entry should be revoked", field="reason", article="Art. 25.3")
        with session_scope(request.app.state.engine) as s:
            listing.apply_remedy(s, entry_id=int(entry), reason=reason, actor=viewer.actor)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect("/me/remedies")

# --------------------------------------------------------------------------------------------
# credit restoration (Art. 38)

@router.get("/me/restorations", response_class=HTMLResponse)
def restorations_page(request: Request) -> HTMLResponse:
    viewer = _viewer(request)
    with session_scope(request.app.state.engine) as s:
        records, _entries = _mine(s, viewer.actor)
        apps = restorations.of_subject(s, viewer.actor.subject_id)
    eligible = [r for r in records if r["item"]["untrustworthy"] and "restored" not in r["markers"]]
    return _page(request, "restorations", {"records": eligible, "applications": apps,
                                           "measures": restoration_rules.MEASURES})

@router.post("/me/restorations", response_class=HTMLResponse)
async def apply_restoration(request: Request):
    viewer = _viewer(request)
    try:
        form = await _form(request)
        record = _text(form, "record_id")
        if not record.isdigit():
            raise InvalidInput("choose the record", field="record_id", article="Art. 38")
        stored = [materials.store(f.file, f.filename) for f in _files(form, "material_files")]
        described = [{"text": line.strip()} for line in _text(form, "materials").splitlines() if line.strip()]
        with session_scope(request.app.state.engine) as s:
            app = restorations.apply(s, actor=viewer.actor, record_id=int(record), measure=_text(form, "measure"),
                                     reason=_text(form, "reason"), materials=stored + described)
            aid = app.id
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect(f"/me/restorations/{aid}")

@router.get("/me/restorations/{application_id}", response_class=HTMLResponse)
def restoration_page(request: Request, application_id: int) -> HTMLResponse:
    viewer = _viewer(request)
    try:
        with session_scope(request.app.state.engine) as s:
            view = restorations.view(s, restorations.get_for(s, application_id, viewer.actor))
    except DomainError as exc:
        return web.error_page(request, exc)
    return _page(request, "restoration", {"a": view})
