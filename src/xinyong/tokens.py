"""Bearer tokens of units, their officers and subjects: issue, authenticate, revoke.

Only a token's digest is stored. A token names exactly one holder: a unit (administration of the
unit itself), one of its officers (inquiries name the officer as well as the unit, Art. 19(2)), or a
subject asking about itself (Art. 17.1).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, true
from sqlalchemy.orm import Session

from .audit import service as audit
from .auth import Actor, new_token, note, token_digest
from .clock import now
from .db import Prepared
from .errors import InvalidInput, NotFound, Unauthorized, msg
from .models import Officer, Subject, Unit, UnitToken


def issue(
    session: Session,
    *,
    actor: Actor,
    label: str,
    unit: Unit | None = None,
    officer: Officer | None = None,
    subject: Subject | None = None,
    expires_at: datetime | None = None,
    agent_name: str | None = None,
    agent_document: str | None = None,
) -> tuple[int, str]:
    """Issue a token (returned once) for exactly one holder; returns (token id, token).

    A subject's token may be an agent's: issued to the named agent on the written authorization
    ``agent_document`` (both or neither). An organization acts only through an agent."""
    if sum(x is not None for x in (officer, subject)) > 1 or (subject is not None and unit is not None):
        raise ValueError("a token has exactly one holder")
    agent_name = (agent_name or "").strip() or None
    agent_document = (agent_document or "").strip() or None
    if (agent_name or agent_document) and subject is None:
        raise ValueError("only a subject's token is issued to an agent")
    if bool(agent_name) != bool(agent_document):
        raise InvalidInput("an agent's token names the agent and the written authorization it rests on",
                      field="agent_document" if agent_name else "agent_name", article="Art. 17.1")
    if subject is not None and subject.kind != "natural_person" and not agent_name:
        raise InvalidInput("an organization acts through an authorized agent: name the agent and the written "
                      "authorization", field="agent_name", article="Art. 17.1")
    token = new_token()
    row = UnitToken(
        unit_id=unit.id if unit is not None else (officer.unit_id if officer is not None else None),
        officer_id=officer.id if officer is not None else None,
        subject_id=subject.id if subject is not None else None,
        token_digest=token_digest(token),
        label=label[:100],
        created_at=now(),
        expires_at=expires_at,
        # only when there is an agent: an INSERT then names the columns only where they hold something
        **({"agent_name": agent_name, "agent_document": agent_document} if agent_name else {}),
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        action="token:issue",
        actor=actor,
        object_type="access_token",
        object_id=row.id,
        subject_id=row.subject_id,
        details={"unit_id": row.unit_id, "officer_id": row.officer_id, "label": row.label,
                 "expires_at": expires_at.isoformat() if expires_at else None,
                 "agent_document": agent_document},
    )
    return row.id, token


def revoke(session: Session, *, token_id: int, actor: Actor) -> None:
    row = session.get(UnitToken, token_id)
    if row is None:
        raise NotFound(msg("no token {token_id}", token_id=token_id))
    if row.revoked_at is None:
        row.revoked_at = now()
        audit.append(session, action="token:revoke", actor=actor, object_type="access_token",
                      object_id=row.id, subject_id=row.subject_id, details={"unit_id": row.unit_id})


_T = UnitToken.__table__
_U = Unit.__table__
_O = Officer.__table__
# Hot path (every API call): one Core statement, compiled once, no ORM entities.
# Every API call authenticates: built once, run on the driver's cursor (``db.Prepared``).
_AUTH = Prepared(
    select(_T.c.id.label("token_id"), _T.c.agent_name, _T.c.revoked_at, _T.c.expires_at, _T.c.subject_id, _U.c.id.label("unit_id"), _U.c.kind,
           _U.c.uscc, _U.c.active, _U.c.subkind, _U.c.mandate.is_not(None).label("mandate"), _O.c.id.label("officer_id"), _O.c.staff_no, _O.c.active.label("officer_active"),
           _O.c["items"], _O.c["purposes"])
    .select_from(_T.outerjoin(_U, _U.c.id == _T.c.unit_id).outerjoin(_O, _O.c.id == _T.c.officer_id))
    .where(_T.c.token_digest == bindparam("digest"))
)


def authenticate_digest(session: Session, digest: str) -> Actor:
    """The holder of the token with this digest (a portal session keeps only the digest)."""
    return _authenticate(session, digest=digest)


def authenticate(session: Session, token: str) -> Actor:
    """The holder of a bearer token, or Unauthorized (unknown, revoked, expired, inactive). Over HTTP the
    outcome is noted for the guard (``auth.note``): a failure leaves an audit trace and counts against the
    address and the token's prefix (Art. 19(1))."""
    actor = _authenticate(session, token)
    note("actor", actor)
    return actor


def _failed(reason: str, message: str) -> Unauthorized:
    note("auth_failure", reason)
    return Unauthorized(message)


def _authenticate(session: Session, token: str | None = None, *, digest: str | None = None) -> Actor:
    return actor_of(_AUTH.rows(session.connection(), {"digest": digest or token_digest(token or "")}))


# The look-up of a token by its digest (``{"digest": …}``), for a caller that sends it with other reads
# (``WithToken``: the front doors' one statement); ``authenticated(rows)`` then judges its rows.
AUTH_BY_DIGEST = _AUTH


class WithToken:
    """The token's look-up (``AUTH_BY_DIGEST``, ``:digest``), with ``extra`` columns of its own, left-joined to a
    caller's statement: one statement, so one round trip and no pipeline, for a front door that reads the token
    and what the request is about together (a pipeline of the same statements was measured to cost the client
    more CPU than the round trip it saves: ``measure/reads.py``). ``rows`` answers (the token's rows, as
    ``AUTH_BY_DIGEST`` answers them with the extra columns, the caller's rows): no token row, nothing; a
    token with no row of the caller's, that row's columns all null (``present`` names a column never null in
    a real row). ``order(sub)``: the caller's order, over the columns of its statement as a subquery."""

    def __init__(self, other, *, present: str, order: Callable[[object], Sequence], extra: Sequence = ()) -> None:
        auth = _AUTH.statement.add_columns(*extra) if extra else _AUTH.statement
        t, o = auth.subquery("t"), other.order_by(None).subquery("o")
        names = [c.key for c in auth.exported_columns]
        self.prepared = Prepared(select(*[t.c[n].label(f"t_{n}") for n in names], *o.c)
                                 .select_from(t.outerjoin(o, true())).order_by(*order(o)))
        self._n, self._present = len(names), len(names) + [c.key for c in o.c].index(present)
        self._token_row = namedtuple("TokenRow", names, rename=True)
        self._other_row = namedtuple("Row", [c.key for c in o.c], rename=True)

    def rows(self, conn, params: dict) -> tuple[list, list]:
        rows = self.prepared.rows(conn, params)
        if not rows:
            return [], []
        n, present, make = self._n, self._present, self._other_row._make
        return [self._token_row._make(rows[0][:n])], [make(r[n:]) for r in rows if r[present] is not None]


def authenticated(rows: list) -> Actor:
    """``authenticate`` from the rows of ``AUTH_BY_DIGEST`` read by the caller (noted for the guard)."""
    actor = actor_of(rows)
    note("actor", actor)
    return actor


def actor_of(rows: list) -> Actor:
    """The holder named by the token look-up's rows, or Unauthorized. Reads and writes nothing."""
    if not rows:
        raise _failed("unknown", "unknown token")
    row = rows[0]
    if row.revoked_at is not None or (row.expires_at is not None and _aware(row.expires_at) <= now()):
        raise _failed("revoked-or-expired", "this token was revoked or has expired")
    if row.subject_id is not None:
        return Actor(role="subject", subject_id=row.subject_id, token_id=row.token_id, agent=row.agent_name)
    if row.unit_id is None or not row.active:
        raise _failed("unit-inactive", "this unit is not active")
    if row.officer_id is not None:
        if not row.officer_active:
            raise _failed("officer-inactive", "this officer's account is not active")
        return Actor(role=row.kind, unit_id=row.unit_id, unit_uscc=row.uscc, officer=row.staff_no,
                     officer_id=row.officer_id,
                     officer_items=tuple(row.items) if row.items else None,
                     officer_purposes=tuple(row.purposes) if row.purposes else None,
                     unit_subkind=row.subkind, mandate=bool(row.mandate))
    return Actor(role=row.kind, unit_id=row.unit_id, unit_uscc=row.uscc, unit_subkind=row.subkind,
                 mandate=bool(row.mandate))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the platform stores them in Asia/Shanghai.
    from .clock import TZ

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=TZ)


def tokens_of(session: Session, *, unit_id: int | None = None, subject_id: int | None = None) -> list[UnitToken]:
    q = select(UnitToken).order_by(UnitToken.id)
    if unit_id is not None:
        q = q.where(UnitToken.unit_id == unit_id)
    if subject_id is not None:
        q = q.where(UnitToken.subject_id == subject_id)
    return list(session.scalars(q))
