"""``xinyong audit verify``: recompute everything from the database and the exported checkpoints.

1. Checkpoints: every stored checkpoint and every exported file is signed by the platform's key;
   each stored one has its file and they agree; a file missing from the database means the
   database's tail was cut; successive checkpoints link up and their consistency proofs hold. With
   ``--against FILE``, a checkpoint kept elsewhere (a witness) is held to the log too: the log must
   contain its tree (same root at that size), so a tail cut together with its newest checkpoints
   and their exported files is still seen.
2. Events, streamed once in id order: each sealed event's chain hash is recomputed, and the
   Merkle root of the first N events is compared with every checkpoint of size N on the way —
   an altered, removed, inserted or reordered event, or a cut tail, cannot match a signed root.
   Events after the last checkpoint are "not yet sealed" (not an error). On the way, the last
   event about every row of a bound table (``audit.binding``) is kept (its id and digest).
3. Bound tables, each streamed once in key order: every row is compared with the last event about
   it — none (inserted outside any workflow), a digest that differs (altered), a deletion event
   (put back); an event whose row is gone without a deletion event means it was deleted.
4. Records against their events: each import chunk's keyed digest is recomputed from the current
   rows of its batch and line range (in line order), with records changed or deleted by a later
   ``record:correct`` / ``record:delete`` event counted as they were imported (a deleted one by the
   member digest its deletion left, scheme 2) and then held to that event's digest (a deleted record
   must be absent). A record whose content does not hash to its ``content_digest``, or that no event
   accounts for, is reported; one changed since its import is held to its last row event, one never
   changed to the state it was imported in.

One pass over each table, in batches, with no per-row queries: fit for millions of events and rows.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..config import get_settings
from ..db import get_engine
from ..models import AuditCheckpoint, Record, RecordHistory, RecordTombstone
from . import binding
from . import seal as sealing
from .chain import GENESIS, EventRow, chain_step, event_bytes, iter_events
from .merkle import Frontier, leaf_hash, verify_consistency
from .rules import Problem, content_digest, ordered, require_intact
from .service import CHUNK_PREFIX, RECORD_CHANGES, canonical_json, chunk_digest, keyed_digest, member_digest_bytes

RECORD_BATCH = 5000
PROBLEMS_PER_TABLE = 1000  # then counted, not listed: a table rewritten wholesale is one finding


@dataclass
class Report:
    events: int = 0
    sealed: int = 0
    unsealed: int = 0
    checkpoints: int = 0
    latest_checkpoint: int | None = None
    records: int = 0
    import_events: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # bound table → rows checked
    witness: dict | None = None  # the checkpoint verified against (``--against``)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(kind, message, **where))

    def raise_if_failed(self) -> None:
        require_intact(self.problems)

    def summary(self) -> dict:
        return {
            "ok": self.ok,
            "events": self.events,
            "sealed": self.sealed,
            "not_yet_sealed": self.unsealed,
            "checkpoints": self.checkpoints,
            "latest_checkpoint": self.latest_checkpoint,
            "records": self.records,
            "import_events": self.import_events,
            "rows": dict(self.rows),
            "witness": self.witness,
            "problems": [p.as_dict() for p in ordered(self.problems)],
            "notes": self.notes,
        }


def verify(engine: Engine | None = None, *, against: dict | None = None) -> Report:
    """Verify the log, the checkpoints and every bound row; ``against``: a checkpoint document kept
    elsewhere (``--against FILE``), held to the log as well."""
    engine = engine or get_engine()
    sealing.require_migrated(engine)
    pub = sealing.verify_key()
    report = Report()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # one read snapshot for events, checkpoints and rows
        try:
            expected = _checkpoints(conn, report, pub)
            witness = _witness(report, against, pub, expected) if against is not None else None
            facts = _events(conn, report, expected, witness)
            _bound_tables(conn, report, facts.rows)
            _records(conn, report, facts)
        finally:
            conn.rollback()
    if report.unsealed:
        report.notes.append(f"{report.unsealed} event(s) after the last checkpoint are not yet sealed "
                            "(run `xinyong audit seal`)")
    return report


# --- 1. checkpoints ---------------------------------------------------------------------------


def _checkpoints(conn: Connection, report: Report, pub: Any) -> list[dict]:
    """Check stored and exported checkpoints; return the signed ones, by sequence, to hold events to."""
    directory = sealing.export_dir()
    files = sealing.read_files(directory)
    rows = conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).mappings().all()
    if (rows or files) and pub is None:
        raise sealing.no_public_key(len(rows) or len(files))
    good: dict[int, dict] = {}
    for row in rows:
        seq = row["seq"]
        try:
            doc = orjson.loads(row["document"])
        except orjson.JSONDecodeError:
            doc = {}
        where = {"checkpoint": seq, "event_id": row["last_event_id"]}
        if not sealing.signature_ok(doc, pub):
            report.add("checkpoint-forged", f"stored checkpoint #{seq} is not signed by the platform's "
                       "audit key (forged or altered)", **where)
        elif (doc.get("seq"), doc.get("tree_size"), doc.get("root_hash"), doc.get("last_event_id"),
              doc.get("chain_head"), doc.get("signature")) != (
                seq, row["tree_size"], row["root_hash"], row["last_event_id"], row["chain_head"],
                row["signature"]):
            report.add("checkpoint-forged", f"stored checkpoint #{seq}'s columns differ from its signed "
                       "document (altered)", **where)
        else:
            good[seq] = doc
        path, fdoc = files.get(seq, (None, None))
        if path is None:
            report.add("checkpoint-file-missing", f"stored checkpoint #{seq} has no exported file "
                       f"{sealing.file_name(seq)} in {directory} (removed, or not yet exported: "
                       "`xinyong audit seal` exports it)", **where)
        elif fdoc is None or not sealing.signature_ok(fdoc, pub):
            report.add("checkpoint-forged", f"the exported file {path.name} is not signed by the "
                       "platform's audit key (forged or edited)", **where)
        elif fdoc != doc:
            report.add("checkpoint-forged", f"stored checkpoint #{seq} and the exported file {path.name} "
                       "differ", **where)
            good[seq] = fdoc  # the file outside the database is the witness
    stored = {row["seq"] for row in rows}
    for seq, (path, fdoc) in sorted(files.items()):
        if seq in stored:
            continue
        if fdoc is None or not sealing.signature_ok(fdoc, pub):
            report.add("checkpoint-forged", f"the exported file {path.name} is not signed by the "
                       "platform's audit key (forged or edited)", checkpoint=seq)
            continue
        report.add("checkpoint-missing", f"checkpoint #{seq} (tree size {fdoc['tree_size']}, up to "
                   f"event {fdoc['last_event_id']}) was exported but is missing from the database: "
                   "the database's tail was cut", checkpoint=seq, event_id=fdoc["last_event_id"])
        good[seq] = fdoc
    docs = [good[s] for s in sorted(good)]
    report.checkpoints = len(docs)
    report.latest_checkpoint = docs[-1]["seq"] if docs else None
    _links(report, docs)
    return docs


def _links(report: Report, docs: list[dict]) -> None:
    """Successive checkpoints: contiguous, growing, linked, with a valid consistency proof."""
    previous: dict | None = None
    for doc in docs:
        where = {"checkpoint": doc["seq"], "event_id": doc["last_event_id"]}
        expected_seq = 1 if previous is None else previous["seq"] + 1
        if doc["seq"] != expected_seq:
            report.add("checkpoint-missing", f"checkpoint #{expected_seq} is missing (neither stored nor "
                       "exported)", checkpoint=expected_seq, event_id=doc["last_event_id"])
            previous = doc
            continue
        link = None if previous is None else {
            "seq": previous["seq"], "tree_size": previous["tree_size"], "root_hash": previous["root_hash"]}
        if doc.get("previous") != link:
            report.add("checkpoint-fork", f"checkpoint #{doc['seq']} does not name checkpoint "
                       f"#{expected_seq - 1} as its predecessor (a forked log)", **where)
        elif previous is not None:
            if doc["tree_size"] <= previous["tree_size"] or doc["last_event_id"] <= previous["last_event_id"]:
                report.add("checkpoint-fork", f"checkpoint #{doc['seq']} does not extend checkpoint "
                           f"#{previous['seq']}", **where)
            else:
                try:
                    proof = [bytes.fromhex(h) for h in doc.get("consistency_proof") or []]
                    ok = verify_consistency(previous["tree_size"], doc["tree_size"],
                                            bytes.fromhex(previous["root_hash"]),
                                            bytes.fromhex(doc["root_hash"]), proof)
                except ValueError:
                    ok = False
                if not ok:
                    report.add("checkpoint-fork", f"checkpoint #{doc['seq']}'s consistency proof does not "
                               f"show checkpoint #{previous['seq']}'s tree as its prefix", **where)
        previous = doc


# --- 1b. a witnessed checkpoint (--against) ---------------------------------------------------


def _witness(report: Report, doc: dict, pub: Any, known: list[dict]) -> dict | None:
    """Check a checkpoint kept elsewhere: signed by the platform; agreeing with the checkpoint of the
    same number the platform holds; not newer than all of them. Returns it to hold the events to."""
    doc = sealing.unwrap(doc)
    seq = doc.get("seq")
    where = {"checkpoint": seq if isinstance(seq, int) else None}
    report.witness = {k: doc.get(k) for k in ("seq", "tree_size", "root_hash", "last_event_id", "sealed_at")}
    if pub is None:
        raise sealing.no_public_key(1)
    if not sealing.signature_ok(doc, pub) or not all(isinstance(doc.get(k), int) for k in ("seq", "tree_size",
                                                                                         "last_event_id")):
        report.add("witness-forged", "the checkpoint verified against is not signed by the platform's audit "
                   "key (or not a checkpoint)", **where)
        return None
    same = next((d for d in known if d["seq"] == seq), None)
    if same is not None and sealing.signed_body(same) != sealing.signed_body(doc):
        report.add("checkpoint-fork", f"the platform's checkpoint #{seq} is not the one witnessed: both are "
                   "signed, the log forked or was rewritten", event_id=doc["last_event_id"], checkpoint=seq)
    newest = max((d["seq"] for d in known), default=None)
    if newest is None or seq > newest:
        report.add("checkpoint-missing", f"the witnessed checkpoint #{seq} (tree size {doc['tree_size']}, up to "
                   f"event {doc['last_event_id']}) is newer than every checkpoint the platform holds"
                   + (f" (#{newest})" if newest is not None else " (none)")
                   + ": its newest checkpoints were cut, with their exported files",
                   event_id=doc["last_event_id"], checkpoint=seq)
    return doc


# --- 2. events --------------------------------------------------------------------------------


@dataclass
class Chunk:
    """An import chunk's event, and its members as verification finds them (in line order)."""

    first: int
    last: int
    records: int
    digest: str
    event_id: int
    unit_id: Any = None
    scheme: int = 1
    members: int = 0
    mac: Any = None
    unverifiable: bool = False

    def add(self, key: bytes, member: tuple | None, md: str | None = None) -> None:
        """One member: its tuple (subject, item, document number, digest as imported) or, for a record
        deleted since, only its member digest (scheme 2)."""
        self.members += 1
        if self.scheme >= 2:
            if md is None and member is None:
                self.unverifiable = True
                return
            if self.mac is None:
                self.mac = hmac.new(key, CHUNK_PREFIX, hashlib.sha256)
            self.mac.update(member_digest_bytes(member) if md is None else bytes.fromhex(md))
            return
        if member is None:  # scheme 1 needs the member itself
            self.unverifiable = True
            return
        if self.mac is None:
            self.mac = hmac.new(key, b"[", hashlib.sha256)
        else:
            self.mac.update(b",")
        self.mac.update(canonical_json(list(member)))

    def hexdigest(self, key: bytes) -> str:
        if self.scheme >= 2:
            return (self.mac or hmac.new(key, CHUNK_PREFIX, hashlib.sha256)).hexdigest()
        if self.mac is None:
            return hmac.new(key, b"[]", hashlib.sha256).hexdigest()
        mac = self.mac.copy()
        mac.update(b"]")
        return mac.hexdigest()


@dataclass
class Change:
    """The record:correct / record:delete events of one record, first and last."""

    first_event: int
    first: dict
    subject_id: int | None
    last_event: int
    content_digest: str | None
    deleted: bool
    deletion: dict | None = None  # the record:delete event's details


class RowIndex:
    """The last event about each row of one bound table: its id (negative for a deletion) and the first
    64 bits of its digest. Integer keys in arrays (17 bytes a row), others in a dict."""

    def __init__(self) -> None:
        self.ev = array("q")
        self.dg = array("Q")
        self.seen = bytearray()
        self.sparse: dict[Any, list] = {}

    def _dense(self, key: Any) -> bool:
        return isinstance(key, int) and 0 <= key < len(self.ev) + 1_000_000 + 4 * len(self.ev)

    def note(self, key: Any, event_id: int, digest64: int, deleted: bool) -> None:
        ev = -event_id if deleted else event_id
        if self._dense(key) and key not in self.sparse:
            if key >= len(self.ev):
                grow = key + 1 - len(self.ev)
                self.ev.frombytes(bytes(8 * grow))
                self.dg.frombytes(bytes(8 * grow))
                self.seen.extend(bytes(grow))
            self.ev[key], self.dg[key] = ev, digest64
        else:
            self.sparse[key] = [ev, digest64, False]

    def get(self, key: Any) -> tuple[int, int] | None:
        if key in self.sparse:
            ev, dg, _ = self.sparse[key]
            return ev, dg
        if isinstance(key, int) and 0 <= key < len(self.ev) and self.ev[key]:
            return self.ev[key], self.dg[key]
        return None

    def mark(self, key: Any) -> None:
        if key in self.sparse:
            self.sparse[key][2] = True
        elif isinstance(key, int) and 0 <= key < len(self.seen):
            self.seen[key] = 1

    def unseen(self):
        """Rows an event accounts for (not deleted) that were not in the table: (key, event id)."""
        for key in range(len(self.ev)):
            if self.ev[key] > 0 and not self.seen[key]:
                yield key, self.ev[key]
        for key, (ev, _dg, seen) in self.sparse.items():
            if ev > 0 and not seen:
                yield key, ev


def digest64(digest: str) -> int:
    try:
        return int(digest[:16], 16)
    except (TypeError, ValueError):
        return 0


@dataclass
class Facts:
    chunks: dict[str, list[Chunk]] = field(default_factory=lambda: defaultdict(list))
    # single-record imports: (unit, document number, subject) → [(digest, event id, scheme)]
    singles: dict[tuple, list[tuple[str, int, int]]] = field(default_factory=lambda: defaultdict(list))
    changes: dict[int, Change] = field(default_factory=dict)
    rows: dict[str, RowIndex] = field(default_factory=lambda: defaultdict(RowIndex))


def _events(conn: Connection, report: Report, checkpoints: list[dict], witness: dict | None = None) -> Facts:
    facts = Facts()
    by_size: dict[int, list[dict]] = defaultdict(list)
    for doc in checkpoints:
        by_size[doc["tree_size"]].append(doc)
    sealed_size = max((d["tree_size"] for d in checkpoints), default=0)
    frontier = Frontier()
    prev = GENESIS
    last_id: int | None = None
    stray_chain = False
    forged = any(p.kind == "checkpoint-forged" for p in report.problems)  # explains stray chain hashes
    for e in iter_events(conn):
        data = event_bytes(e)
        frontier.append(leaf_hash(data))
        n = frontier.size
        if n <= sealed_size:
            prev = _check_chain(report, e, prev, data)
            for doc in by_size.get(n, ()):
                _check_checkpoint(report, doc, e, frontier)
        else:
            report.unsealed += 1
            if e.chain_hash is not None and not stray_chain:
                stray_chain = True
                if not forged:
                    report.add("checkpoint-missing", "the event carries a chain hash but no signed checkpoint "
                               "covers it: checkpoints were removed", event_id=e.id)
        if witness is not None and n == witness["tree_size"]:
            _check_witness(report, witness, e, frontier)
        _collect(facts, report, e)
        last_id = e.id
    report.events = frontier.size
    report.sealed = min(frontier.size, sealed_size)
    if frontier.size < sealed_size:
        for doc in checkpoints:
            if doc["tree_size"] > frontier.size:
                report.add("events-missing", f"checkpoint #{doc['seq']} seals {doc['tree_size']} events up to "
                           f"event {doc['last_event_id']}, but the database holds only {frontier.size}"
                           + (f", ending at event {last_id}" if last_id is not None else "")
                           + ": events were removed (the tail was cut)",
                           event_id=doc["last_event_id"], checkpoint=doc["seq"])
                break
    if witness is not None and frontier.size < witness["tree_size"]:
        report.add("events-missing", f"the witnessed checkpoint #{witness['seq']} covers {witness['tree_size']} "
                   f"events up to event {witness['last_event_id']}, but the database holds only {frontier.size}"
                   + (f", ending at event {last_id}" if last_id is not None else "")
                   + ": events were removed (the tail was cut)",
                   event_id=witness["last_event_id"], checkpoint=witness["seq"])
    return facts


def _check_witness(report: Report, doc: dict, e: EventRow, frontier: Frontier) -> None:
    where = {"event_id": e.id, "checkpoint": doc["seq"]}
    if frontier.root().hex() != doc["root_hash"]:
        report.add("witness-mismatch", f"the first {doc['tree_size']} events do not hash to the witnessed "
                   f"checkpoint #{doc['seq']}'s signed root: the log was rewritten up to here", **where)
    elif e.id != doc["last_event_id"]:
        report.add("witness-mismatch", f"the witnessed checkpoint #{doc['seq']} ends at event "
                   f"{doc['last_event_id']}, but event {doc['tree_size']} of the log is event {e.id}", **where)


def _check_chain(report: Report, e: EventRow, prev: bytes, data: bytes) -> bytes:
    expect = chain_step(prev, data)
    if e.chain_hash is None:
        report.add("event-inserted", "an event without a chain hash inside the sealed part of the log "
                   "(inserted after sealing)", event_id=e.id)
        return expect
    if e.chain_hash != expect.hex():
        report.add("event-altered", "the event does not match its sealed chain hash: it was altered, or "
                   "an event before it was removed, inserted or reordered", event_id=e.id)
        try:
            return bytes.fromhex(e.chain_hash)  # resynchronise: one bad event, one report
        except ValueError:
            return expect
    return expect


def _check_checkpoint(report: Report, doc: dict, e: EventRow, frontier: Frontier) -> None:
    where = {"event_id": e.id, "checkpoint": doc["seq"]}
    if frontier.root().hex() != doc["root_hash"]:
        report.add("root-mismatch", f"the first {doc['tree_size']} events do not hash to checkpoint "
                   f"#{doc['seq']}'s signed root: an event up to this one was altered, removed, inserted "
                   "or reordered", **where)
    elif e.id != doc["last_event_id"]:
        report.add("root-mismatch", f"checkpoint #{doc['seq']} ends at event {doc['last_event_id']}, but "
                   f"event {doc['tree_size']} of the log is event {e.id}", **where)
    elif e.chain_hash != doc["chain_head"]:
        report.add("event-altered", f"the event's chain hash is not checkpoint #{doc['seq']}'s signed chain "
                   "head", **where)


def _collect(facts: Facts, report: Report, e: EventRow) -> None:
    details = e.details if isinstance(e.details, dict) else {}
    name = _bound_table(e)
    if name is not None:
        key = _key(name, e.object_id)
        if key is None:
            report.add("row-history", f"event about {name} names no row ({e.object_id!r})", event_id=e.id)
        else:
            facts.rows[name].note(key, e.id, digest64(e.digest), e.action == "row:delete")
    if e.action == "record:import":
        report.import_events += 1
        scheme = details.get("chunk") if isinstance(details.get("chunk"), int) else 1
        if e.object_type == "batch":
            lines = details.get("lines") or [None, None]
            facts.chunks[str(details.get("batch_id"))].append(Chunk(
                first=lines[0], last=lines[1], records=details.get("records") or 0, digest=e.digest,
                event_id=e.id, unit_id=_int(details.get("unit_id")), scheme=scheme))
        else:
            unit_id, _, doc_no = e.object_id.partition(":")
            facts.singles[(str(details.get("unit_id", unit_id)), doc_no, e.subject_id)].append(
                (e.digest, e.id, scheme))
    elif (e.action.startswith("record:") and e.object_type == "record" and "content_digest" in details) \
            or e.action in RECORD_CHANGES:
        try:
            rid = int(e.object_id)
        except ValueError:
            return
        new = details.get("content_digest")
        deleted = e.action == "record:delete" or new is None
        change = facts.changes.get(rid)
        if change is None:
            facts.changes[rid] = Change(e.id, details, e.subject_id, e.id, None if deleted else new, deleted,
                                        details if deleted else None)
        else:
            if change.deleted:
                report.add("record-history", f"record {rid} changes again after its deletion (event "
                           f"{change.last_event})", event_id=e.id, record_id=rid)
            elif details.get("previous_digest", change.content_digest) != change.content_digest:
                report.add("record-history", f"record {rid}'s previous digest is not the one its last "
                           f"change (event {change.last_event}) set", event_id=e.id, record_id=rid)
            change.last_event, change.content_digest, change.deleted = e.id, None if deleted else new, deleted
            if deleted:
                change.deletion = details


def _bound_table(e: EventRow) -> str | None:
    """The bound table whose row this event states (a row event, or a hot path's own event)."""
    if e.object_type in binding.BOUND and e.action in binding.ACTIONS:
        return e.object_type
    for b in _ALIASES.get(e.object_type, ()):
        for t, prefix in b.aliases:
            if t == e.object_type and e.action.startswith(prefix):
                return b.name
    return None


_ALIASES: dict[str, list[binding.Bound]] = defaultdict(list)
for _b in binding.BOUND.values():
    for _t, _a in _b.aliases:
        _ALIASES[_t].append(_b)


def _int_keyed(name: str) -> bool:
    f = binding.form(name)
    return len(f.key) == 1 and isinstance(f.table.c[f.key[0]].type, binding.Integer)


def _key(name: str, object_id: str) -> Any:
    if _int_keyed(name):
        try:
            return int(object_id)
        except ValueError:
            return None
    return object_id or None


# --- 3. bound tables --------------------------------------------------------------------------


def _bound_tables(conn: Connection, report: Report, rows: dict[str, RowIndex]) -> None:
    """Every bound table but ``record`` (checked with its chunks below), each streamed once."""
    key = get_settings().hmac_key
    for name in binding.BOUND:
        if name == "record":
            continue
        f = binding.form(name)
        index = rows.get(name) or RowIndex()
        found = _Findings(report, name)
        n = 0
        int_key = _int_keyed(name)
        for row in binding.stream(conn, f):
            n += 1
            k = row[f.key[0]] if int_key else f.key_of(row)
            _check_row(found, index, k, row, f, key)
        for k, ev in index.unseen():
            found.add("row-missing", f"{name} {k}, written by event {ev}, is missing from the table: deleted "
                      "outside any workflow", k, ev)
        found.close()
        report.rows[name] = n


def _check_row(found: _Findings, index: RowIndex, k: Any, row: Any, f: binding.Form, key: bytes) -> None:
    last = index.get(k)
    if last is None:
        found.add("row-inserted", f"{f.name} {k} has no audit event: inserted outside any workflow", k, None)
        return
    ev, dg = last
    index.mark(k)
    if ev < 0:
        found.add("row-inserted", f"{f.name} {k} was deleted by event {-ev} but is in the table: put back "
                  "outside any workflow", k, -ev)
        return
    digest = hmac.digest(key, canonical_json([f.name, f.canonical(row)]), "sha256")
    if int.from_bytes(digest[:8], "big") != dg:
        found.add("row-altered", f"{f.name} {k} is not the row its last event (event {ev}) recorded: changed "
                  "outside any workflow", k, ev)


class _Findings:
    """A table's problems, the first PROBLEMS_PER_TABLE listed and the rest counted."""

    def __init__(self, report: Report, name: str) -> None:
        self.report, self.name, self.count = report, name, 0

    def add(self, kind: str, message: str, k: Any, event_id: int | None) -> None:
        self.count += 1
        if self.count <= PROBLEMS_PER_TABLE:
            self.report.add(kind, message, event_id=event_id, table=self.name, key=str(k))

    def close(self) -> None:
        if self.count > PROBLEMS_PER_TABLE:
            self.report.add("rows-more", f"{self.count - PROBLEMS_PER_TABLE} more row(s) of {self.name} do not "
                            "match the log (not listed)", table=self.name, key="*")


# --- 4. records -------------------------------------------------------------------------------


RECORD_COLUMNS = tuple(Record.__table__.columns)
IMPORTED_STATE = {"status": "active", "objection_open": False, "version": 1}  # as the importer stores a record


def _originals(conn: Connection, facts: Facts) -> dict[int, str]:
    """Digests as imported, of records changed by events that do not name them: the digest the first
    stored change replaced (``record_history``). The sealed import digest authenticates them."""
    wanted = {rid for rid, c in facts.changes.items() if "previous_digest" not in c.first}
    found: dict[int, str] = {}
    if not wanted:
        return found
    rows = conn.execute(select(RecordHistory.record_id, RecordHistory.previous_digest)
                        .order_by(RecordHistory.record_id, RecordHistory.version)
                        .execution_options(yield_per=RECORD_BATCH))
    for rid, digest in rows:
        if rid in wanted and rid not in found and digest:
            found[rid] = digest
    return found


def _placed(c: Change) -> bool:
    """Does the record's deletion (or first change) say where it was imported?"""
    d = c.deletion or {}
    if d.get("member_digest") and (d.get("record") or {}).get("unit_id") is not None:
        return True
    ident = c.first.get("record") or {}
    return "previous_digest" in c.first and (
        ident.get("line_no") is not None if ident.get("batch_id") is not None else ident.get("doc_no") is not None)


def _unplaced_deletions(conn: Connection, facts: Facts) -> dict[Any, list[tuple[int, Any]]]:
    """Lawfully deleted records whose events do not say where they were imported, by unit:
    {unit_id: [(record id, subject id)]} (unit from the tombstone; None when unknown)."""
    ids = [rid for rid, c in facts.changes.items() if c.deleted and not _placed(c)]
    pools: dict[Any, list[tuple[int, Any]]] = defaultdict(list)
    if not ids:
        return pools
    units: dict[int, int] = {}
    wanted = set(ids)
    for rid, unit_id in conn.execute(select(RecordTombstone.record_id, RecordTombstone.unit_id)
                                     .execution_options(yield_per=RECORD_BATCH)):
        if rid in wanted:
            units[rid] = unit_id
    for rid in sorted(ids):
        pools[units.get(rid)].append((rid, facts.changes[rid].subject_id))
    return pools


def _records(conn: Connection, report: Report, facts: Facts) -> None:
    key = get_settings().hmac_key
    from_history = _originals(conn, facts)
    unplaced = _unplaced_deletions(conn, facts)
    for chunks in facts.chunks.values():
        chunks.sort(key=lambda c: (c.first is None, c.first or 0))
    starts = {b: [c.first or 0 for c in cs] for b, cs in facts.chunks.items()}
    ghosts = _ghosts(facts)  # deleted records, placed back where they were imported
    ghost_pos: dict[str, int] = {}
    consumed_singles: set[int] = set()
    index = facts.rows.get("record") or RowIndex()
    form = binding.form("record")

    def chunk_of(batch: str, line: int | None) -> Chunk | None:
        cs = facts.chunks.get(batch)
        if not cs or line is None:
            return None
        i = bisect.bisect_right(starts[batch], line) - 1
        if i >= 0 and cs[i].first is not None and cs[i].first <= line <= cs[i].last:
            return cs[i]
        return None

    def flush_ghosts(batch: str, below: int | None) -> None:
        items = ghosts.get(batch, [])
        i = ghost_pos.get(batch, 0)
        while i < len(items) and (below is None or items[i][0] < below):
            line, member, md, _rid, original_known = items[i]
            chunk = chunk_of(batch, line)
            if chunk is not None:
                chunk.add(key, member, md)
                chunk.unverifiable |= not original_known and md is None
            i += 1
        ghost_pos[batch] = i

    def single_digest(scheme: int, member: tuple | None, md: str | None) -> str | None:
        if scheme >= 2:
            return chunk_digest(digests=[md]) if md else chunk_digest([member])
        return keyed_digest([member]) if member is not None else None

    def match_single(unit_id: Any, doc_no: Any, subject_id: Any, member: tuple | None,
                     md: str | None = None) -> tuple[int | None, bool]:
        """The single-record import event of this record: (event id, whether its digest matches)."""
        if doc_no is not None:
            candidates = [c for c in facts.singles.get((str(unit_id), doc_no, subject_id), [])
                          if c[1] not in consumed_singles]
        else:  # a deleted record known by its member digest only: any single import of its unit and subject
            candidates = [c for (u, _d, s), cs in facts.singles.items() if u == str(unit_id) and s == subject_id
                          for c in cs if c[1] not in consumed_singles]
        for d, event_id, scheme in candidates:
            if d == single_digest(scheme, member, md):
                consumed_singles.add(event_id)
                return event_id, True
        if candidates and doc_no is not None:
            consumed_singles.add(candidates[0][1])
            return candidates[0][1], False
        return None, False

    current: str | None = None
    seen_changed: set[int] = set()
    stream = conn.execute(select(*RECORD_COLUMNS).order_by(Record.batch_id, Record.line_no, Record.id)
                          .execution_options(yield_per=RECORD_BATCH)).mappings()
    for row in stream:
        rid, sid, unit_id, item, doc_no = row["id"], row["subject_id"], row["unit_id"], row["item_code"], row["doc_no"]
        content, cdigest, batch, line = row["content"], row["content_digest"], row["batch_id"], row["line_no"]
        report.records += 1
        if batch != current:
            if current is not None:
                flush_ghosts(current, None)
            current = batch
        if batch is not None:
            flush_ghosts(batch, line)
        change = facts.changes.get(rid)
        original, original_known = cdigest, True
        if change is not None:
            seen_changed.add(rid)
            if "previous_digest" in change.first:
                original = change.first["previous_digest"]
            elif rid in from_history:
                original = from_history[rid]
            else:
                original_known = False
        member = (sid, item, doc_no, original)
        found: list[tuple] = []  # membership problems, reported after the content check
        if batch is not None:
            chunk = chunk_of(batch, line)
            event_id = chunk.event_id if chunk else None
            if chunk is not None:
                chunk.add(key, member)
                chunk.unverifiable |= not original_known
            elif change is None:
                found.append(("record-unaccounted", f"record {rid} (batch {batch}, line {line}) has no audit "
                              "event: inserted outside any workflow", None))
        else:
            event_id, matches = match_single(unit_id, doc_no, sid, member)
            if event_id is None and change is None:
                found.append(("record-unaccounted", f"record {rid} (submitted singly by unit {unit_id}) "
                              "matches no audit event: inserted outside any workflow", None))
            elif event_id is not None and not matches and original_known:
                found.append(("records-mismatch", f"record {rid} no longer matches the event that imported "
                              "it: changed outside any workflow", event_id))
        if content_digest(content) != cdigest:
            report.add("record-altered", f"record {rid}'s content does not hash to its content_digest: "
                       "changed outside any workflow",
                       record_id=rid, event_id=change.last_event if change else event_id)
        for kind, message, at in found:
            report.add(kind, message, record_id=rid, event_id=at)
        _record_state(report, index, form, key, row, change, event_id)
        if change is not None:
            if change.deleted:
                report.add("record-altered", f"record {rid} was deleted by event {change.last_event} but is "
                           "still in the table", record_id=rid, event_id=change.last_event)
            elif change.content_digest != cdigest:
                report.add("record-altered", f"record {rid}'s content_digest is not the one its last change "
                           f"(event {change.last_event}) recorded", record_id=rid, event_id=change.last_event)
    if current is not None:
        flush_ghosts(current, None)
    for batch in ghosts:
        if batch not in ghost_pos:
            flush_ghosts(batch, None)
    for rid, change in facts.changes.items():
        if rid in seen_changed or change.deleted:
            continue
        report.add("record-missing", f"record {rid}, changed by event {change.last_event}, is missing from "
                   "the table: deleted outside any workflow", record_id=rid, event_id=change.last_event)
    for k, ev in index.unseen():
        if k in facts.changes and facts.changes[k].deleted:
            continue
        if k not in facts.changes:
            report.add("record-missing", f"record {k}, written by event {ev}, is missing from the table: deleted "
                       "outside any workflow", record_id=k, event_id=ev)
    for rid, change in facts.changes.items():  # records submitted singly, gone from the table
        ident = (change.deletion or {}).get("record") or change.first.get("record") or {}
        if rid in seen_changed or ident.get("batch_id") is not None or "unit_id" not in ident:
            continue
        md = (change.deletion or {}).get("member_digest")
        member = None
        if "previous_digest" in change.first and ident.get("doc_no") is not None:
            member = (change.subject_id, ident.get("item_code"), ident.get("doc_no"), change.first["previous_digest"])
        if member is not None or md:
            match_single(ident.get("unit_id"), ident.get("doc_no"), change.subject_id, member, md)
    _judge_chunks(report, facts, key, unplaced)
    for (unit_id, _doc, subject_id), candidates in facts.singles.items():
        for _digest, event_id, _scheme in candidates:
            if event_id in consumed_singles:
                continue
            pool = unplaced.get(_int(unit_id)) or unplaced.get(None) or []
            lawful = next((g for g in pool if g[1] == subject_id), None)
            if lawful is not None:
                pool.remove(lawful)
                report.notes.append(f"event {event_id}: its record was lawfully deleted (record {lawful[0]})")
                continue
            report.add("record-missing", "the record this event imported is missing from the table: "
                           "deleted outside any workflow", event_id=event_id)


def _record_state(report: Report, index: RowIndex, form: binding.Form, key: bytes, row: Any,
                  change: Change | None, import_event: int | None) -> None:
    """A record changed since its import is held to its last row event (every column); one never changed,
    to the state the importer stores (active, not under objection, version 1)."""
    rid = row["id"]
    last = index.get(rid)
    if last is None:
        wrong = sorted(c for c, v in IMPORTED_STATE.items() if row[c] != v)
        if wrong:
            report.add("record-altered", f"record {rid}'s {', '.join(wrong)} changed, but no event changed it: "
                       "changed outside any workflow", record_id=rid,
                       event_id=change.last_event if change else import_event)
        return
    ev, dg = last
    index.mark(rid)
    if ev < 0:
        return  # reported with its record:delete event above (or below: its chunk)
    digest = hmac.digest(key, canonical_json([form.name, form.canonical(row)]), "sha256")
    if int.from_bytes(digest[:8], "big") != dg:
        report.add("record-altered", f"record {rid} is not the row its last event (event {ev}) recorded: changed "
                   "outside any workflow", record_id=rid, event_id=ev)


def _ghosts(facts: Facts) -> dict[str, list[tuple[int, tuple | None, str | None, int, bool]]]:
    """Records deleted by a lawful event, as they were imported: {batch: [(line, member, member digest,
    id, known)]} — the member itself where the events name it, its member digest where the deletion left one."""
    out: dict[str, list] = defaultdict(list)
    for rid, change in facts.changes.items():
        if not change.deleted:
            continue
        deletion = change.deletion or {}
        ident = deletion.get("record") or change.first.get("record") or {}
        batch, line = ident.get("batch_id"), ident.get("line_no")
        if batch is None or line is None:
            continue
        known = "previous_digest" in change.first and ident.get("doc_no") is not None
        member = (change.subject_id, ident.get("item_code"), ident.get("doc_no"),
                  change.first.get("previous_digest")) if known else None
        md = deletion.get("member_digest")
        out[str(batch)].append((line, member, md, rid, known))
    for items in out.values():
        items.sort(key=lambda g: g[0])
    return out


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _judge_chunks(report: Report, facts: Facts, key: bytes, unplaced: dict[Any, list]) -> None:
    for batch, chunks in facts.chunks.items():
        for c in chunks:
            if c.members == c.records and not c.unverifiable and c.hexdigest(key) == c.digest:
                continue
            short = c.records - c.members
            pool = unplaced.get(c.unit_id) or unplaced.get(None) or []
            if 0 < short <= len(pool):
                # Lawfully deleted records whose place the deletion did not record: the chunk cannot be
                # recomputed; its count is held to the deletions of its unit.
                del pool[:short]
                report.notes.append(f"event {c.event_id}: batch {batch} lines {c.first}–{c.last} lost {short} "
                                    "record(s) to lawful deletion (Art. 37) before revision 0011; its digest "
                                    "cannot be recomputed")
                continue
            if c.unverifiable:
                report.notes.append(f"event {c.event_id}: batch {batch} lines {c.first}–{c.last} holds a record "
                                    "changed or deleted by an event that does not name its previous digest (a "
                                    "correction or deletion before revision 0011, a withdrawal, revocation or "
                                    "restoration written before they named it); not checked")
                continue
            report.add("records-mismatch", f"the records of batch {batch}, lines {c.first}–{c.last}, no longer "
                       f"match their import event ({c.members} found for {c.records} imported): a record was "
                       "changed, deleted or inserted outside any workflow", event_id=c.event_id)
