"""create_app(): FastAPI, the error handlers, the API router and the portal."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from .responses import JSON as ORJSONResponse
from sqlalchemy.engine import Engine

from . import __version__
from .api import router as api_router
from .errors import DomainError, error_body
from .law.errors import LawError


def create_app(engine: Engine | None = None) -> FastAPI:
    from .db import get_engine

    app = FastAPI(
        title="xinyong — 上海市公共信用信息服务平台",
        version=__version__,
        description="Public Credit Information Service Platform built to the Shanghai Social Credit "
        "Regulations (上海市社会信用条例). Every refusal names its article.",
        default_response_class=ORJSONResponse,
    )
    app.state.engine = engine or get_engine()

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> ORJSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return ORJSONResponse(error_body(exc), status_code=exc.status, headers=headers)

    @app.exception_handler(LawError)
    async def _law_error(_request: Request, exc: LawError) -> ORJSONResponse:
        return ORJSONResponse(error_body(exc), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> ORJSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return ORJSONResponse(
            {"error": "invalid_input", "message": f"{loc}: {first.get('msg', 'invalid')}",
             "article": None, "article_text": None, "field": loc or None,
             "details": [{"loc": e.get("loc"), "msg": e.get("msg")} for e in exc.errors()]},
            status_code=422,
        )

    app.include_router(api_router)

    # The public web portal (home page and search at "/"), with its stylesheet.
    from fastapi.staticfiles import StaticFiles

    from .portal.routes import STATIC_DIR
    from .portal.routes import router as portal_router

    app.include_router(portal_router)
    from .portal.transparency import router as transparency_router
    app.include_router(transparency_router)  # /transparency: the audit log's latest checkpoint (Art. 20(2))
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

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
