"""The hot routes' own door: ``POST /api/v1/inquiries`` and ``POST /api/v1/checks`` answered without
FastAPI's routing and dependency resolution.

Why: under load, FastAPI's router spent about a third of an inquiry's time on the event loop finding the
route (it tries the included routers' routes one by one, ~40 checks for this path) and resolving the
dependencies another tenth (issue 12; bench/README.md has the profile). The answer itself is built by the
same function the FastAPI route calls (``inquiry.endpoints.answer_inquiry``, ``measure.endpoints.answer_check``).

Which requests: the ordinary shape only — ``POST``, a JSON content type, a bearer token, a body the route's
own request model accepts. Anything else (no token, another content type, a body the model refuses, one over
``MAX_BODY``) goes on to FastAPI unchanged, its body replayed, so every such error is FastAPI's own; the FastAPI
routes stay the documented ones, and ``tests/test_hotroutes.py`` holds both doors to the same answers.

Where: inside the request metrics, the guard (rate limits and refusal traces, Art. 19(1)) and ``CatchAll``
(an unexpected error is the same 500); a domain error is rendered by ``http_errors.error_response``, as the
FastAPI handlers render it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import DomainError
from .guard.middleware import bearer
from .http_errors import data_error_response, error_response
from .law.errors import LawError
from .responses import JSON

MAX_BODY = 64 * 1024  # a larger body goes to FastAPI (a check names at most 1,000 identifiers: ~25 kB)


@dataclass(frozen=True)
class HotRoute:
    """A route answered here: its full path (also what the metrics name it by), its request model, and the
    function both doors call: ``(engine, bearer token, body) -> the answer's content``."""

    path: str
    model: type[BaseModel]
    answer: Callable[[Any, str, Any], Awaitable[dict]]


def hot_routes() -> tuple[HotRoute, ...]:
    from .inquiry.endpoints import answer_inquiry
    from .inquiry.schemas import InquiryIn
    from .measure.endpoints import answer_check
    from .measure.schemas import CheckIn

    return (HotRoute("/api/v1/inquiries", InquiryIn, answer_inquiry),
            HotRoute("/api/v1/checks", CheckIn, answer_check))


def _is_json(headers) -> bool:
    for name, value in headers:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"application/json"
    return False


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` for the next app: the messages already read, in order, then whatever comes after."""
    pending = list(messages)

    async def again() -> Message:
        return pending.pop(0) if pending else await receive()
    return again


class HotRoutes:
    def __init__(self, app: ASGIApp, routes: tuple[HotRoute, ...] | None = None) -> None:
        self.app = app
        self.routes = {r.path: r for r in (routes if routes is not None else hot_routes())}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if route is None or scope.get("root_path") or not _is_json(scope["headers"]):
            await self.app(scope, receive, send)
            return
        token = bearer(scope["headers"])
        if token is None:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size, more = 0, True
        while more and size <= MAX_BODY:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # the client left: FastAPI sees what it would have seen
                break
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        if more or size > MAX_BODY:
            await self.app(scope, _replay(messages, receive), send)
            return
        try:
            model = route.model.model_validate_json(b"".join(m.get("body", b"") for m in messages))
        except ValidationError:
            await self.app(scope, _replay(messages, receive), send)
            return
        scope["route"] = route  # what the metrics and CatchAll name the request by
        try:
            response = JSON(await route.answer(scope["app"].state.engine, token, model))
        except (DomainError, LawError) as exc:
            response = error_response(exc)
        except DataError:
            response = data_error_response()
        await response(scope, receive, send)
