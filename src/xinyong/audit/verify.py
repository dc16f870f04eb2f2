"""``xinyong audit verify``: recompute everything from the database and the exported checkpoints.

1. Checkpoints: every stored checkpoint and every exported file is signed by the platform's key;
   each stored one has its file and they agree; a file missing from the database means the
   database's tail was cut; successive checkpoints link up and their consistency proofs hold.
2. Events, streamed once in id order: each sealed event's chain hash is recomputed, and the
   Merkle root of the first N events is compared with every checkpoint of size N on the way —
   an altered, removed, inserted or reordered event, or a cut tail, cannot match a signed root.
   Events after the last checkpoint are "not yet sealed" (not an error).
3. Records against their events: each import chunk's keyed digest is recomputed from the current
   rows of its batch and line range (in line order), with records changed or deleted by a later
   ``record:correct`` / ``record:delete`` event counted as they were imported and then held to
   that event's digest (a deleted record must be absent). A record whose content does not hash to
   its ``content_digest``, or that no event accounts for, is reported.

One pass over each table, in batches, with no per-row queries: fit for millions of events.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..config import get_settings
from ..db import get_engine
from ..models import AuditCheckpoint, Record, RecordHistory, RecordTombstone
from . import seal as sealing
from .chain import GENESIS, EventRow, chain_step, event_bytes, iter_events
from .merkle import Frontier, leaf_hash, verify_consistency
from .rules import Problem, content_digest, ordered, require_intact
from .service import RECORD_CHANGES, canonical_json, keyed_digest

RECORD_BATCH = 5000


@dataclass
class Report:
    events: int = 0
    sealed: int = 0
    unsealed: int = 0
    checkpoints: int = 0
    latest_checkpoint: int | None = None
    records: int = 0
    import_events: int = 0
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
            "problems": [p.as_dict() for p in ordered(self.problems)],
            "notes": self.notes,
        }


def verify(engine: Engine | None = None) -> Report:
    engine = engine or get_engine()
    report = Report()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # one read snapshot for events, checkpoints and records
        try:
            expected = _checkpoints(conn, report)
            facts = _events(conn, report, expected)
            _records(conn, report, facts)
        finally:
            conn.rollback()
    if report.unsealed:
        report.notes.append(f"{report.unsealed} event(s) after the last checkpoint are not yet sealed "
                            "(run `xinyong audit seal`)")
    return report


# --- 1. checkpoints ---------------------------------------------------------------------------


def _checkpoints(conn: Connection, report: Report) -> list[dict]:
    """Check stored and exported checkpoints; return the signed ones, by sequence, to hold events to."""
    pub = sealing.verify_key()
    directory = sealing.export_dir()
    files = sealing.read_files(directory)
    rows = conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).mappings().all()
    if (rows or files) and pub is None:
        report.add("key", "there is no audit public key to verify the checkpoints with "
                   f"(expected {sealing.key_path()} or XINYONG_AUDIT_PUBLIC_KEY_FILE)")
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


# --- 2. events --------------------------------------------------------------------------------


@dataclass
class Chunk:
    first: int
    last: int
    records: int
    digest: str
    event_id: int
    unit_id: Any = None
    members: int = 0
    mac: Any = None
    unverifiable: bool = False

    def add(self, key: bytes, member: tuple) -> None:
        if self.mac is None:
            self.mac = hmac.new(key, b"[", hashlib.sha256)
        else:
            self.mac.update(b",")
        self.mac.update(canonical_json(list(member)))
        self.members += 1

    def hexdigest(self, key: bytes) -> str:
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


@dataclass
class Facts:
    chunks: dict[str, list[Chunk]] = field(default_factory=lambda: defaultdict(list))
    singles: dict[tuple, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    changes: dict[int, Change] = field(default_factory=dict)


def _events(conn: Connection, report: Report, checkpoints: list[dict]) -> Facts:
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
    return facts


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
    if e.action == "record:import":
        report.import_events += 1
        if e.object_type == "batch":
            lines = details.get("lines") or [None, None]
            facts.chunks[str(details.get("batch_id"))].append(Chunk(
                first=lines[0], last=lines[1], records=details.get("records") or 0, digest=e.digest,
                event_id=e.id, unit_id=_int(details.get("unit_id"))))
        else:
            unit_id, _, doc_no = e.object_id.partition(":")
            facts.singles[(str(details.get("unit_id", unit_id)), doc_no, e.subject_id)].append(
                (e.digest, e.id))
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
            facts.changes[rid] = Change(e.id, details, e.subject_id, e.id, None if deleted else new, deleted)
        else:
            if change.deleted:
                report.add("record-history", f"record {rid} changes again after its deletion (event "
                           f"{change.last_event})", event_id=e.id, record_id=rid)
            elif details.get("previous_digest", change.content_digest) != change.content_digest:
                report.add("record-history", f"record {rid}'s previous digest is not the one its last "
                           f"change (event {change.last_event}) set", event_id=e.id, record_id=rid)
            change.last_event, change.content_digest, change.deleted = e.id, None if deleted else new, deleted


# --- 3. records -------------------------------------------------------------------------------


RECORD_FIELDS = (Record.id, Record.subject_id, Record.unit_id, Record.item_code, Record.doc_no,
                 Record.content, Record.content_digest, Record.batch_id, Record.line_no)


def _originals(conn: Connection, facts: Facts) -> dict[int, str]:
    """Digests as imported, of records changed by events that do not name them: the digest the first
    stored change replaced (``record_history``). The sealed import digest authenticates them."""
    wanted = {rid for rid, c in facts.changes.items() if "previous_digest" not in c.first}
    found: dict[int, str] = {}
    if not wanted:
        return found
    rows = conn.execution_options(yield_per=RECORD_BATCH).execute(
        select(RecordHistory.record_id, RecordHistory.previous_digest)
        .order_by(RecordHistory.record_id, RecordHistory.version))
    for rid, digest in rows:
        if rid in wanted and rid not in found and digest:
            found[rid] = digest
    return found


def _unplaced_deletions(conn: Connection, facts: Facts) -> dict[Any, list[tuple[int, Any]]]:
    """Lawfully deleted records whose events do not say where they were imported, by unit:
    {unit_id: [(record id, subject id)]} (unit from the tombstone; None when unknown)."""
    def placed(c: Change) -> bool:  # its event says where it was imported (``record_change_details``)
        ident = c.first.get("record") or {}
        return "previous_digest" in c.first and (
            ident.get("line_no") is not None if ident.get("batch_id") is not None else ident.get("doc_no") is not None)

    ids = [rid for rid, c in facts.changes.items() if c.deleted and not placed(c)]
    pools: dict[Any, list[tuple[int, Any]]] = defaultdict(list)
    if not ids:
        return pools
    units: dict[int, int] = {}
    wanted = set(ids)
    for rid, unit_id in conn.execution_options(yield_per=RECORD_BATCH).execute(
            select(RecordTombstone.record_id, RecordTombstone.unit_id)):
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
            line, member, rid, original_known = items[i]
            chunk = chunk_of(batch, line)
            if chunk is not None:
                chunk.add(key, member)
                chunk.unverifiable |= not original_known
            i += 1
        ghost_pos[batch] = i

    def match_single(unit_id: Any, doc_no: Any, subject_id: Any, member: tuple) -> tuple[int | None, bool]:
        """The single-record import event of this record: (event id, whether its digest matches)."""
        candidates = [c for c in facts.singles.get((str(unit_id), doc_no, subject_id), [])
                      if c[1] not in consumed_singles]
        digest = keyed_digest([member])
        for d, event_id in candidates:
            if d == digest:
                consumed_singles.add(event_id)
                return event_id, True
        if candidates:
            consumed_singles.add(candidates[0][1])
            return candidates[0][1], False
        return None, False

    current: str | None = None
    seen_changed: set[int] = set()
    stream = conn.execution_options(yield_per=RECORD_BATCH).execute(
        select(*RECORD_FIELDS).order_by(Record.batch_id, Record.line_no, Record.id))
    for rid, sid, unit_id, item, doc_no, content, cdigest, batch, line in stream:
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
    for rid, change in facts.changes.items():  # records submitted singly, gone from the table
        ident = change.first.get("record") or {}
        if rid not in seen_changed and ident.get("batch_id") is None and "previous_digest" in change.first:
            member = (change.subject_id, ident.get("item_code"), ident.get("doc_no"), change.first["previous_digest"])
            match_single(ident.get("unit_id"), ident.get("doc_no"), change.subject_id, member)
    _judge_chunks(report, facts, key, unplaced)
    for (unit_id, _doc, subject_id), candidates in facts.singles.items():
        for _digest, event_id in candidates:
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


def _ghosts(facts: Facts) -> dict[str, list[tuple[int, tuple, int, bool]]]:
    """Records deleted by a lawful event, as they were imported: {batch: [(line, member, id, known)]}."""
    out: dict[str, list] = defaultdict(list)
    for rid, change in facts.changes.items():
        if not change.deleted:
            continue
        ident = change.first.get("record") or {}
        batch, line = ident.get("batch_id"), ident.get("line_no")
        if batch is None or line is None:
            continue
        known = "previous_digest" in change.first
        member = (change.subject_id, ident.get("item_code"), ident.get("doc_no"), change.first.get("previous_digest"))
        out[str(batch)].append((line, member, rid, known))
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
            if c.members == c.records and c.hexdigest(key) == c.digest:
                continue
            short = c.records - c.members
            pool = unplaced.get(c.unit_id) or unplaced.get(None) or []
            if 0 < short <= len(pool):
                # Lawfully deleted records whose place the deletion did not record: the chunk cannot be
                # recomputed; its count is held to the deletions of its unit.
                del pool[:short]
                report.notes.append(f"event {c.event_id}: batch {batch} lines {c.first}–{c.last} lost {short} "
                                    "record(s) to lawful deletion (Art. 37); its digest cannot be recomputed")
                continue
            if c.unverifiable:
                report.notes.append(f"event {c.event_id}: batch {batch} lines {c.first}–{c.last} holds a record "
                                    "changed by an event without its previous digest; not checked")
                continue
            report.add("records-mismatch", f"the records of batch {batch}, lines {c.first}–{c.last}, no longer "
                       f"match their import event ({c.members} found for {c.records} imported): a record was "
                       "changed, deleted or inserted outside any workflow", event_id=c.event_id)
