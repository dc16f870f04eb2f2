"""``/login`` and ``/logout``: signing in to the portal with the token issued at the counter.

The token travels only in the form's body (never a URL), is checked like a bearer token (failures count
against the address and the token's prefix, Art. 19(1), and leave an audit trace), and opens a session
(``websession``): an HTTP-only, ``SameSite=Strict`` cookie. The real-name identity provider of a production
deployment plugs in beside this form (``identity.py``, docs/identity.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ..db import session_scope
from ..errors import DomainError, Unauthorized
from . import web, websession

router = APIRouter(include_in_schema=False)


def _safe_next(path: str | None) -> str | None:
    # only a path on this site: never //host or a scheme (an open redirect)
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path and path != "/login":
        return path
    return None


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query's name
    found = web.viewer(request)
    if found is not None:
        return web.redirect(_safe_next(next) or found.home)
    return web.render(request, "portal/login.html", {"next": _safe_next(next) or "", "failed": None})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, token: str = Form(""), csrf_token: str = Form(""), next: str = Form("")) -> Response:  # noqa: A002
    try:
        web.check_csrf(request, csrf_token)
    except DomainError as exc:
        return web.error_page(request, exc)
    limiter = request.app.state.limiter
    address = limiter.client_address(request.scope)
    token = token.strip()
    prefix = limiter.token_keys(token)[1] if token else None
    outcome = limiter.failed_too_often("auth-address", address)
    if outcome.allowed and prefix is not None:
        outcome = limiter.failed_too_often("auth-prefix", prefix)
    if not outcome.allowed:
        response = web.render(request, "portal/login.html", {"next": _safe_next(next) or "", "failed": "limit"},
                              status=429)
        response.headers["Retry-After"] = str(int(outcome.retry_after) or 1)
        return response
    try:
        with session_scope(request.app.state.engine) as session:
            if not token:
                raise Unauthorized("no token")
            cookie, actor = websession.open_session(session, token)
    except Unauthorized:
        from ..auth import REQUEST_NOTE
        from ..guard import traces

        limiter.failed("auth-address", address)
        if prefix is not None:
            limiter.failed("auth-prefix", prefix)
            note = REQUEST_NOTE.get() or {}
            traces.auth_failed(request.app.state.engine, prefix_digest=prefix,
                               reason=str(note.get("auth_failure") or "unknown"), route="POST /login",
                               address_digest=limiter.address_digest(address), channel="portal")
        return web.render(request, "portal/login.html", {"next": _safe_next(next) or "", "failed": "token"},
                          status=401)
    response = web.redirect(_safe_next(next) or web.home_of(actor))
    response.set_cookie(web.SESSION_COOKIE, cookie, httponly=True, samesite="strict", secure=web._secure(request),
                        path="/")
    return response


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request, csrf_token: str = Form("")) -> Response:
    found = web.viewer(request)
    if found is None:
        return web.redirect("/login")
    try:
        web.check_csrf(request, csrf_token)
    except DomainError as exc:
        return web.error_page(request, exc)
    with session_scope(request.app.state.engine) as session:
        websession.end_session(session, request.cookies.get(web.SESSION_COOKIE, ""), actor=found.actor)
    response = web.redirect("/login?ended=1")
    response.delete_cookie(web.SESSION_COOKIE, path="/")
    return response
