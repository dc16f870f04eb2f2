"""The guard in front of every served view (a pure ASGI middleware: a few microseconds a request).

- The public portal's search (``POST /search``) and subject pages (``/subjects/…``): ``rate_portal`` per
  client address.
- The API (``/api/…``): a client whose address, or whose token's prefix, failed to authenticate
  ``rate_auth_failures`` times is refused before its token is even looked at; then ``rate_api`` per token
  (per address without one). A 401 counts a failure against both, and a presented token that failed
  leaves an audit trace (``auth:failed``, digests only).
- Refusals (400/403/404/409/422) of batch, objection and check routes leave an audit trace.

Refused requests get 429 with ``Retry-After`` and the error body (``rate_limited``, Art. 19(1)); the
refusal comes before the route runs, so nothing is served, and nothing served goes unlogged (Art. 34).
"""

from __future__ import annotations

import logging

import anyio
import orjson

from ..auth import REQUEST_NOTE
from ..errors import error_body
from . import traces
from .limiter import Limiter, Outcome, describe
from .rules import RateLimited, within_rate_limit

log = logging.getLogger("xinyong.guard")

_AUTHORIZATION = b"authorization"


def bearer(headers) -> str | None:
    """The bearer token as FastAPI's ``HTTPBearer`` reads it: the first Authorization header, its scheme
    (any case) and the rest stripped; None when there is none."""
    for name, value in headers:
        if name == _AUTHORIZATION:
            scheme, _, cred = value.decode("latin-1").partition(" ")
            cred = cred.strip()
            return cred if scheme.lower() == "bearer" and cred else None
    return None


def _is_portal_view(method: str, path: str) -> bool:
    return (path == "/search" and method == "POST") or path.startswith("/subjects/")


class Guard:
    def __init__(self, app, limiter: Limiter | None = None) -> None:
        self.app = app
        self.limiter = limiter or Limiter()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith("/api/"):
            await self._api(scope, receive, send, path)
            return
        limiter = self.limiter
        if limiter.portal is not None and _is_portal_view(scope["method"], path):
            outcome = limiter.hit(limiter.portal, "portal", limiter.client_address(scope))
            if not outcome.allowed:
                await self._refuse_portal(scope, receive, send, outcome, describe(limiter.portal))
                return
        await self.app(scope, receive, send)

    # -- the API -----------------------------------------------------------------------------------

    async def _api(self, scope, receive, send, path: str) -> None:
        limiter = self.limiter
        token = bearer(scope["headers"])
        address = limiter.client_address(scope)
        keys = limiter.token_keys(token) if token is not None else None
        if limiter.auth_failures is not None:
            outcome = limiter.failed_too_often("auth-address", address)
            if outcome.allowed and keys is not None:
                outcome = limiter.failed_too_often("auth-prefix", keys[1])
            if not outcome.allowed:
                await _refuse_api(send, outcome, "failed authentications", describe(limiter.auth_failures))
                return
        if limiter.api is not None:
            key = ("api-token", keys[0]) if keys is not None else ("api-address", address)
            outcome = limiter.hit(limiter.api, *key)
            if not outcome.allowed:
                await _refuse_api(send, outcome, "requests", describe(limiter.api))
                return
        note: dict = {}
        reset = REQUEST_NOTE.set(note)
        try:
            await self.app(scope, receive, _Watch(self, scope, send, note, token, address, path))
        finally:
            REQUEST_NOTE.reset(reset)

    async def _refuse_portal(self, scope, receive, send, outcome: Outcome, limit: str) -> None:
        from starlette.requests import Request

        from ..portal.web import error_page

        try:
            within_rate_limit(False, what="searches and pages from your address", limit=limit,
                              retry_after=outcome.retry_after)
        except RateLimited as exc:
            response = error_page(Request(scope, receive), exc)
            response.headers["Retry-After"] = str(exc.retry_after)
            await response(scope, receive, send)


async def _refuse_api(send, outcome: Outcome, what: str, limit: str) -> None:
    try:
        within_rate_limit(False, what=what, limit=limit, retry_after=outcome.retry_after)
    except RateLimited as exc:
        body = orjson.dumps(error_body(exc))
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(exc.retry_after).encode())]})
        await send({"type": "http.response.body", "body": body})


class _Watch:
    """The response's ``send``: sees its status first. A 401 counts a failure (and a presented token's
    failure is traced); a refusal of a traced route is traced from its error body; both before the
    response leaves."""

    __slots__ = ("guard", "scope", "send", "note", "token", "address", "path", "held", "body", "family")

    def __init__(self, guard: Guard, scope, send, note: dict, token: str | None, address: str, path: str) -> None:
        self.guard, self.scope, self.send, self.note = guard, scope, send, note
        self.token, self.address, self.path = token, address, path
        self.held = None
        self.body: list[bytes] = []
        self.family: str | None = None

    async def __call__(self, message) -> None:
        if self.held is None and message["type"] == "http.response.start":
            status = message["status"]
            if status == 401:
                await self._auth_failed()
            elif status in traces.REFUSAL_STATUSES:
                self.family = traces.family_of(self.path)
                if self.family is not None:
                    self.held = message
                    return
            await self.send(message)
            return
        if self.held is not None and message["type"] == "http.response.body":
            self.body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            held, self.held = self.held, None
            await self._refused(held["status"], b"".join(self.body))
            await self.send(held)
            await self.send({"type": "http.response.body", "body": b"".join(self.body)})
            return
        await self.send(message)

    def _route(self) -> str:
        """``POST /api/v1/objections/{objection_id}/decision``: the path with its parameters named, not
        their values (an included router's route knows only its own part of the path)."""
        params = {str(v): k for k, v in (self.scope.get("path_params") or {}).items()}
        path = "/".join("{" + params[seg] + "}" if seg in params else seg for seg in self.path.split("/"))
        return f"{self.scope['method']} {path}"[:200]

    async def _auth_failed(self) -> None:
        limiter = self.guard.limiter
        limiter.failed("auth-address", self.address)
        if self.token is None:
            return
        prefix = limiter.token_keys(self.token)[1]
        limiter.failed("auth-prefix", prefix)
        engine = _engine(self.scope)
        if engine is None:
            return
        try:
            await anyio.to_thread.run_sync(lambda: traces.auth_failed(
                engine, prefix_digest=prefix, reason=str(self.note.get("auth_failure") or "unauthorized"),
                route=self._route(), address_digest=limiter.address_digest(self.address)))
        except Exception as exc:  # noqa: BLE001 - the refusal stands; the trace's loss is logged
            log.warning("could not record a failed authentication: %s", type(exc).__name__)

    async def _refused(self, status: int, body: bytes) -> None:
        engine = _engine(self.scope)
        if engine is None or self.family is None:
            return
        try:
            err = orjson.loads(body) if body else {}
        except orjson.JSONDecodeError:
            err = {}
        if not isinstance(err, dict):
            err = {}
        from ..record.fields import mask_id_shaped

        field = err.get("field")
        try:
            await anyio.to_thread.run_sync(lambda: traces.refused(
                engine, family=self.family, actor=self.note.get("actor"), route=self._route(), status=status,
                error=str(err.get("error") or "")[:64] or None, article=err.get("article"),
                field=mask_id_shaped(str(field))[:100] if field else None,
                object_id=traces.object_id_of(self.scope.get("path_params")), channel="api"))
        except Exception as exc:  # noqa: BLE001
            log.warning("could not record a refusal: %s", type(exc).__name__)


def _engine(scope):
    app = scope.get("app")
    state = getattr(app, "state", None)
    return getattr(state, "engine", None)
