"""Providing units and organs, signed in as an officer: /unit and its pages (Art. 8, 11, 19(2), 28, 36, 37, 38).

This module: the unit's home, uploading a file (queued for a worker exactly as ``POST /api/v1/batches`` queues
it: ``record.importer.submit_file``), a batch's progress and result (counts, rejected rows, the rejects file:
``importer.batch_status`` / ``importer.rejects_csv``), the batch history, and the unit's own records — found
through the one visibility decision (``inquiry.service.find_own_record_views``: the identifier is posted, the
same answer for a known and an unknown one, logged) and corrected, withdrawn, revoked or restored through the
record workflows (``record.workflows``), each with its document. The objection inbox, the pre-decision check and
the officers are ``unit_work``'s pages.

Only an officer of a providing unit (``auth.PROVIDER_KINDS``) works here; anyone else is refused with the
article that says who provides public credit information (Art. 8.2).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from ..auth import PROVIDER_KINDS
from ..catalog import service as catalog
from ..db import session_scope
from ..errors import DomainError, InvalidInput, NotFound
from ..inquiry import service as inquiries
from ..law.errors import LawError
from ..record import importer, workflows
from ..record.spool import FileRefused
from ..record.workflows import IDENTITY, REVOKED_BY
from ..unit import service as units
from . import i18n, web

router = APIRouter(include_in_schema=False)

WHO_PROVIDES = "Art. 8.2"
NOT_A_PROVIDER = ("these pages are for the officers of a providing unit (an administrative or judicial organ, a "
                  "public enterprise or public institution)")
REJECTS_PER_PAGE = 100
BATCHES_PER_PAGE = 50
RUNNING = ("received", "queued", "running")
REFRESH_SECONDS = 3
ACTIONS = ("correct", "withdraw", "revoke", "restore")
# content keys the record page shows among its facts (not again under "content"), and keys no correction changes
SHOWN_ABOVE = frozenset(("catalog_item", "doc_no", "doc_date", "doc_org", "subject_name", "subject_id",
                         "subject_id_column", "amount_yuan"))
NOT_CORRECTED = frozenset(("subject_name", "subject_id_column"))


def _officer(request: Request) -> web.Viewer:
    return web.require(request, roles=PROVIDER_KINDS, article=WHO_PROVIDES, message=NOT_A_PROVIDER)


def _engine(request: Request):
    return request.app.state.engine


def _worded(request: Request, message: str) -> tuple[str, str]:
    """A service's (English) message in the page language where the catalogs word it, and its language."""
    page_lang, _chosen = web.lang(request)
    found = i18n.translate_message(message, page_lang)
    return (found, page_lang) if found else (message, "en")


def _refusal(request: Request, exc: DomainError | LawError, **extra) -> dict[str, Any]:
    message, message_lang = _worded(request, getattr(exc, "message", None) or str(exc))
    return {"message": message, "message_lang": message_lang, "field": getattr(exc, "field", None),
            "article": getattr(exc, "article", None) or "Art. 11", **extra}


def _page(request: Request, raw: str | None) -> int:
    return max(1, min(int(raw), 10**6)) if raw and raw.isdigit() else 1


# --- home -----------------------------------------------------------------------------------------------

@router.get("/unit", response_class=HTMLResponse)
def home(request: Request) -> Response:
    try:
        viewer = _officer(request)
        actor = viewer.actor
        with session_scope(_engine(request)) as s:
            unit = units.get_by_uscc(s, actor.unit_uscc)
            described = units.describe(unit)
            items = catalog.items_by_code(s)
            provides = [items.get(code) for code in described["provides"]]
            batches = importer.batches_of(s, unit_id=actor.unit_id, limit=5)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.render(request, "portal/unit/home.html", {
        "unit": described,
        "provides": [_item(i, code) for i, code in zip(provides, described["provides"], strict=True)],
        "batches": batches,
    })


def _item(item, code: str) -> dict[str, Any]:
    if item is None:
        return {"code": code, "name_zh": code, "name_en": code, "article": None, "state": None, "fields": None}
    return {"code": item.code, "name_zh": item.name_zh, "name_en": item.name_en, "article": item.article,
            "state": item.state, "untrustworthy": item.untrustworthy,
            "fields": list(item.fields) if item.fields is not None else None}


# --- upload ---------------------------------------------------------------------------------------------

@router.get("/unit/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> Response:
    try:
        _officer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    return web.render(request, "portal/unit/upload.html", {"refused": None})


@router.post("/unit/upload", response_class=HTMLResponse)
def upload(request: Request, file: UploadFile | None = File(None), csrf_token: str = Form("")) -> Response:
    try:
        web.check_csrf(request, csrf_token)
        viewer = _officer(request)
        if file is None or not file.filename:
            raise InvalidInput("choose the file to upload (CSV or JSON Lines)", field="file", article="Art. 11")
        queued = importer.submit_file(_engine(request), file.file, filename=file.filename, actor=viewer.actor)
    except InvalidInput as exc:  # a file refused whole (FileRefused), or no file
        name = file.filename if isinstance(exc, FileRefused) and file is not None else ""
        return web.render(request, "portal/unit/upload.html", {"refused": _refusal(request, exc, filename=name)},
                          status=422)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect(f"/unit/batches/{queued['batch_id']}?of={queued['rows']}")


# --- batches --------------------------------------------------------------------------------------------

@router.get("/unit/batches", response_class=HTMLResponse)
def batches(request: Request, page: str | None = None) -> Response:
    try:
        viewer = _officer(request)
        n = _page(request, page)
        with session_scope(_engine(request)) as s:
            found = importer.batches_of(s, unit_id=viewer.actor.unit_id, limit=BATCHES_PER_PAGE + 1,
                                        offset=(n - 1) * BATCHES_PER_PAGE)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.render(request, "portal/unit/batches.html", {
        "batches": found[:BATCHES_PER_PAGE], "page": n, "more": len(found) > BATCHES_PER_PAGE})


def _status(request: Request, batch_id: str, *, limit: int = 0, offset: int = 0) -> dict[str, Any]:
    viewer = _officer(request)
    if len(batch_id) > 36:
        raise NotFound("no such batch of your unit", field="batch", article="Art. 11")
    try:
        return importer.batch_status(_engine(request), batch_id, unit_id=viewer.actor.unit_id, limit=limit,
                                     offset=offset)
    except NotFound:
        raise NotFound("no such batch of your unit", field="batch", article="Art. 11") from None


def _progress(status: dict[str, Any], total: int | None) -> dict[str, Any]:
    running = status["status"] in RUNNING
    rows = status["rows"] or 0
    total = status["rows"] if not running else (total if total and total >= rows else None)
    return {"status": status["status"], "running": running, "rows": rows, "total": total,
            "accepted": status["accepted"], "already_present": status["already_present"],
            "rejected": status["rejected"], "percent": (round(100 * rows / total) if total else None)}


def _of(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


@router.get("/unit/batches/{batch_id}", response_class=HTMLResponse)
def batch(request: Request, batch_id: str, page: str | None = None, of: str | None = None) -> Response:
    try:
        n = _page(request, page)
        status = _status(request, batch_id, limit=REJECTS_PER_PAGE, offset=(n - 1) * REJECTS_PER_PAGE)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    progress = _progress(status, _of(of))
    pages = max(1, -(-(status["rejected"] or 0) // REJECTS_PER_PAGE))
    return web.render(request, "portal/unit/batch.html", {
        "batch": status, "progress": progress, "page": n, "pages": pages, "of": _of(of),
        "refresh": REFRESH_SECONDS if progress["running"] else None,
        "has_rejects": bool(status["rejected"] or status["dropped_columns"]),
    })


@router.post("/unit/batches/{batch_id}/resume", response_class=HTMLResponse)
def batch_resume(request: Request, batch_id: str, csrf_token: str = Form("")) -> Response:
    """Complete an interrupted batch from the platform's stored copy, as ``POST /api/v1/batches/{id}/resume``
    does (the same ``record.queue.queue_for_resume``): queued again, a worker continues from the chunks already
    committed."""
    from ..record import queue

    try:
        web.check_csrf(request, csrf_token)
        who = _officer(request)
        with session_scope(_engine(request)) as s:
            queue.queue_for_resume(s, batch_id=batch_id, unit_id=who.actor.unit_id, actor=who.actor)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect(f"/unit/batches/{batch_id}")


@router.get("/unit/batches/{batch_id}/progress")
def batch_progress(request: Request, batch_id: str, of: str | None = None) -> Response:
    """What the batch page's script polls: rows read and stored so far, and the counts (no row's content)."""
    try:
        status = _status(request, batch_id)
    except DomainError as exc:
        return JSONResponse({"error": exc.code, "message": exc.message, "article": exc.article},
                            status_code=exc.status, headers={"Cache-Control": "no-store"})
    return JSONResponse(_progress(status, _of(of)), headers={"Cache-Control": "no-store"})


@router.get("/unit/batches/{batch_id}/rejects.csv")
def rejects(request: Request, batch_id: str) -> Response:
    """The rejects file, the API's (``GET /api/v1/batches/{id}/rejects``): spreadsheet-safe CSV."""
    try:
        viewer = _officer(request)
        if len(batch_id) > 36:
            raise NotFound("no such batch of your unit", field="batch", article="Art. 11")
        try:
            chunks = importer.rejects_csv(_engine(request), batch_id, unit_id=viewer.actor.unit_id)
        except NotFound:
            raise NotFound("no such batch of your unit", field="batch", article="Art. 11") from None
        if chunks is None:
            raise NotFound("this batch has no rejected rows or dropped columns (or they are past their "
                           "retention period)", field="batch", article="Art. 19")
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return StreamingResponse((c.encode("utf-8") for c in chunks), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{batch_id}.rejects.csv"',
                                      "Cache-Control": "no-store"})


# --- records --------------------------------------------------------------------------------------------

@router.get("/unit/records", response_class=HTMLResponse)
def records_page(request: Request) -> Response:
    try:
        viewer = _officer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    return web.render(request, "portal/unit/records.html", _find_context(request, viewer), keep={})


def _find_context(request: Request, viewer: web.Viewer, **extra) -> dict[str, Any]:
    with session_scope(_engine(request)) as s:
        unit = units.get_by_uscc(s, viewer.actor.unit_uscc)
        items = catalog.items_by_code(s)
        provides = [_item(items.get(p.item_code), p.item_code) for p in unit.provides]
    return {"provides": provides, "searched": False, "found": [], "doc_no": "", "item": "", "refused": None,
            **extra}


@router.post("/unit/records", response_class=HTMLResponse)
def find_records(request: Request, subject: str = Form(""), doc_no: str = Form(""), item: str = Form(""),
                 csrf_token: str = Form("")) -> Response:
    """The look-up: what is typed (a USCC, perhaps a person's ID number) travels only in this body, and is
    never shown back; the answer is the same for a known and an unknown identifier."""
    try:
        web.check_csrf(request, csrf_token)
        viewer = _officer(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    doc_no, item = doc_no.strip()[:200], item.strip()[:40]
    try:
        with session_scope(_engine(request)) as s:
            found = inquiries.find_own_record_views(s, actor=viewer.actor, subject=subject[:64], doc_no=doc_no,
                                                    item_code=item or None, channel="portal")
    except (DomainError, LawError) as exc:
        return web.render(request, "portal/unit/records.html", _find_context(
            request, viewer, refused=_refusal(request, exc), doc_no=doc_no, item=item), status=422, keep={})
    return web.render(request, "portal/unit/records.html", _find_context(
        request, viewer, searched=True, found=found, doc_no=doc_no, item=item), keep={})


def _record_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("no such record of your unit", field="record", article="Art. 11")
    return int(raw)


def _record_context(request: Request, viewer: web.Viewer, record_id: int) -> dict[str, Any]:
    with session_scope(_engine(request)) as s:
        seen = inquiries.own_record(s, actor=viewer.actor, record_id=record_id, channel="portal")
        acts = workflows.acts_of(s, record_id, unit_id=viewer.actor.unit_id)
    if seen is None and not acts:
        raise NotFound("no such record of your unit", field="record", article="Art. 11")
    record, history = seen if seen is not None else (None, [])
    content = (record or {}).get("content") or {}
    shown = [k for k in content if k not in SHOWN_ABOVE]
    correctable = [k for k in content if k not in IDENTITY and k not in NOT_CORRECTED]
    return {"record": record, "history": history, "acts": acts, "record_id": record_id, "fields": shown,
            "correctable": correctable,
            "revoked_by": REVOKED_BY, "refused": None, "done": None}


@router.get("/unit/records/{record_id}", response_class=HTMLResponse)
def record(request: Request, record_id: str, done: str | None = None) -> Response:
    try:
        viewer = _officer(request)
        ctx = _record_context(request, viewer, _record_id(record_id))
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    ctx["done"] = done if done in ACTIONS else None
    return web.render(request, "portal/unit/record.html", ctx)


@router.post("/unit/records/{record_id}/{action}", response_class=HTMLResponse)
def act(request: Request, record_id: str, action: str, csrf_token: str = Form(""), document: str = Form(""),
        reason: str = Form(""), field: str = Form(""), value: str = Form(""), decided_by: str = Form("")
        ) -> Response:
    """Correct (field → new value), withdraw, revoke or restore, each with its document (and reason): the
    record workflows the API's ``/records/{id}/corrections|withdrawal|revocation|restoration`` call."""
    try:
        web.check_csrf(request, csrf_token)
        viewer = _officer(request)
        rid = _record_id(record_id)
        if action not in ACTIONS:
            raise NotFound("no such action", field="action")
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    who = viewer.actor
    try:
        with session_scope(_engine(request)) as s:
            if action == "correct":
                if not field.strip():
                    raise InvalidInput("choose the field to correct", field="field", article="Art. 11")
                workflows.correct(s, record_id=rid, changes={field.strip(): value}, reason=reason,
                                  document=document[:200], actor=who)
            elif action == "withdraw":
                workflows.withdraw(s, record_id=rid, reason=reason, document=document[:200], actor=who)
            elif action == "revoke":
                workflows.revoke(s, record_id=rid, document=document[:200], decided_by=decided_by[:24],
                                 reason=reason, actor=who)
            else:
                workflows.restore(s, record_id=rid, document=document[:200], reason=reason, actor=who)
    except (DomainError, LawError) as exc:
        try:
            ctx = _record_context(request, viewer, rid)
        except DomainError as again:
            return web.error_page(request, again)
        ctx["refused"] = _refusal(request, exc, action=action)
        return web.render(request, "portal/unit/record.html", ctx,
                          status=getattr(exc, "status", 422) if isinstance(exc, DomainError) else 422)
    return web.redirect(f"/unit/records/{rid}?done={action}")
