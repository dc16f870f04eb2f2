"""Citizens and companies (and their agents), signed in: /me and its pages (Art. 17.1, 25.3, 34, 36, 38).

- ``/me``: my information — records with source unit, document, history and markers, list entries, the
  measures applied with basis and grounds, my grade — built by ``report.service.own_view`` exactly as my own
  report is (the one visibility decision, an inquiry by the subject about itself, logged). My identifier is
  shown unmasked here only.
- ``/me/inquiries``: who inquired, when, why, under which authorization (``report.service.inquiries_of``).
- ``/me/reports``: issue one (POST) — how many free reports remain this year (Art. 34.2) — and my reports,
  each as JSON, HTML or PDF (``/me/reports/{number}.pdf``); only the subject's own (another's number: 404).
- ``/verify/{number}`` (no sign-in): is a report shown to a bank genuine and unaltered? (``report.seal``).

The objections, authorizations, remedies and restoration pages are ``me_requests.py``'s.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from ..db import session_scope
from ..errors import DomainError, InvalidInput, NotFound
from ..law.errors import LawError
from ..report import render as report_render
from ..report import seal
from ..report import service as reports
from ..subject import service as subject_life
from . import i18n, labels, web

router = APIRouter(include_in_schema=False)

ARTICLE = "Art. 17.1"  # a subject inquires about its own information
ROLES = ("subject",)
FORMATS = ("json", "html", "pdf")
NUMBER = re.compile(r"^[A-Za-z0-9-]{1,40}$")
MAX_UPLOAD = 8 * 1024 * 1024  # a JSON report is a few hundred kB at most
DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _engine(request: Request):
    return request.app.state.engine


def _viewer(request: Request) -> web.Viewer:
    return web.require(request, roles=ROLES, article=ARTICLE,
                       message="these pages are for information subjects and their agents")


# Shown in their own rows (document, dates, source, amount, the subject's kind) or not facts about the subject.
HIDDEN_FIELDS = report_render.HIDDEN_CONTENT | {"amount_yuan", "subject_class"}
DAY_FIELDS = ("valid_from", "valid_until", "publicity_until")
AMOUNT_FIELDS = ("fine_wan", "confiscated_wan")


def content_rows(content: dict[str, Any] | None) -> list[tuple[str, str]]:
    """A record's content as people read it, in the page's language: labels, not keys; dates as dates;
    amounts grouped; yes/no, procedures and severities as words (called while the page renders)."""
    rows = []
    for key, value in (content or {}).items():
        if key in HIDDEN_FIELDS or value in (None, "", {}, []):
            continue
        if isinstance(value, bool) or value in ("true", "false"):
            text = labels.label("bool", str(value).lower())
        elif key == "severity":
            text = labels.label("me_severity", value)
        elif key == "procedure":
            text = labels.label("me_procedure", value)
        elif key in DAY_FIELDS:
            text = i18n.format_day(value, i18n.LANG.get())
        elif key in AMOUNT_FIELDS:
            text = i18n.format_amount(value, i18n.LANG.get())
        elif isinstance(value, dict):
            text = "；".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            text = "；".join(str(v) for v in value)
        else:
            text = str(value)
        rows.append((labels.label("me_field", key), text))
    return rows


def _who(viewer: web.Viewer, subject: dict[str, Any] | None = None) -> dict[str, Any]:
    """Who is acting: the subject itself, or an agent acting for it (shown on every page)."""
    return {"agent": viewer.actor.agent, "name": (subject or {}).get("name")}


@router.get("/me", response_class=HTMLResponse)
def me_page(request: Request) -> Response:
    try:
        viewer = _viewer(request)
        with session_scope(_engine(request)) as s:
            view = reports.own_view(s, actor=viewer.actor)
            life = subject_life.history(s, viewer.actor.subject_id, to_self=True)  # my names, identifiers, changes
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.render(request, "portal/me/index.html", {
        "view": view, "who": _who(viewer, view["subject"]), "life": life,
        "content_rows": content_rows, "ground_text": report_render.ground_text,
    })


@router.get("/me/inquiries", response_class=HTMLResponse)
def my_inquiries(request: Request) -> Response:
    try:
        viewer = _viewer(request)
        with session_scope(_engine(request)) as s:
            rows = reports.inquiries_of(s, viewer.actor.subject_id)
            me = reports.own_subject(s, viewer.actor.subject_id)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.render(request, "portal/me/inquiries.html", {"rows": rows, "who": _who(viewer, me)})


@router.get("/me/reports", response_class=HTMLResponse)
def my_reports(request: Request, issued: str | None = None) -> Response:
    try:
        viewer = _viewer(request)
        with session_scope(_engine(request)) as s:
            listed = reports.listing(s, viewer.actor.subject_id)
            me = reports.own_subject(s, viewer.actor.subject_id)
            free = reports.free_reports(s, subject_id=viewer.actor.subject_id, kind=me["kind"])
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    issued = issued if issued and any(r["number"] == issued for r in listed) else None
    return web.render(request, "portal/me/reports.html", {
        "reports": listed, "free": free, "kind": me["kind"], "issued": issued, "who": _who(viewer, me),
    }, keep={})


@router.post("/me/reports", response_class=HTMLResponse)
def issue_report(request: Request, csrf_token: str = Form("")) -> Response:
    try:
        web.check_csrf(request, csrf_token)
    except DomainError as exc:
        return web.error_page(request, exc)
    try:
        viewer = _viewer(request)
        with session_scope(_engine(request)) as s:
            issued = reports.issue(s, actor=viewer.actor)
        issued.answer.raise_if_denied()  # after the commit: a refusal is logged too
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.redirect(f"/me/reports?issued={issued.number}")


@router.get("/me/reports/{name}", response_class=HTMLResponse)
def download_report(request: Request, name: str) -> Response:
    """``/me/reports/{number}.json|.html|.pdf``: my report again (nothing counted or charged). Another
    subject's number answers as an unknown one does (404): whether it exists is not said."""
    number, _, fmt = name.rpartition(".")
    try:
        viewer = _viewer(request)
        if fmt not in FORMATS or not NUMBER.match(number):
            raise NotFound("no such report of yours")
        if fmt == "pdf":
            from ..report.pdf import find_font

            find_font()
        with session_scope(_engine(request)) as s:
            snapshot, sealed = reports.get_sealed(s, number, actor=viewer.actor)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    view = seal.view(number, snapshot["issued_at"], sealed["digest"], sealed["signature"], sealed["key_id"],
                     str(request.base_url)) if sealed["digest"] else None
    headers = {"X-Report-Number": number, "Cache-Control": "no-store"}
    if sealed["digest"]:
        headers["X-Report-Digest"] = sealed["digest"]
    if fmt != "html":
        headers["Content-Disposition"] = f'attachment; filename="{number}.{fmt}"'
    if fmt == "pdf":  # rendered once per stored snapshot, then sent as stored (report.pdfstore)
        from ..report import pdfstore

        body = pdfstore.render(_engine(request), number, snapshot, view)
    else:
        body = report_render.render(snapshot, fmt, view)
    return Response(body, media_type=report_render.MEDIA_TYPES[fmt], headers=headers)


# --- /verify/{number} -------------------------------------------------------------------------------------
#
# Anyone holding a report (a bank, a procurement agency) checks it here without signing in. Report numbers
# are sequential, so the page must not become a directory of who obtained a report. Decision:
# - an organization's report (its name and USCC are public information, Art. 15): the number, the name, the
#   issue time, the digest and the signature are shown at once, and a pasted or uploaded report is compared;
# - a natural person's report: only that a report with this number exists, its issue time, the issuer and the
#   name masked (its first character), until the holder shows they hold the report — its digest (printed on
#   it, carried by its QR code) or its JSON matches. Then the name as the report states it, the digest and
#   the signature are shown: nothing the holder's copy does not already state.
# Nothing else of the report is ever shown here (no records, no identifier beyond the report's masked one).

def _mask_name(name: str | None) -> str:
    if not name:
        return "—"
    return name[0] + "*" * max(len(name) - 1, 1)


def _verify_page(request: Request, number: str, *, digest: str | None = None, uploaded: bytes | None = None,
                 tried: bool = False) -> Response:
    try:
        if not NUMBER.match(number):
            raise NotFound("no report with this number", field="number")
        with session_scope(_engine(request)) as s:
            found = reports.verification(s, number)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    outcome = None
    given = None
    if uploaded is not None and uploaded.strip():
        given = seal.digest_of_json(uploaded)
        if given is None:
            outcome = "not_json"
    elif digest:
        given = digest.strip().lower()
        if not DIGEST.match(given):
            outcome, given = "not_digest", None
    if given is not None:
        if found["digest"] and given == found["digest"]:
            outcome = "match"
        elif given == found["current_digest"] and found["amended"]:
            outcome = "match_amended"
        else:
            outcome = "mismatch"
    elif tried and outcome is None:
        outcome = "nothing"
    person = found["subject"]["kind"] == "natural_person"
    matched = outcome in ("match", "match_amended")
    reveal = matched or not person
    return web.render(request, "portal/me/verify.html", {
        "r": found, "outcome": outcome, "reveal": reveal, "person": person,
        "name": found["subject"]["name"] if reveal else _mask_name(found["subject"]["name"]),
    }, status=200, keep={})


@router.get("/verify/{number}", response_class=HTMLResponse)
def verify_page(request: Request, number: str, digest: str | None = None) -> Response:
    return _verify_page(request, number, digest=digest)


@router.post("/verify/{number}", response_class=HTMLResponse)
def verify_form(request: Request, number: str, csrf_token: str = Form(""), digest: str = Form(""),
                      report_json: str = Form(""), report_file: UploadFile | None = File(None)) -> Response:
    try:
        web.check_csrf(request, csrf_token)
    except DomainError as exc:
        return web.error_page(request, exc)
    uploaded: bytes | None = None
    if report_file is not None and report_file.filename:
        uploaded = report_file.file.read(MAX_UPLOAD + 1)
        if len(uploaded) > MAX_UPLOAD:
            return web.error_page(request, InvalidInput("the file is larger than any report", field="report_file"))
    elif report_json.strip():
        uploaded = report_json.encode("utf-8")
    return _verify_page(request, number, digest=digest or None, uploaded=uploaded, tried=True)
