"""``GET /healthz`` (alive, with details), ``GET /readyz`` (can serve), ``GET /metrics`` (Prometheus).

No authentication on the first two (load balancers and orchestrators probe them), and nothing personal in
any: configuration, revisions, counts. ``/metrics`` takes ``XINYONG_METRICS_TOKEN`` when it is set. They sit
outside ``/api/v1`` and outside the OpenAPI document (they are the operator's, documented in
docs/deployment.md). A database that does not answer within ``PROBE_TIMEOUT_S`` counts as unreachable: a
probe answers in bounded time.
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..responses import JSON
from . import health, metrics

router = APIRouter(include_in_schema=False)
PROBE_TIMEOUT_S = 5.0
_NO_STORE = {"Cache-Control": "no-store"}


async def _check(request: Request, *, with_details: bool) -> health.Health:
    engine = request.app.state.engine
    try:
        with anyio.fail_after(PROBE_TIMEOUT_S):
            return await anyio.to_thread.run_sync(lambda: health.check(engine, with_details=with_details),
                                                  abandon_on_cancel=True)
    except TimeoutError:
        state = health.Health(database={"dialect": engine.dialect.name, "reachable": False})
        state.reasons.append({"code": "database_unreachable",
                              "message": f"the database did not answer within {PROBE_TIMEOUT_S:g} s"})
        return state


@router.get("/healthz")
async def healthz(request: Request) -> JSON:
    """The process is alive (200 whenever it answers), with what an operator should know."""
    state = await _check(request, with_details=True)
    return JSON(state.details(), headers=_NO_STORE)


@router.get("/readyz")
async def readyz(request: Request) -> JSON:
    """200 when the platform can serve; 503 with the reasons when it cannot."""
    state = await _check(request, with_details=False)
    body = {"ready": state.ready, "not_ready": state.reasons}
    return JSON(body, status_code=200 if state.ready else 503, headers=_NO_STORE)


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    if not metrics.token_ok(request.headers.get("authorization")):
        return JSON({"error": "unauthorized", "message": "GET /metrics needs the metrics token (XINYONG_METRICS_TOKEN)",
                     "article": None, "article_text": None}, status_code=401,
                    headers={"WWW-Authenticate": "Bearer", **_NO_STORE})
    engine = request.app.state.engine
    body, content_type = await anyio.to_thread.run_sync(lambda: metrics.render(engine))
    return Response(body, media_type=content_type, headers=_NO_STORE)
