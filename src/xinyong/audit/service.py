"""Appending audit events (Art. 20). Sealing and verification build on these rows."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, Table, bindparam, cast, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..auth import Actor
from ..clock import now
from ..config import get_settings
from ..db import Prepared
from ..models import AuditEvent
from . import binding
from .canonical import canonical_json

__all__ = ["canonical_json", "keyed_digest", "event_row", "append", "append_many", "insert_with_events",
           "insert_with_event", "insert_many_with_events", "member_digest", "chunk_digest"]


def keyed_digest(value: Any) -> str:
    """HMAC of the canonical JSON of ``value``: proves content without holding personal data."""
    return hmac.new(get_settings().hmac_key, canonical_json(value), hashlib.sha256).hexdigest()


# --- import chunks ------------------------------------------------------------------------------
#
# A chunk's event (``record:import``) holds one keyed digest of its records. Scheme 2 (details
# ``"chunk": 2``) is the HMAC of the member digests in line order, each member digest a keyed BLAKE2b
# of one record's ``[subject id, item, document number, content digest as imported]`` (a keyed hash
# that costs a fraction of an HMAC: one per imported record): a record deleted under Art. 37 leaves its
# member digest (in its tombstone and its ``record:delete`` event), and the chunk is recomputed from the
# records still there and those digests, without any content or document number. Scheme 1 (no
# ``chunk``; events before revision 0011) is the HMAC of the JSON list of the members themselves.

CHUNK_SCHEME = 2
CHUNK_PREFIX = b"xinyong/chunk/2\n"
_member_keys: dict[bytes, bytes] = {}


def _member_key() -> bytes:
    """The member digests' BLAKE2b key, derived from the platform's HMAC key (it never leaves either)."""
    key = get_settings().hmac_key
    derived = _member_keys.get(key)
    if derived is None:
        derived = _member_keys[key] = hashlib.sha256(b"xinyong/chunk-member\n" + key).digest()
    return derived


def member_digest_bytes(member: Sequence[Any]) -> bytes:
    return hashlib.blake2b(canonical_json(list(member)), key=_member_key(), digest_size=32).digest()


def member_digest(member: Sequence[Any]) -> str:
    """The keyed digest of one record as a member of its import chunk."""
    return member_digest_bytes(member).hex()


def chunk_digest(members: Sequence[Sequence[Any]] | None = None, *, digests: Sequence[str] | None = None) -> str:
    """Scheme 2: the keyed digest of a chunk from its members (or their member digests), in line order."""
    mac = hmac.new(get_settings().hmac_key, CHUNK_PREFIX, hashlib.sha256)
    if digests is None:
        mkey = _member_key()
        for m in members or ():
            mac.update(hashlib.blake2b(canonical_json(list(m)), key=mkey, digest_size=32).digest())
    else:
        for d in digests:
            mac.update(bytes.fromhex(d))
    return mac.hexdigest()


def event_row(
    *,
    action: str,
    actor: Actor,
    object_type: str,
    object_id: str | int,
    subject_id: int | None = None,
    content: Any = None,
    details: dict | None = None,
    digest: str | None = None,
) -> dict:
    """An event row. Its digest: ``digest`` if given; for a ``record:import`` the chunk digest of its
    ``content`` (the members, scheme 2); else the keyed digest of ``content`` (or of ``details``).
    ``insert_with_events`` replaces it, for a bound table, with the digest of the row it inserts."""
    if digest is None:
        if binding.is_alias(object_type, action):
            digest = ""  # the row's digest: ``insert_with_events`` computes it from the row it inserts
        elif action == "record:import" and isinstance(content, list):
            digest = chunk_digest(content)
            details = {**(details or {}), "chunk": CHUNK_SCHEME}
        else:
            digest = keyed_digest(content if content is not None else details)
    return {
        "at": now(),
        "action": action,
        "actor": actor.label,
        "object_type": object_type,
        "object_id": str(object_id),
        "subject_id": subject_id,
        "digest": digest,
        "details": details,
    }


_EVENT = AuditEvent.__table__
_INSERT_EVENT = insert(_EVENT)


def append(session: Session, **kw: Any) -> None:
    row = event_row(**kw)
    if not row["digest"]:
        raise ValueError(f"a {row['action']} event is written with its row (insert_with_events)")
    binding.set_actor(session, row["actor"])
    session.connection().execute(_INSERT_EVENT, [row])


def append_many(session: Session, rows: list[dict]) -> None:
    if rows:
        binding.set_actor(session, rows[-1]["actor"])
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


def _bind(table: Table, row: dict, event: dict, naive_wall: bool) -> None:
    """A row of a bound table: its event carries the keyed digest of the row (``binding``), computed
    here from the values inserted — the one digest computed for the row."""
    b = binding.BOUND.get(table.name)
    if b is None:
        if not event.get("digest"):
            raise ValueError(f"the event for a row of {table.name} has no digest")
        return
    if event["object_type"] != table.name and not any(
            event["object_type"] == t and event["action"].startswith(a) for t, a in b.aliases):
        raise ValueError(f"a row of the bound table {table.name} is inserted with an event about "
                         f"{event['object_type']!r}: name the table (or a registered alias) as its object type")
    event["digest"] = binding.form(table.name).digest(row, naive_wall=naive_wall)


def insert_with_events(session: Session, items: list[tuple[Table, dict, dict]]) -> list[int]:
    """Insert each ``(table, row, event)``: the row, and its audit event (an ``event_row`` whose object
    id becomes the row's new id). Returns the new ids in order. PostgreSQL: one round trip for all.
    Every inquiry and check writes through here: the statements run on the driver's cursor (``Prepared``).
    For a bound table (``binding.BOUND``) the event's digest is the keyed digest of the row inserted."""
    if not items:
        return []
    binding.set_actor(session, items[-1][2]["actor"])
    return _insert_with_events(session.connection(), items)


def insert_with_events_autocommit(conn: Connection, items: list[tuple[Table, dict, dict]]) -> list[int]:
    """PostgreSQL: what ``insert_with_events`` writes, as its one statement, on ``conn`` in autocommit: the
    statement is its own transaction (all of it or nothing), durable when it returns — one round trip, no
    BEGIN and no COMMIT (the inquiry log's group commit). Up to a few dozen items: one CTE pair each."""
    if conn.dialect.name != "postgresql":
        raise ValueError("one statement for rows and events is PostgreSQL's (data-modifying CTEs)")
    return _insert_with_events(conn, items) if items else []


def _insert_with_events(conn: Connection, items: list[tuple[Table, dict, dict]]) -> list[int]:
    naive_wall = conn.dialect.name == "sqlite"
    for table, row, event in items:
        _bind(table, row, event, naive_wall)
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
    if table.name in binding.BOUND:
        cols = _columns(table)
        rows = [{c: r.get(c) for c in cols} for r in rows]  # every column bound, as the digest sees it
        naive_wall = conn.dialect.name == "sqlite"
        for r, e in zip(rows, events, strict=True):
            _bind(table, r, e, naive_wall)
    binding.set_actor(session, events[-1]["actor"])
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    ids = [int(i) for i in result.scalars()]
    conn.execute(_INSERT_EVENT, [{**e, "object_id": str(i)} for e, i in zip(events, ids, strict=True)])
    return ids


RECORD_CHANGES = ("record:correct", "record:delete")


def record_change_details(record: Any, new_digest: str | None) -> dict:
    """The details of a ``record:correct`` / ``record:delete`` event, as ``audit verify`` reads them.

    ``content_digest`` is the record's digest after the change (None: the record is deleted and
    must be absent); ``previous_digest`` the one it replaced; ``record`` where it was imported
    (unit, batch, line, item — no personal data), so that the import chunk it belonged to can still be
    recomputed once the record has changed or gone. ``record`` is a ``Record`` or anything with the same
    attributes.

    Not the document number: a sealed event is never rewritten, so a number written here would outlive the
    record's deletion (Art. 37). ``audit verify`` needs none: the number identifies the record and cannot be
    corrected, so while the record exists its row gives it, and once it is purged its deletion event carries
    the record's keyed member digest instead (``record_delete_details``). Events written before this change
    still name it; ``audit verify`` reads both.
    """
    return {
        "content_digest": new_digest,
        "previous_digest": record.content_digest,
        "record": {
            "unit_id": record.unit_id,
            "batch_id": record.batch_id,
            "line_no": record.line_no,
            "item_code": record.item_code,
        },
    }


def record_delete_details(record: Any, member: str) -> dict:
    """The details of a ``record:delete`` event from the purge (Art. 37): where the record was imported
    (unit, batch, line, item — no document number, no content) and its keyed member digest, which is all
    ``audit verify`` needs to recompute its import chunk (scheme 2); ``previous_digest`` the content
    digest it had (held to the one its last change recorded)."""
    return {
        "content_digest": None,
        "previous_digest": record.content_digest,
        "record": {
            "unit_id": record.unit_id,
            "batch_id": record.batch_id,
            "line_no": record.line_no,
            "item_code": record.item_code,
        },
        "member_digest": member,
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
