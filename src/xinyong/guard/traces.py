"""Audit traces of what was refused: failed authentications, refused batch, objection and check actions.

Each is one audit event in a transaction of its own (the request's own was rolled back with its
refusal). They hold no personal data: a failed token by the keyed digest of its first characters
(never the token), the client by a keyed digest of its address, a refusal by its route, status, error
code, article and field (configuration), never the message (it may quote input). Their number is
bounded by the rate limits: a client over its limit is refused before anything is traced.

    auth:failed         object_type "authentication", object_id the token prefix's digest
    batch:refused       object_type "refusal", object_id the batch id from the path (or "-")
    objection:refused   …the objection id
    check:refused       …the check id
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope

UNAUTHENTICATED = Actor(role="unauthenticated")

# route families whose refusals are traced: (path prefix under /api/v1, family)
TRACED = (("/api/v1/batches", "batch"), ("/api/v1/objections", "objection"), ("/api/v1/checks", "check"))
# CLI commands whose refusals are traced (the console's own invocation name)
TRACED_COMMANDS = {"xinyong import": "batch", "xinyong objection": "objection", "xinyong check": "check"}
REFUSAL_STATUSES = frozenset({400, 403, 404, 409, 422})
_ID_PARAMS = ("batch_id", "objection", "objection_id", "check_id")


def family_of(path: str) -> str | None:
    for prefix, family in TRACED:
        if path == prefix or path.startswith(prefix + "/"):
            return family
    return None


def auth_failed(engine: Engine, *, prefix_digest: str, reason: str, route: str, address_digest: str,
                channel: str = "api") -> None:
    from ..audit import service as audit

    with session_scope(engine) as s:
        audit.append(s, action="auth:failed", actor=UNAUTHENTICATED, object_type="authentication",
                     object_id=prefix_digest,
                     details={"reason": reason, "route": route, "channel": channel, "address": address_digest,
                              "article": "Art. 19(1)"})


def refused(engine: Engine | None, *, family: str, actor: Actor | None, route: str, status: int | None,
            error: str | None, article: str | None, field: str | None, object_id: str | None,
            channel: str) -> None:
    from ..audit import service as audit

    with session_scope(engine) as s:
        audit.append(s, action=f"{family}:refused", actor=actor or UNAUTHENTICATED, object_type="refusal",
                     object_id=(object_id or "-")[:64],
                     details={"route": route, "status": status, "error": error, "article": article,
                              "field": field, "channel": channel})


def object_id_of(path_params: dict | None) -> str | None:
    for name in _ID_PARAMS:
        value = (path_params or {}).get(name)
        if value is not None:
            return str(value)
    return None
