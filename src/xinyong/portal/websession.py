"""Portal sessions: open one with an access token, find it again by its cookie, end it.

The cookie holds a random secret; the table keeps its digest, the digest of the token the session was
opened with (authenticated again on every request: a revoked or expired token, or an officer or unit made
inactive, ends its sessions at once), the CSRF token of its forms, and when it was opened and last used.
A session unused for ``XINYONG_SESSION_IDLE_MINUTES`` or older than ``XINYONG_SESSION_MAX_HOURS`` ends.
Sign-ins and sign-outs are audit events (the token's holder, never the token).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import tokens
from ..audit import service as audit
from ..auth import Actor, token_digest
from ..clock import TZ, now
from ..config import env
from ..errors import Unauthorized
from ..models import UnitToken, WebSession

SYSTEM = Actor(role="system")  # a session ended by the clock or by its token's end, not by a person

# Last use is written at most this often (a page view is a read; the idle clock needs no finer grain).
TOUCH_EVERY = timedelta(seconds=60)


def idle_limit() -> timedelta:
    return timedelta(minutes=int(env("XINYONG_SESSION_IDLE_MINUTES", "15") or 15))


def age_limit() -> timedelta:
    return timedelta(hours=int(env("XINYONG_SESSION_MAX_HOURS", "8") or 8))


def _digest(cookie: str) -> str:
    return hashlib.sha256(b"xinyong-session:" + cookie.encode()).hexdigest()


def open_session(session: Session, token: str) -> tuple[str, Actor]:
    """Sign in with ``token``: (the cookie's secret, the actor). Unauthorized as ``tokens.authenticate``."""
    actor = tokens.authenticate(session, token)
    digest = token_digest(token)
    token_id = session.scalar(select(UnitToken.id).where(UnitToken.token_digest == digest))
    cookie = secrets.token_urlsafe(32)
    moment = now()
    row = WebSession(cookie_digest=_digest(cookie), token_id=token_id, token_digest=digest,
                     csrf=secrets.token_urlsafe(24), created_at=moment, last_seen_at=moment)
    session.add(row)
    session.flush()
    audit.append(session, action="session:open", actor=actor, object_type="web_session", object_id=row.id,
                 subject_id=actor.subject_id, details={"token_id": token_id})
    return cookie, actor


def resolve(session: Session, cookie: str):
    """The viewer of a session cookie, or None (unknown, ended, idle, too old, or its token no longer
    authenticates: then the session is ended, with the reason)."""
    from .web import Viewer

    row = session.scalar(select(WebSession).where(WebSession.cookie_digest == _digest(cookie)))
    if row is None or row.ended_at is not None:
        return None
    moment = now()
    last, created = _aware(row.last_seen_at), _aware(row.created_at)
    reason = "idle" if moment - last > idle_limit() else "age" if moment - created > age_limit() else None
    actor = None
    if reason is None:
        try:
            actor = tokens.authenticate_digest(session, row.token_digest)
        except Unauthorized:
            reason = "token"
    if reason is not None:
        _end(session, row, reason, actor=None)
        return None
    if moment - last >= TOUCH_EVERY:
        session.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=moment))
    return Viewer(actor=actor, session_id=row.id, csrf=row.csrf, token_id=row.token_id,
                  display=_display(session, actor))


def _display(session: Session, actor: Actor) -> str:
    """Who the header says is signed in: the subject's name (to the subject itself), the agent's and for whom,
    an officer's name and unit, or the unit."""
    from ..models import Officer, Subject, Unit

    if actor.subject_id is not None:
        name = session.scalar(select(Subject.name).where(Subject.id == actor.subject_id)) or ""
        return f"{actor.agent} → {name}" if actor.agent else name
    unit = session.scalar(select(Unit.name).where(Unit.id == actor.unit_id)) if actor.unit_id else None
    if actor.officer_id is not None:
        officer = session.scalar(select(Officer.name).where(Officer.id == actor.officer_id)) or actor.officer
        return f"{officer}（{unit}）" if unit else str(officer)
    return unit or actor.label


def end_session(session: Session, cookie: str, *, actor: Actor | None) -> bool:
    """Sign out: the session ends now. False when there was none to end."""
    row = session.scalar(select(WebSession).where(WebSession.cookie_digest == _digest(cookie)))
    if row is None or row.ended_at is not None:
        return False
    _end(session, row, "sign-out", actor=actor)
    return True


def _end(session: Session, row: WebSession, reason: str, *, actor: Actor | None) -> None:
    row.ended_at = now()
    row.end_reason = reason
    audit.append(session, action="session:end", actor=actor or SYSTEM, object_type="web_session",
                 object_id=row.id, details={"reason": reason, "token_id": row.token_id})


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=TZ)
