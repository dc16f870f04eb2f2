"""Records: persisting validated drafts in bulk, and reading them back.

Hot path. One chunk = one SELECT for known subjects (+ one INSERT for new ones), one SELECT for
records with the same identity, one bulk INSERT (``COPY`` on PostgreSQL) and one audit event.
The records go as plain tuples straight to the driver (``executemany`` on SQLite, binary ``COPY`` on
PostgreSQL), through the bind processors SQLAlchemy itself would apply: stored exactly as a Core
``insert`` would store them, without its per-row parameter handling.
The service flushes; the importer owns the transaction of each chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import orjson

from sqlalchemy import String, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..db import json_text_values
from ..errors import InvalidInput, msg
from ..law.errors import message_parts
from ..models import BatchReject, Record
from ..subject import service as subjects
from .fields import mask_id_shaped
from .rules import RecordDraft

RECORD_COLUMNS = (
    "subject_id", "unit_id", "item_code", "untrustworthy", "doc_no", "doc_date", "doc_org",
    "conduct_date", "ended_on", "ended_on_source", "procedure", "severity", "amount_yuan",
    "content", "content_digest", "status", "objection_open", "version", "batch_id", "line_no",
    "received_at",
)
# positions in a stored row (a tuple in RECORD_COLUMNS order)
_SUBJECT, _ITEM, _DOC_NO, _CONTENT, _DIGEST, _LINE = (
    RECORD_COLUMNS.index(c) for c in ("subject_id", "item_code", "doc_no", "content", "content_digest", "line_no"))
CORRECTION_HINT = (
    "a record with the same unit, catalog item, document number and subject is already stored "
    "with different content; to change it, submit a correction with its document and reason"
)


@dataclass
class Reject:
    line: int
    field: str | None
    reason: str
    article: str | None


@dataclass
class ChunkOutcome:
    accepted: int = 0
    already_present: int = 0
    rejects: list[Reject] = field(default_factory=list)


def store_chunk(
    session: Session,
    *,
    unit_id: int,
    batch_id: str | None,
    drafts: Sequence[tuple[int, RecordDraft]],
    received_at: datetime,
    actor: Actor,
) -> ChunkOutcome:
    """Store validated drafts (with their line numbers): new ones inserted, same ones counted once."""
    out = ChunkOutcome()
    if not drafts:
        return out
    ensure_statistics(session)
    subject_ids = subjects.resolve_many(session, ((d.identifier, d.subject_name) for _, d in drafts))
    keyed = []
    for line, d in drafts:
        sid = subject_ids.get((d.identifier.scheme, d.identifier.code))
        if sid is None:  # an old form naming no subject the platform knows: refused as the identifier check does
            if batch_id is None:  # one record (the API): as its row check would refuse it
                raise InvalidInput(d.identifier.unknown_reason, article="Art. 2", field="subject_id")
            out.rejects.append(Reject(line, "subject_id", mask_id_shaped(d.identifier.unknown_reason), "Art. 2"))
            continue
        keyed.append((line, d, sid))

    existing = _existing(session, unit_id, [(d.item_code, d.doc_no, sid) for _, d, sid in keyed])
    seen: dict[tuple, tuple[int, str]] = {}
    rows: list[tuple] = []
    for line, d, sid in keyed:
        identity = (d.item_code, d.doc_no, sid)
        prior = existing.get(identity)
        if prior is None and identity in seen:
            prior_line, prior_digest = seen[identity]
            if prior_digest == d.content_digest:
                out.already_present += 1
            else:
                out.rejects.append(Reject(line, "doc_no", msg("same identity as line {line} with different content "
                                                              "in this file; {hint}", line=prior_line,
                                                              hint=CORRECTION_HINT), "Art. 11"))
            continue
        if prior is not None:
            if prior == d.content_digest:
                out.already_present += 1
            else:
                out.rejects.append(Reject(line, "doc_no", CORRECTION_HINT, "Art. 11"))
            continue
        seen[identity] = (line, d.content_digest)
        rows.append(_row(d, sid, unit_id, batch_id, line, received_at))
    if rows:
        insert_records(session, rows)
        out.accepted = len(rows)
        first, last = rows[0][_LINE], rows[-1][_LINE]
        audit.append(
            session,
            action="record:import",
            actor=actor,
            object_type="batch" if batch_id else "record",
            object_id=f"{batch_id}:{first}-{last}" if batch_id else f"{unit_id}:{rows[0][_DOC_NO]}",
            subject_id=rows[0][_SUBJECT] if len(rows) == 1 else None,
            content=[(r[_SUBJECT], r[_ITEM], r[_DOC_NO], r[_DIGEST]) for r in rows],
            details={"unit_id": unit_id, "batch_id": batch_id, "records": len(rows),
                     "lines": [first, last]},
        )
    return out


# The columns an import's statements look up and join by (``_existing``, ``subject.service._ids_for``, the
# foreign keys' look-ups by primary key): the statistics the planner needs for a chunk's plans.
STATISTICS_COLUMNS = {
    "record": ("unit_id", "item_code", "doc_no", "subject_id"),
    "subject": ("identifier_digest",),
}


def ensure_statistics(session: Session) -> None:
    """PostgreSQL: analyze the record and subject tables when they have doubled since last time.

    With stale statistics (a fresh table has none) the planner takes a big table for a tiny one
    and joins a chunk's documents by a nested loop over all of it: seconds per chunk instead of
    milliseconds. Analyzing each time a table has doubled keeps the cost logarithmic in its size.

    Only the columns the import's statements use (``STATISTICS_COLUMNS``): ``ANALYZE record`` of every
    column reads each sampled record's ``content`` and cost ~4 times as much (166–197 against 48–51 ms at
    20,000 records, 2026-12-04); autovacuum analyzes the whole tables on its own schedule. Such an ANALYZE
    updates the table's size (``reltuples``) but not ``n_mod_since_analyze``, so "doubled" is the live
    rows against that size: more than twice it, and more than 1,000 rows.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    stale = session.execute(text(
        "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
        "WHERE s.relid IN ('record'::regclass, 'subject'::regclass) "
        "AND s.n_live_tup > GREATEST(2 * c.reltuples, 1000)"
    )).scalars().all()
    for table in stale:
        session.execute(text(f"ANALYZE {table} ({', '.join(STATISTICS_COLUMNS[table])})"))


def _row(d: RecordDraft, subject_id: int, unit_id: int, batch_id: str | None, line: int | None,
         received_at: datetime) -> tuple:
    """The stored row, in RECORD_COLUMNS order."""
    return (
        subject_id, unit_id, d.item_code, d.untrustworthy, d.doc_no, d.doc_date, d.doc_org,
        d.conduct_date, d.ended_on, d.ended_on_source, d.procedure, d.severity, d.amount_yuan,
        d.content, d.content_digest, "active", False, 1, batch_id, line, received_at,
    )


_IN_LIST = 900  # documents one look-up takes on SQLite (as measured before) and elsewhere; PostgreSQL takes all
_WANTED_DOCS = func.json_each(bindparam("docs", type_=String)).table_valued("value")
_EXISTING_SQLITE = select(Record.doc_no, Record.subject_id, Record.content_digest).where(
    Record.unit_id == bindparam("unit_id"), Record.item_code == bindparam("item"),
    Record.doc_no.in_(select(_WANTED_DOCS.c.value).scalar_subquery()))


def _existing(session: Session, unit_id: int, identities: list[tuple[str, str, int]]) -> dict[tuple, str]:
    """Digests of stored records with these identities: one indexed query per item and 900 documents (on
    PostgreSQL per item, the documents bound as one JSON text)."""
    wanted = set(identities)
    docs_by_item: dict[str, set[str]] = {}
    for item, doc, _sid in wanted:
        docs_by_item.setdefault(item, set()).add(doc)
    dialect = session.get_bind().dialect.name
    found: dict[tuple, str] = {}
    for item, docs in docs_by_item.items():
        docs = sorted(docs)
        step = len(docs) if dialect == "postgresql" else _IN_LIST
        for i in range(0, len(docs), step):
            part = docs[i : i + step]
            q = select(Record.doc_no, Record.subject_id, Record.content_digest).where(
                Record.unit_id == unit_id, Record.item_code == item)
            params = None
            if dialect == "postgresql":
                # Join the documents as a relation: a hash or index join whatever the table's
                # statistics say (a fresh table has none, and "= ANY" then filters row by row).
                wanted_docs = json_text_values(part).render_derived(name="wanted")
                q = q.join(wanted_docs, wanted_docs.c.value == Record.doc_no)
            elif dialect == "sqlite":
                # the documents as one JSON array (json_each; the unique index is searched as for an IN
                # list): SQLAlchemy's handling of 900 separate values cost more than the statement
                q, params = _EXISTING_SQLITE, {"unit_id": unit_id, "item": item,
                                               "docs": orjson.dumps(part).decode()}
            else:  # pragma: no cover - the two databases the platform runs on are above
                q = q.where(Record.doc_no.in_(part))
            for doc, sid, dig in session.execute(q, params):
                if (item, doc, sid) in wanted:
                    found[(item, doc, sid)] = dig
    return found


def insert_records(session: Session, rows: list[tuple]) -> None:
    """Insert rows (tuples in RECORD_COLUMNS order) in the session's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        _copy_records(session, rows)
    else:
        _executemany_records(session, rows)


_INSERT_RECORD = insert(Record.__table__)
_NOTHING = object()


def _executemany_records(session: Session, rows: list[tuple]) -> None:
    """Other databases (SQLite): one ``executemany`` on the driver's cursor, each value through the
    bind processor of its column (dates as text, booleans, JSON by the engine's serializer, …)."""
    conn = session.connection()
    dialect = conn.dialect
    compiled = _INSERT_RECORD.compile(dialect=dialect, column_keys=list(RECORD_COLUMNS))
    names = list(compiled.positiontup) if dialect.positional else list(RECORD_COLUMNS)
    if names != list(RECORD_COLUMNS):  # pragma: no cover - the statement names its columns in order
        raise RuntimeError(f"unexpected parameter order {names}")
    table = Record.__table__
    procs = [(i, p) for i, c in enumerate(RECORD_COLUMNS)
             if (p := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    # Processors are pure: a date is rendered once per chunk, and a value that is the very object
    # of the previous row (received_at, the constants) reuses its rendering.
    dates: list[dict] = [{} for _ in procs]
    last: list[list] = [[_NOTHING, None] for _ in procs]
    params = []
    for r in rows:
        values = list(r)
        for k, (i, p) in enumerate(procs):
            v = values[i]
            if type(v) is date:
                memo = dates[k]
                out = memo.get(v)
                if out is None:
                    out = memo[v] = p(v)
            else:
                prev = last[k]
                if v is prev[0]:
                    out = prev[1]
                else:
                    out = p(v)
                    prev[0], prev[1] = v, out
            values[i] = out
        params.append(values if dialect.positional else dict(zip(RECORD_COLUMNS, values)))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(str(compiled), params)
    finally:
        cursor.close()


def _copy_records(session: Session, rows: list[tuple]) -> None:
    """PostgreSQL: binary ``COPY`` (the server's fastest path) inside the chunk's transaction.

    Each column goes with the server's own type (read from the catalog, once per chunk); ``content``
    as the text ``orjson`` writes, which is also json's binary wire format.
    """
    conn = session.connection().connection.driver_connection
    cols = ", ".join(RECORD_COLUMNS)
    with conn.cursor() as cur:
        types = dict(cur.execute(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = 'record'::regclass AND a.attnum > 0 AND NOT a.attisdropped").fetchall())
        with cur.copy(f"COPY record ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text" if types[c] == "json" else types[c] for c in RECORD_COLUMNS])
            dumps = orjson.dumps
            for r in rows:
                r = list(r)
                r[_CONTENT] = dumps(r[_CONTENT]).decode()
                copy.write_row(r)


def store_rejects(session: Session, batch_id: str, rejects: Sequence[Reject]) -> None:
    if rejects:
        session.execute(
            insert(BatchReject),
            [{"batch_id": batch_id, "line": r.line, "field": r.field, "reason": str(r.reason), "article": r.article,
              **dict(zip(("reason_template", "reason_params"), message_parts(r.reason)))} for r in rejects],
        )


def records_of(session: Session, subject_id: int) -> list[Record]:
    return list(session.scalars(select(Record).where(Record.subject_id == subject_id).order_by(Record.id)))
