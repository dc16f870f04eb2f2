"""Rows bound to the sealed audit log (Art. 20(2), 34): the tables whose rows a subject, an organ or an
auditor relies on, the canonical form of a row, and the hooks that follow every write with an event.

Every insert or update of a bound row is followed, in the same transaction, by an event that carries
the keyed digest of the row as it now is (``object_type`` = the table, ``object_id`` = the row's key);
a deletion by one that says so. ``xinyong audit verify`` streams each bound table once and compares
every row with the last event about it: a row no event accounts for was inserted outside any workflow,
one whose digest differs was altered, an event whose row is gone without a deletion event was deleted.

How rows are followed:

- ORM writes (``session.add``, attribute changes, ``session.delete``, cascades): mapper events note
  the row's key; when the session commits, the rows noted are read back (one ``SELECT`` per table)
  and their events appended: one per row and transaction, carrying the row exactly as the database
  returns it.
- ``session.execute(update(T)…)`` / ``delete(T)`` on a bound table: the keys it will touch are read
  first (its own ``WHERE``), then handled as above. An ``insert(T)`` through ``session.execute`` is
  refused: the hot paths insert with ``audit.service.insert_with_events``, which computes the digest
  from the row it inserts, in the same statement.
- Anything else that writes a bound row on a raw connection calls ``touched(session, table, keys)``.

The canonical row: every column but the key, with a value (a NULL column is left out, so that adding a
nullable column does not change existing rows' digests); datetimes in UTC ISO form (``chain.iso_utc``),
dates ISO, decimals at the column's scale, JSON as it is (keys sorted), booleans and integers as such —
the same bytes whichever database returned the row. A migration that writes rows of a bound table (or
drops one of its columns) appends their events with ``baseline(conn, tables=…)``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, Table, event, inspect, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session

from ..clock import TZ, now
from ..config import get_settings
from ..db import Base
from ..models import AuditEvent
from .canonical import canonical_json

ROW_FORM = 1  # the version of the canonical row form, in every row event's details
ACTIONS = ("row:insert", "row:update", "row:delete", "row:baseline")
KEY_MAX = 64  # audit_event.object_id


@dataclass(frozen=True)
class Bound:
    """A bound table: its key, the other events that carry its rows' digests (hot paths that write
    their own event in the same statement: ``(object_type, action prefix)``), and why it is bound."""

    name: str
    why: str
    aliases: tuple[tuple[str, str], ...] = ()

    @property
    def table(self) -> Table:
        return Base.metadata.tables[self.name]

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.primary_key.columns)


def _bound(*items: Bound) -> dict[str, Bound]:
    return {b.name: b for b in items}


BOUND: dict[str, Bound] = _bound(
    Bound("record", "the information itself (Art. 11, 20): imported rows are held to their chunk's event, "
          "rows changed since to their last row event"),
    Bound("record_history", "why and on which document a record changed: the subject's report shows it (Art. 34.1)"),
    Bound("record_action", "corrections, withdrawals, revocations, restorations with their documents and "
          "deadlines (Art. 11, 37, 38)"),
    Bound("record_tombstone", "what remains of a deleted record, and the member digest that keeps its import "
          "chunk verifiable (Art. 37)"),
    Bound("inquiry_log", "who inquired, when, why, with what answer: the subject's report shows it (Art. 20, 34)",
          aliases=(("inquiry", "inquiry:"),)),
    Bound("measure_check", "an organ's pre-decision check and the measures it returned (Art. 28, 32)",
          aliases=(("measure_check", "measure:check"),)),
    Bound("measure_application", "a measure applied to a subject, on a document, with its grounds (Art. 32.1)"),
    Bound("list_entry", "a subject on a list of the seriously untrustworthy or the trustworthy (Art. 25, 29)"),
    Bound("list_entry_person", "the persons held responsible for a listed organisation's act (Art. 33)"),
    Bound("list_remedy", "a listed subject's application for remedy and its outcome (Art. 25.3)"),
    Bound("restoration_application", "a subject's application for credit restoration to the deciding organ, "
          "its materials and the organ's decision (Art. 38)"),
    Bound("credit_commitment", "a subject's declaration or credit commitment, the accepting unit's decision and "
          "the fulfilment recorded (Art. 13.2)"),
    Bound("oversight_decision", "a competent authority's decision on a possible breach: its document, outcome, "
          "deadline or fine (Art. 50, 51)"),
    Bound("notice", "what a subject was told in writing, and when it was read (Art. 32.1, 36, 37, 38)"),
    Bound("subject_contact", "where a subject's notices are announced: a changed address sends them elsewhere"),
    Bound("objection", "a subject's objection, its path, decision and reasons (Art. 36)"),
    Bound("objection_record", "the records an objection is about, and each one's outcome (Art. 36)"),
    Bound("objection_step", "each step owed, its deadline and basis, and when it was done (Art. 36)"),
    Bound("subject_change", "a subject's change of name or identifier, deregistration, merger or split, from a "
          "providing unit or the operator's decision, with its document: the subject's history (Art. 11, 34)"),
    Bound("subject_identifier", "a subject's former identifiers: a row inserted by SQL would make an inquiry by "
          "one identifier answer for another subject"),
    Bound("subject_authorization", "a subject's written authorization for a unit to inquire (Art. 17.3)"),
    Bound("consent_notice", "the notice text a consent was given on, every version kept (Art. 14.2, 17.3)"),
    Bound("credit_report", "an issued report, what it stated, whether it was free (Art. 34)"),
    Bound("access_token", "who may act on the platform: a token inserted or revived by SQL is a way in"),
    Bound("officer", "an officer's query rights within the unit's (Art. 19(2))"),
    Bound("unit", "a unit's kind decides what it may see and do (Art. 8, 17, 28.2)"),
    Bound("unit_provides", "what a unit may provide (Art. 11)"),
    Bound("unit_inquiry_item", "an organ's published inquiry list: items and purposes (Art. 17.2, 28)"),
    Bound("unit_inquiry_list", "an organ's published inquiry list: lists and purposes (Art. 17.2)"),
    Bound("measure", "the published application list of measures (Art. 22, 32.2)"),
    Bound("credit_list", "the lists, their standards and disclosure (Art. 24, 25, 29)"),
    Bound("list_comment", "the comments received on a list's standard and the response to each (Art. 24)"),
    Bound("service_norm", "the Center's published service norms, every version kept (Art. 18.1)"),
    Bound("catalog_proposal", "a unit's proposal of a catalog item and its reasons (Art. 10.1)"),
    Bound("catalog_assessment", "the assessment of a contested proposal: who was heard, the conclusion (Art. 10.1)"),
    Bound("catalog_draft", "the draft catalog, its comment period and its approval (Art. 10.2)"),
    Bound("catalog_comment", "the comments received on a draft catalog and the response to each (Art. 10.2)"),
    Bound("exchange_partner", "which platforms the platform shares with, their regions and keys (Art. 12): a "
          "partner inserted by SQL would receive exports or have its files accepted"),
    Bound("exchange_export", "what was shared with another platform, from which watermark to which (Art. 12, 20)"),
    Bound("exchange_import", "what was received from another platform, verified against its key (Art. 12)"),
    Bound("exchange_received", "where a received record came from: its platform, file and line (Art. 12)"),
    Bound("exchange_objection", "an objection carried to or from the platform a record came from (Art. 36.2(2))"),
    Bound("catalog_version", "each published version of the catalog: a record is aggregated under the version in "
          "force when it was received (Art. 10.2, 11)"),
)

# Tables not bound, and why (a test holds every table to one of the two).
NOT_BOUND: dict[str, str] = {
    "audit_event": "the log itself: chained, and sealed into signed checkpoints",
    "audit_checkpoint": "the signed checkpoints: verified by their signatures and against the exported copies",
    "alembic_version": "the schema's revision, not information",
    "catalog_item": "shipped and corrected by migrations (0002, 0008, 0009 …), which write no events; the catalog "
                    "is published (Art. 10) and its changes through the catalog service are audited. Binding it "
                    "needs the migrations that write it to call baseline() — and the test fixtures that reload it",
    "subject": "written on the import hot path in bulk (one INSERT per chunk's new subjects) and rewritten when "
               "the identifier key rotates; records, entries and logs name subjects by id, and the identifier "
               "is found by its keyed digest",
    "batch": "an import's progress and counts; the records it stored are bound by their chunk events",
    "batch_reject": "rows that were refused: never information about a subject on the platform",
    "web_session": "a browser's sign-in, opened with an access token (bound) that is authenticated again on every "
                   "request; sign-ins and sign-outs are audit events",
    "worker_job": "when each scheduled job (purge, seal, …) last ran and who runs it now: operations, not "
                  "information; what each job changes is audited by the job itself",
    "audit_verification": "the queue of console-requested audit verifications: binding it would make verify "
                          "verify itself (the running verification's own row changes while it reads, and its "
                          "outcome is written after); each run's outcome is its audit:verify event",
    "notice_mail": "the delivery attempts of an e-mail that only points to a letter (notice, bound): no content, "
                   "no address; a lost or altered row loses no letter",
    "credit_report_pdf": "a cache of a report's PDF: rendered deterministically from credit_report's snapshot "
                         "(bound) and encrypted with both digests as its context, so an altered or stale copy "
                         "fails to decrypt and is rendered again; deleted whenever the snapshot is rewritten",
}


def bound(name: str) -> Bound | None:
    return BOUND.get(name)


_ALIASES = [(t, a) for b in BOUND.values() for t, a in b.aliases]
_ALIAS_TYPES = {t for t, _a in _ALIASES}


def is_alias(object_type: str, action: str) -> bool:
    """Is this the hot-path event of a bound row (its digest is the row's)?"""
    return object_type in _ALIAS_TYPES and any(object_type == t and action.startswith(a) for t, a in _ALIASES)


# --- the canonical row ---------------------------------------------------------------------------


def _iso_utc(value: Any, naive_wall: bool) -> str:
    """``chain.iso_utc``: the instant in UTC, ISO with microseconds and ``Z``."""
    if naive_wall or value.tzinfo is None:
        # SQLite keeps the wall time it was given, without its zone, and returns it naive: read it as
        # the platform's clock does
        value = value.replace(tzinfo=None)
        offset = TZ.utcoffset(value)
    else:
        offset = value.utcoffset()
        value = value.replace(tzinfo=None)
    return (value - offset).isoformat(timespec="microseconds") + "Z"


def _date(value: Any, _naive: bool) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def _numeric(scale: int | None) -> Callable[[Any, bool], str]:
    quantum = Decimal(1).scaleb(-scale) if scale is not None else None

    def convert(value: Any, _naive: bool) -> str:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        return str(d.quantize(quantum) if quantum is not None else d.normalize())

    return convert


def _as_is(value: Any, _naive: bool) -> Any:
    return value


def _bool(value: Any, _naive: bool) -> bool:
    return bool(value)


def _int(value: Any, _naive: bool) -> int:
    return int(value)


def _str(value: Any, _naive: bool) -> str:
    return value if isinstance(value, str) else str(value)


_SAME: dict[Any, tuple[type, ...]] = {_as_is: (str, int, float, bool, list, dict), _bool: (bool,), _int: (int,),
                                     _str: (str,)}


def _converter(col) -> Callable[[Any, bool], Any]:
    t = col.type
    if isinstance(t, DateTime):
        return _iso_utc
    if isinstance(t, Date):
        return _date
    if isinstance(t, JSON):
        return _as_is
    if isinstance(t, Boolean):
        return _bool
    if isinstance(t, Numeric) and not isinstance(t, Integer):
        return _numeric(t.scale)
    if isinstance(t, Integer):
        return _int
    return _str


class Form:
    """How one bound table's rows become canonical bytes and keys."""

    def __init__(self, b: Bound, table: Table | None = None, columns: Iterable[str] | None = None) -> None:
        self.bound = b
        self.table = table if table is not None else b.table
        self.name = b.name
        self.key = b.key
        wanted = set(columns) if columns is not None else None
        self.columns = [c for c in self.table.columns if wanted is None or c.name in wanted]
        self.values = [(c.name, _converter(c)) for c in self.columns if c.name not in self.key]
        # the hot paths digest a row per inquiry: a value already in its canonical type is taken as it is
        self._plan = [(name, _SAME.get(convert), convert) for name, convert in self.values]
        self.has_subject = "subject_id" in self.table.c and "subject_id" not in self.key

    def canonical(self, row: Mapping[str, Any], *, naive_wall: bool = False) -> dict[str, Any]:
        """The row's canonical form; ``naive_wall``: the values are about to be written to SQLite (an
        aware datetime is stored as its wall time and read back naive)."""
        out = {}
        for name, same, convert in self._plan:
            v = row.get(name)
            if v is None:
                continue
            out[name] = v if same is not None and type(v) in same else convert(v, naive_wall)
        return out

    def digest(self, row: Mapping[str, Any], *, naive_wall: bool = False) -> str:
        data = canonical_json([self.name, self.canonical(row, naive_wall=naive_wall)])
        return hmac.digest(get_settings().hmac_key, data, "sha256").hex()

    def key_of(self, row: Mapping[str, Any]) -> str:
        return key_id([row[k] for k in self.key])


_forms: dict[str, Form] = {}


def form(name: str) -> Form:
    f = _forms.get(name)
    if f is None:
        f = _forms[name] = Form(BOUND[name])
    return f


def key_id(values: list[Any]) -> str:
    """A row's key as an event's ``object_id``: the id itself; a composite key as canonical JSON (its
    digest when longer than the column)."""
    if len(values) == 1:
        text = str(values[0])
    else:
        text = canonical_json([v.isoformat() if isinstance(v, date) else v for v in values]).decode()
    if len(text) > KEY_MAX:
        return "#" + hashlib.sha256(text.encode()).hexdigest()[: KEY_MAX - 1]
    return text


def row_digest(table: Table, row: Mapping[str, Any], *, naive_wall: bool) -> str | None:
    """The keyed digest of a row about to be inserted into ``table`` (None: the table is not bound)."""
    if table.name not in BOUND:
        return None
    return form(table.name).digest(row, naive_wall=naive_wall)


def deletion_digest(name: str, key: str) -> str:
    return hmac.digest(get_settings().hmac_key, canonical_json([name, key, "deleted"]), "sha256").hex()


# --- following writes ---------------------------------------------------------------------------

PENDING = "xinyong.audit.rows"
ACTOR = "xinyong.audit.actor"
_EVENT = AuditEvent.__table__


def _pending(session: Session) -> dict[tuple[str, tuple], list]:
    return session.info.setdefault(PENDING, {})


def _note(session: Session, name: str, key: tuple, op: str, subject_id: int | None = None) -> None:
    pending = _pending(session)
    prior = pending.get((name, key))
    if op == "update" and prior is not None and prior[0] == "insert":
        op = "insert"
    elif op == "insert" and prior is not None and prior[0] == "delete":
        op = "update"  # deleted and inserted again in one transaction: the key existed before
    pending[(name, key)] = [op, subject_id if subject_id is not None else (prior[1] if prior else None)]


def touched(session: Session, name: str, keys: Iterable[tuple], *, deleted: bool = False) -> None:
    """A write on a raw connection changed (or deleted) these rows of a bound table: their events are
    appended when the session commits. ``keys``: primary-key tuples."""
    if name not in BOUND:
        return
    for key in keys:
        _note(session, name, tuple(key), "delete" if deleted else "update")


def _changed_columns(target: Any, mapper: Mapper) -> bool:
    state = inspect(target)
    return any(state.attrs[a.key].history.has_changes() for a in mapper.column_attrs)


def _subject_of(name: str, target: Any) -> int | None:
    return getattr(target, "subject_id", None) if form(name).has_subject else None


def _on_insert(mapper: Mapper, _conn: Connection, target: Any) -> None:
    name = mapper.local_table.name
    session = object_session(target)
    if name in BOUND and session is not None:
        _note(session, name, tuple(mapper.primary_key_from_instance(target)), "insert", _subject_of(name, target))


def _on_update(mapper: Mapper, _conn: Connection, target: Any) -> None:
    name = mapper.local_table.name
    session = object_session(target)
    if name in BOUND and session is not None and _changed_columns(target, mapper):
        _note(session, name, tuple(mapper.primary_key_from_instance(target)), "update", _subject_of(name, target))


def _on_delete(mapper: Mapper, _conn: Connection, target: Any) -> None:
    name = mapper.local_table.name
    session = object_session(target)
    if name in BOUND and session is not None:
        _note(session, name, tuple(mapper.primary_key_from_instance(target)), "delete", _subject_of(name, target))


class UnboundInsert(RuntimeError):
    pass


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in BOUND:
        return
    if state.is_insert:
        if name == "record":
            return  # records are bound by their import chunk's event (``record.service.store_chunk``)
        raise UnboundInsert(f"an insert into the bound table {name} through session.execute leaves no audit "
                            "event: use xinyong.audit.service.insert_many_with_events (or the ORM)")
    f = form(name)
    cols = [f.table.c[k] for k in f.key] + ([f.table.c.subject_id] if f.has_subject else [])
    q = select(*cols)
    where = state.statement.whereclause
    if where is not None:
        q = q.where(where)
    op = "delete" if state.is_delete else "update"
    n = len(f.key)
    for row in state.session.connection().execute(q):
        _note(state.session, name, tuple(row[:n]), op, row[n] if f.has_subject else None)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # commit flushes after this event: the rows must be final before they are read
    pending = session.info.pop(PENDING, None)
    if pending:
        write_events(session.connection(), pending, actor=session.info.get(ACTOR) or "system")


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(ACTOR, None)


IN_BATCH = 500


def write_events(conn: Connection, pending: Mapping[tuple[str, tuple], list], *, actor: str,
                 action: str | None = None, details: dict | None = None) -> int:
    """Read back the noted rows and append one event each (``action``: force one, e.g. a baseline)."""
    by_table: dict[str, dict[tuple, list]] = {}
    for (name, key), entry in pending.items():
        by_table.setdefault(name, {})[key] = entry
    at = now()
    events: list[dict] = []
    order = list(BOUND)
    for name in sorted(by_table, key=order.index):
        f = form(name)
        entries = by_table[name]
        keys = sorted(entries, key=_sort_key)
        wanted = [k for k in keys if entries[k][0] != "delete"]
        found: dict[tuple, Mapping] = {}
        # Read back by key and by the subjects noted, so that the statement routes by subject (docs/scaling.md);
        # a row not found so (no subject noted, or its subject changed since) is read by its key alone.
        routed = [k for k in wanted if entries[k][1] is not None] if f.has_subject else []
        for keys_of, by_subject in ((routed, True), (None, False)):
            todo = keys_of if keys_of is not None else [k for k in wanted if k not in found]
            for i in range(0, len(todo), IN_BATCH):
                chunk = todo[i:i + IN_BATCH]
                q = _select_keys(f, chunk)
                if by_subject:
                    q = q.where(f.table.c.subject_id.in_(sorted({entries[k][1] for k in chunk})))
                for row in conn.execute(q).mappings():
                    found[tuple(row[k] for k in f.key)] = row
        for key in keys:
            op, subject_id = entries[key]
            row = found.get(key)
            kid = key_id(list(key))
            if op != "delete" and row is not None:
                events.append(_event(action or f"row:{op}", actor, name, kid,
                                     row.get("subject_id") if f.has_subject else None,
                                     f.digest(row), details, at))
            elif op == "insert":
                continue  # inserted and gone again in this transaction: nothing to account for
            else:
                events.append(_event("row:delete", actor, name, kid, subject_id, deletion_digest(name, kid),
                                     details, at))
    if events:
        conn.execute(_EVENT.insert(), events)
    return len(events)


def _sort_key(key: tuple) -> tuple:
    return tuple((0, v) if isinstance(v, int) else (1, str(v)) for v in key)


def _select_keys(f: Form, keys: list[tuple]):
    q = select(*f.columns)
    if len(f.key) == 1:
        return q.where(f.table.c[f.key[0]].in_([k[0] for k in keys]))
    return q.where(tuple_(*[f.table.c[k] for k in f.key]).in_(keys))


def _event(action: str, actor: str, name: str, key: str, subject_id: Any, digest: str, details: dict | None,
           at: datetime) -> dict:
    return {"at": at, "action": action, "actor": actor, "object_type": name, "object_id": key,
            "subject_id": subject_id, "digest": digest, "details": {"row": ROW_FORM, **(details or {})},
            "chain_hash": None}


def set_actor(session: Session, label: str) -> None:
    """The actor of the row events a session appends: the last one that appended an event in it."""
    session.info[ACTOR] = label


def install() -> None:
    if getattr(install, "done", False):
        return
    event.listen(Base, "after_insert", _on_insert, propagate=True)
    event.listen(Base, "after_update", _on_update, propagate=True)
    event.listen(Base, "after_delete", _on_delete, propagate=True)
    event.listen(Session, "do_orm_execute", _on_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    install.done = True  # type: ignore[attr-defined]


# --- reading the bound tables (verify, baselines) ------------------------------------------------

BATCH = 5000


def stream(conn: Connection, f: Form, *, batch: int = BATCH) -> Iterator[Mapping[str, Any]]:
    """Every row of the table in key order: keyset batches (a single integer key), else one ordered query."""
    cols = f.columns
    if len(f.key) == 1 and isinstance(f.table.c[f.key[0]].type, Integer):
        k = f.table.c[f.key[0]]
        last = None
        while True:
            q = select(*cols).order_by(k).limit(batch)
            if last is not None:
                q = q.where(k > last)
            rows = conn.execute(q).mappings().all()
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1][k.name]
    else:
        # the option on the statement, not the connection (that would keep it for a migration's next statements)
        yield from conn.execute(select(*cols).order_by(*[f.table.c[k] for k in f.key])
                                .execution_options(yield_per=batch)).mappings()


def baseline(conn: Connection, tables: Iterable[str] | None = None, *, note: str | None = None,
             where: Callable[[str, Mapping[str, Any]], bool] | None = None) -> int:
    """Append a ``row:baseline`` event for every row of these bound tables as it stands (all by default):
    for a migration that writes rows without the services, or the first binding of existing rows.
    Reads only the columns the database has (a later revision may add some). ``where(name, row)``
    narrows the rows. Returns the number of events."""
    from sqlalchemy import inspect as sa_inspect

    present = set(sa_inspect(conn).get_table_names())
    total = 0
    for name in (tables or list(BOUND)):
        if name not in present:
            continue
        have = {c["name"] for c in sa_inspect(conn).get_columns(name)}
        f = Form(BOUND[name], columns=have)
        pending: dict[tuple[str, tuple], list] = {}
        for row in stream(conn, f):
            if where is not None and not where(name, row):
                continue
            pending[(name, tuple(row[k] for k in f.key))] = ["update", None]
            if len(pending) >= BATCH:
                total += _baseline_batch(conn, f, pending, note)
                pending = {}
        if pending:
            total += _baseline_batch(conn, f, pending, note)
    return total


def _baseline_batch(conn: Connection, f: Form, pending: dict, note: str | None) -> int:
    saved = _forms.get(f.name)
    _forms[f.name] = f  # the columns the database has at this revision
    try:
        return write_events(conn, pending, actor="system", action="row:baseline",
                            details={"baseline": note} if note else None)
    finally:
        if saved is None:
            _forms.pop(f.name, None)
        else:
            _forms[f.name] = saved


install()
