"""``/transparency``: the audit log's latest signed checkpoint, the platform's public key, and how anyone can
hold the platform to them (Art. 20(2)). Chinese first; ``?lang=en`` as on every page (the words: gettext,
``shell.po``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..audit import endpoints as published
from ..errors import NotFound
from .routes import _render

router = APIRouter(include_in_schema=False)


@router.get("/transparency", response_class=HTMLResponse)
def transparency(request: Request) -> HTMLResponse:
    try:
        pub: dict[str, Any] | None = published.published(request.app.state.engine)
    except NotFound:
        pub = None
    return _render(request, "portal/transparency.html", {"pub": pub})
