"""FastAPI dependencies: the engine and who is asking (every API call is authenticated)."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine

from .auth import Actor
from .db import session_scope
from .errors import Forbidden, Unauthorized, msg

_bearer = HTTPBearer(auto_error=False)


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in the
# threadpool, a hop that costs more than the dependency itself.
async def engine(request: Request) -> Engine:
    return request.app.state.engine


def actor(
    request: Request,
    creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Actor:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise Unauthorized("a bearer token is required")
    from .unit import service as units

    with session_scope(request.app.state.engine) as s:
        return units.authenticate(s, creds.credentials)


def require_role(*roles: str):
    def check(who: Actor = Depends(actor)) -> Actor:
        if who.role not in roles:
            raise Forbidden(msg("this needs a unit of kind {roles}; you are '{role}'",
                                roles=" or ".join(roles), role=who.role))
        return who

    return check


def unit_actor(who: Actor = Depends(actor)) -> Actor:
    if who.unit_id is None:
        raise Forbidden("this needs a unit's token")
    return who


async def bearer_token(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    """The raw bearer token, for hot paths that authenticate inside their own unit of work."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise Unauthorized("a bearer token is required")
    return creds.credentials
