"""A unit's work, signed in as one of its officers (or with the unit's own token):

- ``/unit/objections``: the objection inbox (``objection.service.inbox``, as ``GET /api/v1/objections/inbox``),
  overdue steps first; ``/unit/objections/{number}`` shows one with its steps and deadlines and the form of the
  step owed: note, transfer, decide (outcome, document, reasons, corrections), inform — the same service calls
  as the objection API routes (Art. 36).
- ``/unit/checks``: the pre-decision check (``measure.service.check``, as ``POST /api/v1/checks``; Art. 28–32):
  one subject, a pasted list or an uploaded CSV/TXT column; identifiers travel only in the form's body and the
  results show natural persons' numbers masked.
- ``/unit/officers``: the unit's officers, for the unit's own token (as ``POST /api/v1/units/me/officers``):
  add (the token is shown once, on the answer to the form), limit, revoke (Art. 19(2)).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from ..auth import PROVIDER_KINDS, UNIT_KINDS
from ..catalog import service as catalog
from ..clock import start_of, today
from ..config import env
from ..db import session_scope
from ..errors import DomainError, Forbidden, InvalidInput, msg
from ..law.errors import LawError
from ..logmask import mask_text
from ..measure import rules as measure_rules
from ..measure import service as measures
from ..models import Unit
from ..objection import rules as objection_rules
from ..objection import service as objections
from ..unit import service as units
from ..unit.rules import PURPOSES
from . import i18n, web

router = APIRouter(include_in_schema=False)

# Who works an objection inbox: providing units, credit service establishments, the Center (Art. 36).
INBOX_ROLES = (*PROVIDER_KINDS, "credit-service", "operator")
# Every unit has officers (the API's rule: any unit's own token).
UNIT_ROLES = tuple(UNIT_KINDS)
def max_upload_mb() -> int:
    """An uploaded list of subjects (a procurement's bidders): at most this many megabytes
    (``XINYONG_UPLOAD_MAX_MB``; a limit of the service, not a legal number)."""
    return int(env("XINYONG_UPLOAD_MAX_MB") or 2)


# Header cells that name the identifier column of an uploaded CSV.
ID_HEADERS = {"统一社会信用代码", "社会信用代码", "信用代码", "证件号码", "身份证号码", "身份证号", "证照号码",
              "identifier", "subject", "subject_id", "uscc", "id", "id_number", "code"}


def _engine(request: Request):
    return request.app.state.engine


def _refusal(exc: DomainError | LawError, page_lang: str) -> dict[str, Any]:
    """A refusal shown inside a page: the message in the page language where worded, and its article."""
    translated = i18n.translate_message(exc.message, page_lang)
    return {"message": translated or exc.message, "lang": page_lang if translated else "en",
            "article": exc.article, "field": getattr(exc, "field", None)}


def _page_lang(request: Request) -> str:
    return web.lang(request)[0]


# --------------------------------------------------------------------------------------------
# the objection inbox (Art. 36)


@router.get("/unit/objections", response_class=HTMLResponse)
def objection_inbox(request: Request) -> HTMLResponse:
    viewer = web.require(request, roles=INBOX_ROLES, article="Art. 36.2")
    try:
        with session_scope(_engine(request)) as s:
            rows = objections.inbox(s, actor=viewer.actor)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    rows.sort(key=lambda r: (not r["overdue"], r["due_on"], r["id"]))
    day = today()
    for r in rows:
        r["days_late"] = (day - date.fromisoformat(r["due_on"])).days if r["overdue"] else 0
    return web.render(request, "portal/unit/work/objections.html",
                      {"rows": rows, "overdue_count": sum(r["overdue"] for r in rows), "today": day})


def _objection_page(request: Request, number: str, *, refusal: dict | None = None, form: dict | None = None,
                    status: int = 200) -> HTMLResponse:
    viewer = web.require(request, roles=INBOX_ROLES, article="Art. 36.2")
    try:
        if len(number) > 40:
            raise InvalidInput("no such objection", field="objection")
        with session_scope(_engine(request)) as s:
            obj = objections.get_for(s, number, viewer.actor)
            view = objections.view(s, obj)
            owed = [r for r in objections.inbox(s, actor=viewer.actor) if r["id"] == obj.id]
            page_lang = _page_lang(request)
            item_names = {i.code: (i.name_zh if page_lang == "zh" else i.name_en) for i in catalog.list_items(s)}
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    has_records = bool(view["records"])
    return web.render(request, "portal/unit/work/objection.html", {
        "o": view, "owed": owed, "refusal": refusal, "form": form or {}, "item_names": item_names,
        "outcomes": objection_rules.RECORD_OUTCOMES if has_records else objection_rules.NO_RECORD_OUTCOMES,
        "paths": objection_rules.PATHS, "done": request.query_params.get("done"),
    }, status=status)


@router.get("/unit/objections/{number}", response_class=HTMLResponse)
def objection_page(request: Request, number: str) -> HTMLResponse:
    return _objection_page(request, number)


def _objection_step(request: Request, number: str, csrf: str, step: str, act, form: dict) -> HTMLResponse:
    """CSRF first; then the step by the same service call the API route makes; 303 back to the objection."""
    try:
        web.check_csrf(request, csrf)
    except DomainError as exc:
        return web.error_page(request, exc)
    viewer = web.require(request, roles=INBOX_ROLES, article="Art. 36.2")
    try:
        if len(number) > 40:
            raise InvalidInput("no such objection", field="objection")
        with session_scope(_engine(request)) as s:
            obj = act(s, viewer.actor)
            number = objections.number_of(obj)
    except (DomainError, LawError) as exc:
        return _objection_page(request, number, refusal=_refusal(exc, _page_lang(request)),
                               form={**form, "step": step}, status=exc.status)
    return web.redirect(f"/unit/objections/{number}?done={step}")


@router.post("/unit/objections/{number}/note", response_class=HTMLResponse)
def objection_note(request: Request, number: str, csrf_token: str = Form(""), path: str = Form("")) -> HTMLResponse:
    return _objection_step(request, number, csrf_token, "note", lambda s, who: objections.note(
        s, objection=number, actor=who, path=path or None), {"path": path})


@router.post("/unit/objections/{number}/transfer", response_class=HTMLResponse)
def objection_transfer(request: Request, number: str, csrf_token: str = Form("")) -> HTMLResponse:
    return _objection_step(request, number, csrf_token, "transfer", lambda s, who: objections.transfer(
        s, objection=number, actor=who), {})


def parse_changes(text: str) -> dict[str, str]:
    """Corrections as the form gives them: one ``field=value`` a line."""
    changes: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        field, sep, value = line.partition("=")
        if not sep or not field.strip():
            raise InvalidInput(msg("corrections are written one FIELD=VALUE a line (line {n})", n=n), field="changes",
                               article="Art. 36.2")
        changes[field.strip()] = value.strip()
    return changes


@router.post("/unit/objections/{number}/decision", response_class=HTMLResponse)
def objection_decision(request: Request, number: str, csrf_token: str = Form(""), outcome: str = Form(""),
                       document: str = Form(""), reason: str = Form(""), changes: str = Form(""),
                       record_ids: list[str] = Form([]), information_source: str = Form("")) -> HTMLResponse:
    form = {"outcome": outcome, "document": document, "reason": reason, "changes": changes,
            "record_ids": record_ids, "information_source": information_source}

    def act(s, who):
        ids = [int(r) for r in record_ids if r.strip().isdigit()] or None
        return objections.decide(s, objection=number, actor=who, outcome=outcome, document=document,
                                 reason=reason, changes=parse_changes(changes), record_ids=ids,
                                 information_source=information_source or None)

    return _objection_step(request, number, csrf_token, "decision", act, form)


@router.post("/unit/objections/{number}/inform", response_class=HTMLResponse)
def objection_inform(request: Request, number: str, csrf_token: str = Form("")) -> HTMLResponse:
    return _objection_step(request, number, csrf_token, "inform", lambda s, who: objections.inform(
        s, objection=number, actor=who), {})


# --------------------------------------------------------------------------------------------
# the pre-decision check (Art. 28–32)


def _purposes(page_lang: str) -> list[tuple[str, str, str]]:
    return [(code, zh if page_lang == "zh" else en, article) for code, (zh, en, article) in PURPOSES.items()]


def _check_form(request: Request, viewer: web.Viewer) -> dict[str, Any]:
    with session_scope(_engine(request)) as s:
        unit = s.get(Unit, viewer.actor.unit_id)
        published = list(dict.fromkeys(q.purpose for q in unit.inquiry_items)) if unit else []
    allowed = viewer.actor.officer_purposes
    mine = [p for p in published if allowed is None or p in allowed]
    return {"purposes": _purposes(_page_lang(request)), "mine": mine, "max_subjects": measures.MAX_SUBJECTS,
            "max_upload_mb": max_upload_mb()}


def _may_check(request: Request) -> web.Viewer:
    viewer = web.require(request, roles=UNIT_ROLES, article="Art. 28.1")
    measure_rules.may_check(viewer.actor.role, viewer.actor.officer, viewer.actor.mandate)
    return viewer


@router.get("/unit/checks", response_class=HTMLResponse)
def check_page(request: Request) -> HTMLResponse:
    try:
        viewer = _may_check(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    form = _check_form(request, viewer)
    return web.render(request, "portal/unit/work/checks.html",
                      {**form, "context": (form["mine"] or ["procurement"])[0], "typed": "", "single": "",
                       "result": None, "refusal": None})


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("the file is neither UTF-8 nor GB18030 text", field="file")


def read_column(data: bytes, filename: str, column: str = "") -> list[str]:
    """The identifiers of an uploaded file: a TXT file's lines, or one column of a CSV — the one ``column``
    names (its header or its number, from 1), else the one whose header names identifiers, else the first."""
    if len(data) > max_upload_mb() * 1024 * 1024:
        raise InvalidInput(msg("the file is larger than {megabytes} MB", megabytes=max_upload_mb()),
                           field="file")
    text = _decode(data)
    if not filename.lower().endswith(".csv"):
        return [line.strip() for line in text.splitlines() if line.strip()]
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    wanted = column.strip()
    index, skip = None, 0
    if wanted:
        if wanted.isdigit() and 1 <= int(wanted) <= len(header):
            index = int(wanted) - 1
        elif wanted in header:
            index = header.index(wanted)
        else:
            raise InvalidInput("the file has no such column: give its header or its number (from 1)",
                               field="column")
        skip = 1 if not wanted.isdigit() else 0
    else:
        for i, cell in enumerate(header):
            if cell.lower() in ID_HEADERS:
                index, skip = i, 1
                break
    index = index or 0
    return [row[index].strip() if index < len(row) else "" for row in rows[skip:]]


@router.post("/unit/checks", response_class=HTMLResponse)
def check_run(request: Request, csrf_token: str = Form(""), context: str = Form(""), subject: str = Form(""),
              subjects: str = Form(""), column: str = Form(""),
              file: UploadFile | None = File(None)) -> HTMLResponse:
    try:
        web.check_csrf(request, csrf_token)
        viewer = _may_check(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    form = _check_form(request, viewer)
    page = {**form, "context": context, "typed": subjects, "single": subject, "column": column}
    typed: list[str] = []
    if subject.strip():
        typed.append(subject.strip())
    typed += [line.strip() for line in subjects.splitlines() if line.strip()]
    try:
        if file is not None and file.filename:
            typed += read_column(file.file.read(max_upload_mb() * 1024 * 1024 + 1), file.filename, column)
        with session_scope(_engine(request)) as s:
            result = measures.check(s, actor=viewer.actor, subjects_raw=typed, context=context, channel="portal")
    except (DomainError, LawError) as exc:
        return web.render(request, "portal/unit/work/checks.html",
                          {**page, "result": None, "refusal": _refusal(exc, _page_lang(request))},
                          status=exc.status)
    rows = []
    for n, (raw, answer) in enumerate(zip(typed, result["subjects"], strict=True), start=1):
        # what was typed is shown only where the identifier was invalid: as the service's own message names it
        # (a USCC, public), else masked (前6后4: it may be a person's ID number)
        error = answer.get("error") or {}
        shown = raw if raw and raw in (error.get("message") or "") else mask_text(raw)
        rows.append({"n": n, "typed": shown, **answer})
    summary = {"subjects": len(rows), "invalid": sum(1 for r in rows if r.get("error")),
               "with_measures": sum(1 for r in rows if r.get("measures")),
               "not_evaluable": sum(1 for r in rows if r.get("not_evaluable"))}
    return web.render(request, "portal/unit/work/checks.html",
                      {**page, "result": result, "rows": rows, "summary": summary, "refusal": None,
                       "purpose_name": dict((c, n) for c, n, _a in form["purposes"]).get(context, context)})


# --------------------------------------------------------------------------------------------
# the unit's officers (Art. 19(2))


def _unit_admin(request: Request) -> web.Viewer:
    """The unit's own token, as ``POST /api/v1/units/me/officers`` requires (not an officer's)."""
    viewer = web.require(request, roles=UNIT_ROLES, article="Art. 19(2)")
    if viewer.actor.unit_id is None:
        raise Forbidden("this needs a unit's token", article="Art. 19(2)")
    if viewer.actor.officer_id is not None:
        raise Forbidden("officers are added with the unit's own token, not an officer's", article="Art. 19(2)")
    return viewer


def _officers_page(request: Request, viewer: web.Viewer, *, created: dict | None = None,
                   refusal: dict | None = None, form: dict | None = None, status: int = 200) -> HTMLResponse:
    page_lang = _page_lang(request)
    with session_scope(_engine(request)) as s:
        unit = s.get(Unit, viewer.actor.unit_id)
        names = {i.code: (i.name_zh if page_lang == "zh" else i.name_en) for i in catalog.list_items(s)}
        items = list(dict.fromkeys(q.item_code for q in unit.inquiry_items))
        purposes = list(dict.fromkeys(q.purpose for q in unit.inquiry_items))
        officers = [{"id": o.id, "staff_no": o.staff_no, "name": o.name, "items": o.items, "purposes": o.purposes,
                     "active": o.active, "created_at": o.created_at} for o in units.officers_of(s, unit.id)]
        unit_name = unit.name
    purpose_names = {c: n for c, n, _a in _purposes(page_lang)}
    return web.render(request, "portal/unit/work/officers.html", {
        "unit_name": unit_name, "officers": officers, "items": [(c, names.get(c, c)) for c in items],
        "purposes": [(c, purpose_names.get(c, c)) for c in purposes], "item_names": names,
        "purpose_names": purpose_names, "created": created, "refusal": refusal,
        "form": {"items": [], "purposes": [], **(form or {})},
        "done": request.query_params.get("done"),
    }, status=status)


@router.get("/unit/officers", response_class=HTMLResponse)
def officers_page(request: Request) -> HTMLResponse:
    try:
        viewer = _unit_admin(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    return _officers_page(request, viewer)


@router.post("/unit/officers", response_class=HTMLResponse)
def officer_add(request: Request, csrf_token: str = Form(""), staff_no: str = Form(""), name: str = Form(""),
                items: list[str] = Form([]), purposes: list[str] = Form([]),
                expires_on: str = Form("")) -> HTMLResponse:
    try:
        web.check_csrf(request, csrf_token)
        viewer = _unit_admin(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    form = {"staff_no": staff_no, "name": name, "items": items, "purposes": purposes, "expires_on": expires_on}
    try:
        expires = None
        if expires_on.strip():
            try:
                expires = date.fromisoformat(expires_on.strip())
            except ValueError:
                raise InvalidInput("the expiry is a date (YYYY-MM-DD)", field="expires_on") from None
            if expires <= today():
                raise InvalidInput("the expiry is a day after today", field="expires_on")
        with session_scope(_engine(request)) as s:
            officer, token = units.add_officer(
                s, unit=s.get(Unit, viewer.actor.unit_id), staff_no=staff_no, name=name, items=items or None,
                purposes=purposes or None, expires_at=start_of(expires) if expires else None, actor=viewer.actor)
            created = {"id": officer.id, "staff_no": officer.staff_no, "name": officer.name, "token": token}
    except (DomainError, LawError) as exc:
        return _officers_page(request, viewer, refusal=_refusal(exc, _page_lang(request)), form=form,
                              status=exc.status)
    # The token is shown on this answer only (never in a URL, never again): no redirect to a page that has it.
    return _officers_page(request, viewer, created=created)


def _officer_act(request: Request, csrf: str, officer_id: str, done: str, act) -> HTMLResponse:
    try:
        web.check_csrf(request, csrf)
        viewer = _unit_admin(request)
    except DomainError as exc:
        return web.error_page(request, exc)
    try:
        if not officer_id.isdigit() or len(officer_id) > 18:
            raise InvalidInput("no such officer", field="officer")
        with session_scope(_engine(request)) as s:
            act(s, s.get(Unit, viewer.actor.unit_id), int(officer_id), viewer.actor)
    except (DomainError, LawError) as exc:
        return _officers_page(request, viewer, refusal=_refusal(exc, _page_lang(request)), status=exc.status)
    return web.redirect(f"/unit/officers?done={done}")


@router.post("/unit/officers/{officer_id}/limit", response_class=HTMLResponse)
def officer_limit(request: Request, officer_id: str, csrf_token: str = Form(""), items: list[str] = Form([]),
                  purposes: list[str] = Form([])) -> HTMLResponse:
    return _officer_act(request, csrf_token, officer_id, "limit", lambda s, unit, oid, who: units.limit_officer(
        s, unit=unit, officer_id=oid, items=items, purposes=purposes, actor=who))


@router.post("/unit/officers/{officer_id}/revoke", response_class=HTMLResponse)
def officer_revoke(request: Request, officer_id: str, csrf_token: str = Form("")) -> HTMLResponse:
    return _officer_act(request, csrf_token, officer_id, "revoke", lambda s, unit, oid, who: units.deactivate_officer(
        s, unit=unit, officer_id=oid, actor=who))

