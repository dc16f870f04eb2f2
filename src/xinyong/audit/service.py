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
    session.connection().execute(insert(AuditEvent.__table__), [event_row(**kw)])


def append_many(session: Session, rows: list[dict]) -> None:
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)


RECORD_CHANGES = ("record:correct", "record:delete")


def record_change_details(record: Any, new_digest: str | None) -> dict:
    """The details of a ``record:correct`` / ``record:delete`` event, as ``audit verify`` reads them.

    ``content_digest`` is the record's digest after the change (None: the record is deleted and
    must be absent); ``previous_digest`` the one it replaced; ``record`` the identity it was
    imported under (unit, batch, line, item, document number — no personal data), so that the
    import chunk it belonged to can still be recomputed once the record has changed or gone.
    ``record`` is a ``Record`` or anything with the same attributes.
    """
    return {
        "content_digest": new_digest,
        "previous_digest": record.content_digest,
        "record": {
            "unit_id": record.unit_id,
            "batch_id": record.batch_id,
            "line_no": record.line_no,
            "item_code": record.item_code,
            "doc_no": record.doc_no,
        },
    }


def append_record_change(session: Session, *, action: str, actor: Actor, record: Any,
                         new_digest: str | None, extra: dict | None = None) -> None:
    """Append the event of a lawful change to a record (call it before the row is changed or deleted).

    ``extra`` adds details (reason code, document reference …) — never personal data.
    """
    if action not in RECORD_CHANGES:
        raise ValueError(f"a record change is one of {RECORD_CHANGES}, not {action!r}")
    details = {**(extra or {}), **record_change_details(record, new_digest)}
    append(session, action=action, actor=actor, object_type="record", object_id=record.id,
           subject_id=record.subject_id, details=details)
