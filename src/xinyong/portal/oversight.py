"""The supervisor, signed in: /oversight (Art. 19, 20, 49-51).

What the platform already knows of breaches, each with its article: refused inquiries by unit and article
(attempts — a refused inquiry disclosed nothing), objection steps past their deadlines (Art. 36), deletions
(Art. 37) and restorations (Art. 38) past theirs, audit verification failures (Art. 20(2)), and the console's
acts for units with their recorded reasons (as ``GET /api/v1/oversight/console-acts``). Computed in
``xinyong.oversight.service.breaches``; the page only renders.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..db import session_scope
from ..errors import DomainError
from ..law.errors import LawError
from ..oversight import service
from . import web

router = APIRouter(include_in_schema=False)

ROLES = ("supervisor",)


@router.get("/oversight", response_class=HTMLResponse)
def home(request: Request) -> Response:
    try:
        web.require(request, roles=ROLES, article="Art. 19(2)",
                    message="this page is the supervisor's: sign in with its token")
        with session_scope(request.app.state.engine) as s:
            data = service.breaches(s)
    except (DomainError, LawError) as exc:
        return web.error_page(request, exc)
    return web.render(request, "portal/oversight/home.html", {"data": data})
