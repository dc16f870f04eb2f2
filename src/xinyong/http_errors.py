"""The API's error handlers: every error is the one body (``error_model.ErrorRead``), never a traceback.

- ``DomainError`` / ``LawError``: their status, code and article.
- Request validation: 422 naming the field; malformed JSON names the line and column of the fault, not a
  character offset dressed as a field; nothing of the input is echoed (it may hold an ID number).
- Starlette's own HTTP errors under ``/api`` (an unknown path, a method not allowed, a body that is not
  UTF-8): the same body. The portal's pages keep Starlette's rendering.
- A value the database cannot store (``sqlalchemy.exc.DataError``): 422, no bound values.
- Anything else: ``CatchAll`` answers a generic 500 naming an incident id and logs the traceback once, on
  the server's error log (``uvicorn.error``), through ``xinyong.logmask``'s filter on that logger: a
  resident ID number that slipped into it is masked whatever the handlers.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import DomainError, error_body, internal_error_body
from .law.errors import LawError
from .logmask import MaskingFilter
from .responses import JSON

log = logging.getLogger("uvicorn.error")  # the server's error log, where an unhandled error has always gone
log.addFilter(MaskingFilter())

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}


def _loc(error: dict[str, Any]) -> str:
    return ".".join(str(p) for p in error.get("loc", ()) if p != "body")


def _position(doc: Any, pos: int) -> tuple[int, int]:
    """Line and column (1-based) of character ``pos`` in the request body."""
    if not isinstance(doc, str):
        return 1, pos + 1
    line = doc.count("\n", 0, pos) + 1
    column = pos - (doc.rfind("\n", 0, pos) + 1) + 1
    return line, column


def validation_body(exc: RequestValidationError) -> dict[str, Any]:
    errors = list(exc.errors())
    bad_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if bad_json is not None:
        loc = bad_json.get("loc", ())
        pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
        line, column = _position(getattr(exc, "body", None), pos)
        reason = (bad_json.get("ctx") or {}).get("error") or "invalid JSON"
        return {"error": "invalid_json", "article": None, "article_text": None,
                "message": f"the body is not valid JSON: {reason} at line {line}, column {column} (char {pos})",
                "details": {"line": line, "column": column, "position": pos, "reason": reason}}
    first = errors[0] if errors else {}
    loc = _loc(first)
    where = loc or ("body" if first.get("loc", ())[:1] == ("body",) else "request")
    return {"error": "invalid_input", "message": f"{where}: {first.get('msg', 'invalid')}",
            "article": None, "article_text": None, "field": loc or None,
            "details": [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errors]}


def error_response(exc: DomainError | LawError) -> JSON:
    """A domain or law error as the API answers it (the FastAPI handlers and ``hotroutes`` alike)."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, DomainError) and exc.status == 401 else None
    return JSON(error_body(exc), status_code=exc.status, headers=headers)


def data_error_response() -> JSON:
    # A value the column cannot hold (too long, out of range): the input's fault. No bound values
    # (the engine hides them), and the unit of work was rolled back.
    return JSON({"error": "invalid_input", "message": "a value is too long or out of range for what the "
                 "platform stores", "article": None, "article_text": None}, status_code=422)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSON:
        return error_response(exc)

    @app.exception_handler(LawError)
    async def _law_error(_request: Request, exc: LawError) -> JSON:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSON:
        return JSON(validation_body(exc), status_code=422)

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, _exc: DataError) -> JSON:
        return data_error_response()

    from fastapi.exception_handlers import http_exception_handler

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if not request.url.path.startswith("/api/"):
            return await http_exception_handler(request, exc)
        status = exc.status_code
        message = exc.detail if isinstance(exc.detail, str) else "error"
        code = _HTTP_CODES.get(status, "error")
        if status == 400:  # FastAPI's "There was an error parsing the body": a body that is not UTF-8 JSON
            status, code, message = 422, "invalid_json", "the body could not be read: send UTF-8 JSON"
        body = {"error": code, "message": message, "article": None,
                "article_text": None}
        return JSON(body, status_code=status, headers=getattr(exc, "headers", None))


class CatchAll:
    """Innermost middleware: an unexpected exception becomes a generic 500 with an incident id; its
    traceback is logged once, here (masked by ``xinyong.logmask``), and goes no further."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            incident = secrets.token_hex(6)
            route = getattr(scope.get("route"), "path", None) or "?"
            # uvicorn's own wording, so that what watches the server's log for it still sees it
            log.exception("Exception in ASGI application (incident %s: %s %s)", incident, scope.get("method"), route)
            if started:
                return  # the answer had begun: the server ends the connection
            body = JSON(internal_error_body(incident), status_code=500)
            await body(scope, receive, send)
