"""The canonical bytes of an audit event, its hash chain, and streaming the log in id order.

An event's bytes are the canonical JSON of its fields (id, at, action, actor, object_type,
object_id, subject_id, digest, details); ``at`` is written in UTC with microseconds, so the bytes
are the same whichever database returned the row (SQLite gives back naive local times,
PostgreSQL aware ones). ``chain_hash = SHA-256(previous chain hash || bytes)``, the first event
chained to 32 zero bytes. The same bytes are the event's Merkle leaf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..clock import TZ
from ..models import AuditEvent
from .service import canonical_json

GENESIS = bytes(32)
BATCH = 10_000


class EventRow(NamedTuple):
    id: int
    at: datetime
    action: str
    actor: str
    object_type: str
    object_id: str
    subject_id: int | None
    digest: str
    details: dict | None
    chain_hash: str | None


EVENT_COLUMNS = (
    AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.actor, AuditEvent.object_type,
    AuditEvent.object_id, AuditEvent.subject_id, AuditEvent.digest, AuditEvent.details,
    AuditEvent.chain_hash,
)


def iso_utc(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite keeps the wall time of the platform's clock, without its zone
        at = at.replace(tzinfo=TZ)
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def event_bytes(e: EventRow) -> bytes:
    return canonical_json({
        "id": e.id,
        "at": iso_utc(e.at),
        "action": e.action,
        "actor": e.actor,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "subject_id": e.subject_id,
        "digest": e.digest,
        "details": e.details,
    })


def chain_step(previous: bytes, data: bytes) -> bytes:
    return hashlib.sha256(previous + data).digest()


def iter_events(bind: Session | Connection, *, after_id: int | None = None, upto_id: int | None = None,
                batch: int = BATCH) -> Iterator[EventRow]:
    """Every event with ``after_id < id <= upto_id``, in id order, ``batch`` rows per query (keyset)."""
    last = after_id
    while True:
        q = select(*EVENT_COLUMNS).order_by(AuditEvent.id).limit(batch)
        if last is not None:
            q = q.where(AuditEvent.id > last)
        if upto_id is not None:
            q = q.where(AuditEvent.id <= upto_id)
        rows = bind.execute(q).all()
        for r in rows:
            yield EventRow(*r)
        if len(rows) < batch:
            return
        last = rows[-1][0]
