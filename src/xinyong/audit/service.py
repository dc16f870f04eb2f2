"""Appending audit events (Art. 20). Sealing and verification build on these rows."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..auth import Actor
from ..clock import now
from ..config import get_settings
from ..models import AuditEvent


def canonical_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)


def keyed_digest(value: Any) -> str:
    """HMAC of the canonical JSON of ``value``: proves content without holding personal data."""
    return hmac.new(get_settings().hmac_key, canonical_json(value), hashlib.sha256).hexdigest()


def event_row(
    *,
    action: str,
    actor: Actor,
    object_type: str,
    object_id: str | int,
    subject_id: int | None = None,
    content: Any = None,
    details: dict | None = None,
) -> dict:
    return {
        "at": now(),
        "action": action,
        "actor": actor.label,
        "object_type": object_type,
        "object_id": str(object_id),
        "subject_id": subject_id,
        "digest": keyed_digest(content if content is not None else details),
        "details": details,
    }


def append(session: Session, **kw: Any) -> None:
    session.execute(insert(AuditEvent), [event_row(**kw)])


def append_many(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(AuditEvent), rows)
