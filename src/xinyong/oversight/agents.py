"""Agents' tokens: the operator issues, at the counter, a token with which an organization's
authorized agent (or the agent a natural person chose) signs in and acts for the subject — the agent's name and
the written authorization it rests on are recorded with it (``tokens.issue``, Art. 17.1).

The subject is named by its identifier as typed (a USCC, or a person's ID number: posted, never in a URL, never
in a message); afterwards only by surrogate id, and shown masked (``subject.service.public_view``). Checking the
agent's identity and the authorization document is the operator's duty at the counter, outside the platform.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import tokens
from ..auth import Actor
from ..clock import TZ, now, start_of, today
from ..errors import InvalidInput, NotFound, msg
from ..models import Subject, UnitToken
from ..subject import service as subjects
from ..subject.identifiers import mask_ric

LABEL = "agent"


def issue(session: Session, *, actor: Actor, subject: str, agent_name: str, agent_document: str,
          expires_on: date) -> dict[str, Any]:
    """Issue the agent's token for the subject named by ``subject`` (its identifier); the token is in the
    result, once. Refused without the agent's name and authorization (Art. 17.1), or with an expiry not
    after today."""
    if expires_on is None or expires_on <= today():
        raise InvalidInput("an agent's token expires on a day after today", field="expires_on", article="Art. 17.1")
    raw = (subject or "").strip()
    if not raw:
        raise InvalidInput("name the subject by its USCC or ID number", field="subject")
    found = subjects.find(session, raw)  # its refusal names the identifier masked only
    if not (agent_name or "").strip() or not (agent_document or "").strip():
        raise InvalidInput("an agent's token names the agent and the written authorization it rests on",
                           field="agent_name" if not (agent_name or "").strip() else "agent_document",
                           article="Art. 17.1")
    token_id, token = tokens.issue(session, actor=actor, label=LABEL, subject=found,
                                   expires_at=start_of(expires_on), agent_name=agent_name[:100],
                                   agent_document=agent_document[:200])
    row = session.get(UnitToken, token_id)
    return {**_view(row, found), "token": token}


def list_tokens(session: Session) -> list[dict[str, Any]]:
    """Every agent's token (newest first) with its subject, masked; never the token itself."""
    rows = session.execute(select(UnitToken, Subject).join(Subject, Subject.id == UnitToken.subject_id)
                           .where(UnitToken.agent_name.is_not(None)).order_by(UnitToken.id.desc())).all()
    return [_view(t, s) for t, s in rows]


def revoke(session: Session, *, token_id: int, actor: Actor) -> dict[str, Any]:
    row = session.get(UnitToken, token_id)
    if row is None or row.agent_name is None:
        raise NotFound(msg("no agent's token {token_id}", token_id=token_id), field="token")
    tokens.revoke(session, token_id=token_id, actor=actor)
    session.flush()
    return _view(row, session.get(Subject, row.subject_id))


def _view(t: UnitToken, s: Subject) -> dict[str, Any]:
    view = subjects.public_view(s)
    if s.kind == "natural_person":
        view["identifier"] = mask_ric(view["identifier"])
    return {"id": t.id, "subject": view, "agent_name": t.agent_name, "agent_document": t.agent_document,
            "created_at": _aware(t.created_at), "expires_at": _aware(t.expires_at),
            "revoked_at": _aware(t.revoked_at), "state": _state(t)}


def _aware(moment):
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=TZ)


def _state(t: UnitToken) -> str:
    if t.revoked_at is not None:
        return "revoked"
    if t.expires_at is not None and _aware(t.expires_at) <= now():
        return "expired"
    return "live"
