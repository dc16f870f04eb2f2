"""Appending audit events (Art. 20). Sealing and verification build on these rows."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson
from sqlalchemy import String, Table, bindparam, cast, insert, select
from sqlalchemy.orm import Session

from ..auth import Actor
from ..clock import now
from ..config import get_settings
from ..db import Prepared
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


_EVENT = AuditEvent.__table__
_INSERT_EVENT = insert(_EVENT)


def append(session: Session, **kw: Any) -> None:
    session.connection().execute(_INSERT_EVENT, [event_row(**kw)])


def append_many(session: Session, rows: list[dict]) -> None:
    if rows:
        session.connection().execute(_INSERT_EVENT, rows)


_EVENT_COLS = [c.name for c in _EVENT.columns if c.name not in ("id", "object_id", "chain_hash")]
_pg_chains: dict[tuple[str, ...], Any] = {}


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name != "id"]


def _pg_chain(tables: tuple[Table, ...]) -> Prepared:
    """One PostgreSQL statement that inserts a row into each table and, from each new id, its audit
    event; it returns the ids in order. Data-modifying CTEs all run, referenced or not. Built once
    per sequence of tables."""
    key = tuple(t.name for t in tables)
    stmt = _pg_chains.get(key)
    if stmt is None:
        events = []
        for n, table in enumerate(tables):
            row = (insert(table).values({c: bindparam(f"r{n}_{c}", type_=table.c[c].type) for c in _columns(table)})
                   .returning(table.c.id).cte(f"row{n}"))
            values = select(*[bindparam(f"e{n}_{c}", type_=_EVENT.c[c].type) for c in _EVENT_COLS],
                            cast(row.c.id, String))
            events.append(insert(_EVENT).from_select([*_EVENT_COLS, "object_id"], values)
                          .returning(_EVENT.c.object_id).cte(f"event{n}"))
        stmt = _pg_chains[key] = Prepared(select(*[select(e.c.object_id).scalar_subquery() for e in events]))
    return stmt


def insert_with_events(session: Session, items: list[tuple[Table, dict, dict]]) -> list[int]:
    """Insert each ``(table, row, event)``: the row, and its audit event (an ``event_row`` whose object
    id becomes the row's new id). Returns the new ids in order. PostgreSQL: one round trip for all.
    Every inquiry and check writes through here: the statements run on the driver's cursor (``Prepared``)."""
    if not items:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        params: dict[str, Any] = {}
        for n, (table, row, event) in enumerate(items):
            params.update({f"r{n}_{c}": row.get(c) for c in _columns(table)})
            params.update({f"e{n}_{c}": event[c] for c in _EVENT_COLS})
        [ids] = _pg_chain(tuple(t for t, _r, _e in items)).rows(conn, params)
        return [int(i) for i in ids]
    out = [int(_insert_returning_id(table).rows(conn, row)[0][0]) for table, row, _e in items]
    _PREPARED_EVENT.execute_many(conn, [{**event, "object_id": str(new_id)}
                                        for (_t, _r, event), new_id in zip(items, out)])
    return out


_returning_id: dict[str, Prepared] = {}
_PREPARED_EVENT = Prepared(insert(_EVENT).values({c: bindparam(c, type_=_EVENT.c[c].type)
                                                  for c in [*_EVENT_COLS, "object_id"]}))


def _insert_returning_id(table: Table) -> Prepared:
    stmt = _returning_id.get(table.name)
    if stmt is None:
        values = {c: bindparam(c, type_=table.c[c].type) for c in _columns(table)}
        stmt = _returning_id[table.name] = Prepared(insert(table).values(values).returning(table.c.id))
    return stmt


def insert_with_event(session: Session, table: Table, row: dict, event: dict) -> int:
    """Insert ``row`` into ``table`` and its audit event; return the new id."""
    return insert_with_events(session, [(table, row, event)])[0]


def insert_many_with_events(session: Session, table: Table, rows: list[dict], events: list[dict]) -> list[int]:
    """Insert ``rows`` into one table and one audit event each: two statements for any number of rows.
    Ids in the order of ``rows``."""
    if len(rows) <= 1:
        return insert_with_events(session, [(table, r, e) for r, e in zip(rows, events, strict=True)])
    conn = session.connection()
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    ids = [int(i) for i in result.scalars()]
    conn.execute(_INSERT_EVENT, [{**e, "object_id": str(i)} for e, i in zip(events, ids, strict=True)])
    return ids


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
