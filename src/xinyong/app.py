"""create_app(): FastAPI, the error handlers, the API router and the portal."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from .responses import JSON as ORJSONResponse
from sqlalchemy.engine import Engine

from . import __version__
from .api import router as api_router
from . import apidocs, http_errors


@asynccontextmanager
async def _lifespan(app: FastAPI):
    yield
    # the inquiry log's group-commit writer: what is pending is written before the process goes
    from .inquiry import groupcommit

    groupcommit.stop(app.state.engine)


def create_app(engine: Engine | None = None, *, hot_routes: bool = True) -> FastAPI:
    from .db import get_engine

    app = FastAPI(
        lifespan=_lifespan,
        title="xinyong — 上海市公共信用信息服务平台",
        version=__version__,
        description="Public Credit Information Service Platform built to the Shanghai Social Credit "
        "Regulations (上海市社会信用条例). Every refusal names its article.",
        default_response_class=ORJSONResponse,
        docs_url=None,  # served offline below (xinyong.apidocs)
        redoc_url=None,
    )
    app.state.engine = engine or get_engine()
    if hot_routes:  # the inquiry and the check answered before FastAPI's routing (xinyong.hotroutes)
        from .hotroutes import HotRoutes

        app.add_middleware(HotRoutes)
    # Innermost but for them: an unexpected exception becomes a generic 500 (middleware added later wraps it)
    app.add_middleware(http_errors.CatchAll)
    # Rate limits and refusal traces in front of every served view (Art. 19(1)); settings: config.rate_*
    from .guard.limiter import Limiter
    from .guard.middleware import Guard

    app.state.limiter = Limiter()
    app.add_middleware(Guard, limiter=app.state.limiter)

    # Every error is the one body (error_model.ErrorRead), never a traceback: xinyong.http_errors.
    http_errors.install(app)

    app.include_router(api_router)
    apidocs.install(app)  # /docs and /redoc from the package's own files, no CDN

    # The public web portal (home page and search at "/"), with its stylesheet.
    from fastapi.staticfiles import StaticFiles

    from .portal.routes import STATIC_DIR
    from .portal.routes import router as portal_router

    app.include_router(portal_router)
    from .portal.transparency import router as transparency_router
    app.include_router(transparency_router)  # /transparency: the audit log's latest checkpoint (Art. 20(2))
    # signing in, and the pages of each role (xinyong.portal.web has what they share)
    from .portal import notices as notice_pages
    from .portal import (catalog_work, commitments, console, me, me_requests, oversight, public, signin, unit,
                         unit_restorations, unit_work, web)

    for module in (signin, public, me, me_requests, unit, unit_work, unit_restorations, commitments, console,
                   oversight, catalog_work, notice_pages):
        app.include_router(module.router)
    web.install(app)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    # Operations: /healthz, /readyz, /metrics (docs/deployment.md); the request metrics outermost (added last),
    # so that every answer is counted, a refusal by the rate limiter too
    from .ops.endpoints import router as ops_router
    from .ops.metrics import MetricsMiddleware

    app.include_router(ops_router)
    app.add_middleware(MetricsMiddleware)

    return app


def create_served_app(engine: Engine | None = None) -> FastAPI:
    """``create_app()`` for a long-running server: what start-up allocated (the models, compiled
    statements, the region table …) is moved out of the cyclic collector's reach (``gc.freeze``), so
    that a full collection does not walk it in the middle of a request (it shows in the p99)."""
    import gc

    from .logmask import install

    install()  # a worker's own loggers too: no full resident ID number in any log line
    app = create_app(engine)
    gc.collect()
    gc.freeze()
    return app
