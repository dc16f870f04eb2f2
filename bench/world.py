"""``python -m bench world build|measure|drop``: a kept world of N records on PostgreSQL, built by COPY.

The world measures the queries at scale, not the import: its records are the demo generator's rows
(``xinyong.demo.generate.generate(N, seed, today=2025-06-30)``: the catalog's real mix, ~5 records a subject,
~85 % organizations with valid USCCs, ~15 % natural persons with valid numbers) passed through the
importer's own rules (``fields.map_row`` + ``record.rules.validate_row``: the content, its digest, ``ended_on``
and its source, exactly what the importer would store) and stored with psycopg binary ``COPY``
instead of ``record.service.store_chunk``:

- ``subject``: one row per identifier as ``subject.service.resolve_many`` writes it (``identifier`` masked
  for natural persons, ``identifier_enc`` by ``crypto.encrypt_many`` bound to the ``identifier_digest``
  HMAC); ids assigned here, the sequence set after;
- ``record``: ``record.service._row`` (status active, not under objection, version 1), lines numbered as
  in the CSV the importer would read (header = line 1), chunks of 5,000 as the importer commits them;
- one ``batch`` row per demo file (status ``done``, its counts) and, per chunk, the ``record:import``
  event ``record.service.store_chunk`` appends (``audit.service.event_row``: scheme-2 chunk digest of
  the members), so ``xinyong audit verify`` holds every record to its chunk as it does for an import.

The secondary indexes and the foreign keys of ``record`` and ``subject`` are dropped before the COPY and
created again after it (one sort per index instead of 10M index insertions; one validation pass per
foreign key), then both tables are analyzed. Then, through the platform's services (each with its audit
events): an officer of the Pudong market regulator (as ``bench inquiry``), the black list, its entries and
the published measures of ``bench check``, and a share of records moved by the workflows — under
objection (``objection.service.file``, entered by the Center), restored (``record.workflows.restore``)
and revoked pending the purge (``record.workflows.revoke``).

The database (default ``xinyong_world``) is created on the server of ``XINYONG_BENCH_POSTGRES_URL`` when
missing; the ``test`` database is refused. The world's data key ring and marker are kept in
``bench/results/world-<database>/`` (gitignored): the natural persons' numbers can only be read with it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .common import BENCH_DIR, RESULTS_DIR, TODAY, log, pg_base_url, read_marker, write_marker, write_results

DEFAULT_DB = "xinyong_world"
CHUNK = 5000  # what the importer commits at a time (``bench import``: chunk_rows=5000)
SEED = 20171001
# Shares of records moved through the workflows after the COPY (of all records; at least a few each).
SHARE_OBJECTION = 0.001
SHARE_RESTORED = 0.001
SHARE_REVOKED = 0.0002
WORKFLOW_COMMIT = 500  # workflow calls per transaction
ROOT = BENCH_DIR.parent


# ------------------------------------------------------------------------------------------------
# Where the world lives
# ------------------------------------------------------------------------------------------------


def server_url(database: str | None = None) -> str:
    """The bench server's URL with another database name (None: the server's ``postgres`` database)."""
    parts = urlsplit(pg_base_url())
    return urlunsplit(parts._replace(path="/" + (database or "postgres")))


def refuse_name(database: str) -> None:
    current = urlsplit(pg_base_url()).path.lstrip("/")
    if database in ("test", "postgres", "template0", "template1") or not database.replace("_", "").isalnum():
        raise SystemExit(f"refused: the world never goes into the database {database!r} (tests run in 'test'); "
                         "name another with --database")
    if database == current and current == "test":
        raise SystemExit("refused: the 'test' database")


def world_dir(database: str) -> Path:
    return RESULTS_DIR / f"world-{database}"


def use_world_keys(database: str) -> Path:
    """The world's data key ring: kept beside its marker (the var dir of a run is a temp dir)."""
    folder = world_dir(database)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["XINYONG_DATA_KEY_FILE"] = str(folder / "data-keys.json")
    return folder


def pg_admin():
    import psycopg

    return psycopg.connect(server_url(), autocommit=True)


def database_exists(database: str) -> bool:
    with pg_admin() as c:
        return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is not None


def database_size(database: str) -> int:
    with pg_admin() as c:
        return c.execute("SELECT pg_database_size(%s)", (database,)).fetchone()[0]


def table_sizes(database: str, top: int = 8) -> list[tuple[str, int, int]]:
    """(table, total bytes with indexes and TOAST, index bytes), biggest first."""
    import psycopg

    with psycopg.connect(server_url(database)) as c:
        return c.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "ORDER BY 2 DESC LIMIT %s", (top,)).fetchall()


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB" if n < 1e10 else f"{n / 1e9:,.2f} GB"


# ------------------------------------------------------------------------------------------------
# Build
# ------------------------------------------------------------------------------------------------


def _drop_secondary(conn, tables: tuple[str, ...]) -> list[str]:
    """Drop the foreign keys, unique constraints and secondary indexes of ``tables`` (not the primary
    keys); return the statements that create them again, in an order that works (indexes, uniques, FKs)."""
    cons = conn.execute(
        "SELECT c.conname, t.relname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = 'public' AND t.relname = ANY(%s) AND c.contype IN ('f', 'u') ORDER BY c.contype DESC",
        (list(tables),)).fetchall()
    idx = conn.execute(
        "SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND "
        "i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_class ic ON ic.oid = c.conindid "
        "WHERE ic.relname = i.indexname AND c.contype IN ('p', 'u'))", (list(tables),)).fetchall()
    recreate = [d for _n, _t, d in idx]
    recreate += [f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}' for n, t, k, d in cons if k == "u"]
    recreate += [f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}' for n, t, k, d in cons if k == "f"]
    # constraints of other tables that point at these ones stay (they need only the primary keys)
    for n, t, _k, _d in cons:  # FKs first (ORDER BY contype DESC: 'u' before 'f' would break nothing either)
        conn.execute(f'ALTER TABLE "{t}" DROP CONSTRAINT "{n}"')
    for n, _t, _d in idx:
        conn.execute(f'DROP INDEX "{n}"')
    return recreate


class Writer:
    """One worker's subjects, records and chunk events, written by COPY on its own psycopg connection.

    Subjects are resolved per chunk as ``subject.service.resolve_many`` does it (digest, masked identifier,
    ``identifier_enc`` sealed by ``crypto.encrypt_many``), through a temp table and ``INSERT … ON CONFLICT
    (identifier_digest) DO NOTHING`` in digest order, so that workers running side by side agree on one row
    per identifier without deadlocks; each chunk is one transaction (subjects, records, its event)."""

    SUBJECT_COLS = ("kind", "scheme", "identifier", "identifier_digest", "name", "region_code", "birth_date",
                    "created_at", "identifier_enc")

    def __init__(self, conn, actors: dict, unit_ids: dict) -> None:
        from xinyong.record.service import RECORD_COLUMNS

        self.conn, self.actors, self.unit_ids = conn, actors, unit_ids
        self.record_cols = RECORD_COLUMNS
        types = dict(conn.execute(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = 'record'::regclass AND a.attnum > 0 AND NOT a.attisdropped").fetchall())
        self.record_types = ["text" if types[c] == "json" else types[c] for c in RECORD_COLUMNS]
        stypes = dict(conn.execute(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = 'subject'::regclass AND a.attnum > 0 AND NOT a.attisdropped").fetchall())
        self.subject_types = [stypes[c] for c in self.SUBJECT_COLS]
        cols = ", ".join(self.SUBJECT_COLS)
        conn.execute(f"CREATE TEMP TABLE world_subject AS SELECT {cols} FROM subject WITH NO DATA")
        self.insert_subjects = (f"INSERT INTO subject ({cols}) SELECT {cols} FROM world_subject ORDER BY "
                                "identifier_digest ON CONFLICT (identifier_digest) DO NOTHING")
        self.content_pos = RECORD_COLUMNS.index("content")
        self.subjects: dict[tuple[str, str], int] = {}  # this worker's: (scheme, code) -> id
        self.records = 0
        self.events = 0
        self.created = 0

    def resolve(self, drafts) -> None:
        from xinyong import crypto
        from xinyong.clock import now
        from xinyong.subject.service import identifier_digest

        wanted: dict[str, tuple] = {}
        for _line, d in drafts:
            ident = d.identifier
            key = (ident.scheme, ident.code)
            if key in self.subjects:
                continue
            digest = identifier_digest(ident)
            if digest not in wanted:
                wanted[digest] = (key, ident, d.subject_name)
        if not wanted:
            return
        created = now()
        people = [dg for dg, (_k, ident, _n) in wanted.items() if ident.is_natural_person]
        sealed = dict(zip(people, crypto.encrypt_many((wanted[dg][1].code, dg) for dg in people), strict=True))
        cur = self.conn.cursor()
        cur.execute("TRUNCATE world_subject")
        with cur.copy(f"COPY world_subject ({', '.join(self.SUBJECT_COLS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(self.subject_types)
            for dg, (_key, ident, name) in wanted.items():
                copy.write_row((ident.kind, ident.scheme, ident.masked(), dg, name[:200], ident.region_code,
                                getattr(ident, "birth_date", None), created, sealed.get(dg)))
        self.created += cur.execute(self.insert_subjects).rowcount
        found = dict(cur.execute("SELECT identifier_digest, id FROM subject WHERE identifier_digest = ANY(%s)",
                                 (list(wanted),)).fetchall())
        for dg, (key, _ident, _name) in wanted.items():
            self.subjects[key] = found[dg]
        if len(self.subjects) > 3_000_000:  # bounded memory: a subject seen again is looked up again
            self.subjects.clear()

    def chunk(self, unit_uscc: str, batch_id: str, drafts: list, received_at) -> None:
        import orjson

        from xinyong.audit import service as audit
        from xinyong.record.service import _row

        unit_id = self.unit_ids[unit_uscc]
        self.resolve(drafts)
        cur = self.conn.cursor()
        rows = []
        subjects = self.subjects
        for line, d in drafts:
            rows.append(_row(d, subjects[(d.identifier.scheme, d.identifier.code)], unit_id, batch_id, line,
                             received_at))
        dumps, pos = orjson.dumps, self.content_pos
        with cur.copy(f"COPY record ({', '.join(self.record_cols)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(self.record_types)
            for r in rows:
                r = list(r)
                r[pos] = dumps(r[pos]).decode()
                copy.write_row(r)
        # the chunk's event, exactly as store_chunk appends it
        first, last = rows[0][-2], rows[-1][-2]
        sub, item, doc, dig = (self.record_cols.index(c) for c in ("subject_id", "item_code", "doc_no",
                                                                    "content_digest"))
        ev = audit.event_row(action="record:import", actor=self.actors[unit_uscc], object_type="batch",
                             object_id=f"{batch_id}:{first}-{last}",
                             subject_id=rows[0][sub] if len(rows) == 1 else None,
                             content=[(r[sub], r[item], r[doc], r[dig]) for r in rows],
                             details={"unit_id": unit_id, "batch_id": batch_id, "records": len(rows),
                                      "lines": [first, last]})
        cur.execute("INSERT INTO audit_event (at, action, actor, object_type, object_id, subject_id, digest, "
                    "details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::json)",
                    (ev["at"], ev["action"], ev["actor"], ev["object_type"], ev["object_id"], ev["subject_id"],
                     ev["digest"], json.dumps(ev["details"])))
        self.conn.commit()
        self.records += len(rows)
        self.events += 1


def batch_ids(records: int, seed: int, files) -> dict[str, str]:
    """One batch id per demo file, the same in every worker."""
    return {f.filename: str(uuid.uuid5(uuid.NAMESPACE_URL, f"xinyong-bench-world:{seed}:{records}:{f.filename}"))
            for f in files}


def part_range(count: int, k: int, workers: int) -> tuple[int, int]:
    """Worker k's rows of a file (0-based, end excluded): whole chunks of CHUNK rows, contiguous, so that the
    chunks are those one importer would commit."""
    chunks = -(-count // CHUNK)
    lo, hi = chunks * k // workers, chunks * (k + 1) // workers
    return lo * CHUNK, min(hi * CHUNK, count)


def build_part(url: str, records: int, seed: int, k: int, workers: int, progress=None) -> dict:
    """Worker k of ``workers``: its share of every demo file through the importer's rules, stored by COPY."""
    import psycopg

    from xinyong.auth import Actor
    from xinyong.db import make_engine, session_scope
    from xinyong.demo.generate import generate
    from xinyong.models import Batch, Unit
    from xinyong.record.fields import map_row
    from xinyong.record.importer import item_infos
    from xinyong.record.rules import RowContext, validate_row

    engine = make_engine(url)
    with session_scope(engine) as s:
        items = item_infos(s)
        units = list(s.query(Unit))
        provides = {u.uscc: frozenset(p.item_code for p in u.provides) for u in units}
        unit_ids = {u.uscc: u.id for u in units}
        actors = {u.uscc: Actor(role=u.kind, unit_id=u.id, unit_uscc=u.uscc, officer="console") for u in units}
        received = {b.id: b.received_at for b in s.query(Batch)}
    engine.dispose()
    _units, files = generate(records, seed=seed, today=TODAY)
    ids = batch_ids(records, seed, files)
    t_rules = t_store = 0.0
    rejected: dict[str, int] = {}
    accepted: dict[str, int] = {}
    pc = time.perf_counter
    t0 = pc()
    with psycopg.connect(url) as conn:
        w = Writer(conn, actors, unit_ids)
        conn.commit()
        for f in files:
            lo, hi = part_range(f.count, k, workers)
            if lo >= hi:
                continue
            batch_id = ids[f.filename]
            ctx = RowContext(unit_items=provides[f.unit_uscc], items=items, fmt=f.fmt, today=TODAY)
            drafts: list = []
            n = 0
            ta = pc()
            for i, values in enumerate(f.iter_rows()):
                if i < lo:
                    continue
                if i >= hi:
                    break
                try:
                    drafts.append((i + 2, validate_row(map_row(f.fmt, values), ctx)))  # line 1: the header
                except Exception as exc:  # noqa: BLE001 - counted and reported: the world must hold every row
                    rejected[type(exc).__name__] = rejected.get(type(exc).__name__, 0) + 1
                    continue
                if len(drafts) == CHUNK:
                    tb = pc()
                    t_rules += tb - ta
                    w.chunk(f.unit_uscc, batch_id, drafts, received[batch_id])
                    n += len(drafts)
                    drafts = []
                    ta = pc()
                    t_store += ta - tb
                    if progress:
                        progress(w.records)
            if drafts:
                tb = pc()
                t_rules += tb - ta
                w.chunk(f.unit_uscc, batch_id, drafts, received[batch_id])
                n += len(drafts)
                t_store += pc() - tb
            accepted[batch_id] = n
    return {"worker": k, "records": w.records, "subjects_created": w.created, "chunk_events": w.events,
            "accepted": accepted, "rejected": rejected, "rules_s": t_rules, "copy_s": t_store,
            "seconds": pc() - t0}


def generate_into(engine, url: str, records: int, seed: int, workers: int, progress=None) -> dict:
    """The batches, then the demo files' rows through the importer's rules, stored by COPY in ``workers``
    processes side by side (each a contiguous share of whole chunks of every file)."""
    import psycopg

    from xinyong import crypto
    from xinyong.clock import now
    from xinyong.db import session_scope
    from xinyong.demo.generate import generate
    from xinyong.models import Unit

    crypto.encrypt_text("bench", context="bench")  # the key ring exists before the workers read it
    _units, files = generate(records, seed=seed, today=TODAY)
    ids = batch_ids(records, seed, files)
    with session_scope(engine) as s:
        unit_ids = {u.uscc: u.id for u in s.query(Unit)}
    received_at = now()
    with psycopg.connect(url) as conn:
        for f in files:
            conn.execute(
                "INSERT INTO batch (id, unit_id, filename, sha256, file_format, encoding, received_at, finished_at, "
                "status, rows_total, accepted, rejected, already_present, officer, runs) VALUES "
                "(%s, %s, %s, %s, %s, 'utf-8', %s, %s, 'done', %s, 0, 0, 0, 'console', 1)",
                (ids[f.filename], unit_ids[f.unit_uscc], f.filename, hashlib.sha256(
                    f"bench-world:{seed}:{records}:{f.filename}".encode()).hexdigest(), f.fmt, received_at,
                 received_at, f.count))
    t0 = time.perf_counter()
    if workers == 1:
        parts = [build_part(url, records, seed, 0, 1, progress)]
    else:
        procs = [subprocess.Popen([sys.executable, "-m", "bench.world", "--child", "build-part", url, str(records),
                                   str(seed), str(k), str(workers)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
                 for k in range(workers)]
        parts = []
        for p in procs:
            stdout, _ = p.communicate()
            line = next((ln for ln in stdout.splitlines() if ln.startswith("RESULT ")), None)
            if p.returncode != 0 or line is None:
                for q in procs:
                    if q.poll() is None:
                        q.kill()
                raise RuntimeError(f"a build worker failed ({p.returncode})")
            parts.append(json.loads(line[7:]))
    accepted: dict[str, int] = {}
    rejected: dict[str, int] = {}
    for part in parts:
        for b, n in part["accepted"].items():
            accepted[b] = accepted.get(b, 0) + n
        for kind, n in part["rejected"].items():
            rejected[kind] = rejected.get(kind, 0) + n
    with psycopg.connect(url) as conn:
        for f in files:
            n = accepted.get(ids[f.filename], 0)
            conn.execute("UPDATE batch SET accepted = %s, rejected = %s WHERE id = %s", (n, f.count - n,
                                                                                           ids[f.filename]))
        kinds = dict(conn.execute("SELECT kind, count(*) FROM subject GROUP BY kind").fetchall())
    return {"records": sum(p["records"] for p in parts), "subjects": sum(kinds.values()), "subject_kinds": kinds,
            "chunk_events": sum(p["chunk_events"] for p in parts), "files": len(files), "rejected": rejected,
            "workers": workers, "rules_s": sum(p["rules_s"] for p in parts),
            "copy_s": sum(p["copy_s"] for p in parts), "generate_and_store_s": time.perf_counter() - t0,
            "parts": parts}


def move_records(engine, records: int, seed: int, actors_by_unit: dict) -> dict:
    """A share of the records moved through the workflows: under objection, restored, revoked (pending)."""
    from sqlalchemy import text

    from xinyong.auth import Actor
    from xinyong.db import session_scope
    from xinyong.objection import service as objections
    from xinyong.record import workflows

    rng = random.Random(seed + 77)
    with engine.connect() as c:
        max_id = c.execute(text("SELECT max(id) FROM record")).scalar() or 0
    def pick(k: int, where: str) -> list[tuple[int, int, int]]:
        ids = sorted({rng.randrange(1, max_id + 1) for _ in range(k * 3)})
        out = []
        with engine.connect() as c:
            for i in range(0, len(ids), 5000):
                out += c.execute(text(f"SELECT id, subject_id, unit_id FROM record WHERE id = ANY(:ids) AND {where}"),
                                 {"ids": ids[i:i + 5000]}).all()
        rng.shuffle(out)
        return [tuple(r) for r in out[:k]]

    n_obj = max(5, round(records * SHARE_OBJECTION))
    n_res = max(5, round(records * SHARE_RESTORED))
    n_rev = max(3, round(records * SHARE_REVOKED))
    taken: set[int] = set()
    counts = {}
    t0 = time.perf_counter()
    center = Actor(role="operator", officer="bench-world")

    def run(items, fn) -> int:
        done = 0
        for i in range(0, len(items), WORKFLOW_COMMIT):
            with session_scope(engine) as s:
                for it in items[i:i + WORKFLOW_COMMIT]:
                    fn(s, it)
                    done += 1
        return done

    revoke = [r for r in pick(n_rev, "status = 'active'") if r[0] not in taken]
    taken.update(r[0] for r in revoke)
    counts["revoked_pending_purge"] = run(revoke, lambda s, r: workflows.revoke(
        s, record_id=r[0], document=f"沪府复决〔2025〕{r[0]}号", decided_by="reconsideration",
        reason="行政复议决定撤销原处罚决定", actor=actors_by_unit[r[2]]))
    restore = [r for r in pick(n_res, "status = 'active' AND untrustworthy") if r[0] not in taken]
    taken.update(r[0] for r in restore)
    counts["restored"] = run(restore, lambda s, r: workflows.restore(
        s, record_id=r[0], document=f"沪信修〔2025〕{r[0]}号", reason="信用修复：已履行行政处罚决定",
        actor=actors_by_unit[r[2]]))
    objected = [r for r in pick(n_obj, "status = 'active'") if r[0] not in taken]
    counts["under_objection"] = run(objected, lambda s, r: objections.file(
        s, actor=center, subject_id=r[1], kind="error", reason="记载的处罚金额与决定书不符",
        evidence=["行政处罚决定书复印件"], record_ids=[r[0]], channel="window", received_on=TODAY))
    counts["workflows_s"] = time.perf_counter() - t0
    return counts


def build(args: argparse.Namespace) -> int:
    import psycopg

    database = args.database
    refuse_name(database)
    folder = use_world_keys(database)
    marker_path = folder / "marker.json"
    if database_exists(database):
        if not args.replace:
            print(f"the database {database} exists: `python -m bench world drop --database {database}` first, "
                  "or --replace", file=sys.stderr)
            return 2
        drop_database(database)
    marker_path.unlink(missing_ok=True)
    (folder / "data-keys.json").unlink(missing_ok=True)  # a new world, a new key ring
    # Every platform module the build uses, loaded before the long COPY: the tree is shared, and a module
    # edited half-way through a 30-minute build must not break its last steps.
    import xinyong.deletion  # noqa: F401
    import xinyong.inquiry.service  # noqa: F401
    import xinyong.listing.service  # noqa: F401
    import xinyong.measure.service  # noqa: F401
    import xinyong.objection.service  # noqa: F401
    import xinyong.record.workflows  # noqa: F401

    t_start = time.perf_counter()
    steps: dict[str, float] = {}
    loads: dict[str, str] = {"start": load()}
    log(f"world {database}: {args.records:,} records, seed {args.seed}; load {loads['start']}")
    with pg_admin() as c:
        c.execute(f'CREATE DATABASE "{database}"')
    url = server_url(database)

    from xinyong.auth import CONSOLE, Actor
    from xinyong.db import session_scope
    from xinyong.demo.generate import demo_units
    from xinyong.migrations import current
    from xinyong.unit import service as units

    from .check_bench import add_list_and_measures
    from .import_bench import platform_setup
    from .inquiry_bench import ORGAN_SHORT, subjects_with_records

    t = time.perf_counter()
    engine, actors = platform_setup(url, demo_units())
    steps["migrate_and_units_s"] = time.perf_counter() - t
    ok = False
    try:
        with psycopg.connect(url) as conn:
            t = time.perf_counter()
            recreate = _drop_secondary(conn, ("record",))  # subject keeps its unique digest: the workers meet there
            conn.commit()
            steps["drop_indexes_s"] = time.perf_counter() - t
            last = [time.perf_counter()]

            def progress(n: int) -> None:
                if n % 500_000 == 0 or time.perf_counter() - last[0] > 60:
                    last[0] = time.perf_counter()
                    rate = n / (last[0] - t_copy)
                    log(f"  {n:,} records ({rate:,.0f} records/s); load {load()}")

            t_copy = time.perf_counter()
            gen = generate_into(engine, url, args.records, args.seed, args.workers, progress)
            steps["generate_validate_copy_s"] = time.perf_counter() - t_copy
            loads["after_copy"] = load()
            log(f"  COPY done: {gen['records']:,} records, {gen['subjects']:,} subjects in "
                f"{steps['generate_validate_copy_s']:.0f} s (rules {gen['rules_s']:.0f} s, COPY {gen['copy_s']:.0f} s); "
                f"rejected {gen['rejected'] or 0}; recreating {len(recreate)} indexes and constraints…")
            t = time.perf_counter()
            conn.execute("SET maintenance_work_mem = '1GB'")
            per_index = []
            for stmt in recreate:
                ti = time.perf_counter()
                conn.execute(stmt)
                conn.commit()
                per_index.append((stmt[:140], round(time.perf_counter() - ti, 1)))
            steps["indexes_and_constraints_s"] = time.perf_counter() - t
            t = time.perf_counter()
            conn.autocommit = True
            conn.execute("VACUUM (ANALYZE) subject")
            conn.execute("VACUUM (ANALYZE) record")
            conn.execute("ANALYZE")
            steps["vacuum_analyze_s"] = time.perf_counter() - t
            loads["after_indexes"] = load()
        log(f"  indexes {steps['indexes_and_constraints_s']:.0f} s, analyze {steps['vacuum_analyze_s']:.0f} s; "
            "officer, list, measures, workflows…")
        t = time.perf_counter()
        organ = next(u for u in demo_units() if u.short == ORGAN_SHORT)
        with session_scope(engine) as s:
            unit = units.get_by_uscc(s, organ.uscc)
            _officer, token = units.add_officer(s, unit=unit, staff_no="BENCH-001", name="张三", items=None,
                                                purposes=None, expires_at=None, actor=CONSOLE)
        with session_scope(engine) as s:
            officer = units.authenticate(s, token)
        subjects, n_records = subjects_with_records(engine)
        setup = add_list_and_measures(engine, subjects, args.seed, officer)
        steps["officer_list_measures_s"] = time.perf_counter() - t
        by_unit = {uid: Actor(role=a.role, unit_id=a.unit_id, unit_uscc=a.unit_uscc, officer="console")
                   for a in actors.values() for uid in [a.unit_id]}
        moved = move_records(engine, n_records, args.seed, by_unit)
        steps["workflows_s"] = moved.pop("workflows_s")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        build_s = time.perf_counter() - t_start
        size = database_size(database)
        loads["end"] = load()
        marker = {"database": database, "records": n_records, "subjects": len(subjects), "seed": args.seed,
                  "requested_records": args.records, "token": token, "list_id": setup["list_id"], "setup": setup,
                  "moved": moved, "generation": gen, "steps_s": steps, "build_s": build_s, "indexes": per_index,
                  "database_bytes": size, "tables": table_sizes(database), "load": loads,
                  "alembic_revision": current(engine),
                  "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        write_marker(marker_path, marker)
        ok = True
    finally:
        engine.dispose()
        if not ok:
            log(f"world {database}: the build failed; the half-built database stays for inspection (drop it with "
                f"`python -m bench world drop --database {database}`)")
    print(f"world {database}: {n_records:,} records, {len(subjects):,} subjects with records, built in "
          f"{build_s:.0f} s ({n_records / steps['generate_validate_copy_s']:,.0f} records/s generated, validated "
          f"and copied); database {mb(size)}; load {loads}")
    for k, v in steps.items():
        print(f"  {k:28s} {v:8.1f}")
    for name, total, idx in marker["tables"]:
        print(f"  {name:28s} {mb(total):>10s} (indexes {mb(idx)})")
    print(f"  moved by the workflows: {moved}")
    print(f"marker: {marker_path}")
    return 0


# ------------------------------------------------------------------------------------------------
# Drop
# ------------------------------------------------------------------------------------------------


def drop_database(database: str) -> None:
    refuse_name(database)
    with pg_admin() as c:
        c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                  "pg_backend_pid()", (database,))
        c.execute(f'DROP DATABASE IF EXISTS "{database}"')


def drop(args: argparse.Namespace) -> int:
    drop_database(args.database)
    folder = world_dir(args.database)
    for name in ("marker.json", "data-keys.json"):
        (folder / name).unlink(missing_ok=True)
    print(f"dropped {args.database}")
    return 0


# ------------------------------------------------------------------------------------------------
# Measure
# ------------------------------------------------------------------------------------------------


def open_world(database: str) -> tuple[dict, dict]:
    """The kept world: (marker, world dict for the inquiry and check paths). Points the bench's
    PostgreSQL URL at the world's database, so that the raw baselines read the same tables."""
    from xinyong.db import make_engine, session_scope
    from xinyong.migrations import current
    from xinyong.unit import service as units

    from .common import alembic_head
    from .inquiry_bench import subjects_with_records

    refuse_name(database)
    folder = use_world_keys(database)
    marker = read_marker(folder / "marker.json")
    if marker is None or not database_exists(database):
        raise SystemExit(f"no world in {database} (no marker in {folder}, or no database): build it first")
    url = server_url(database)
    os.environ["XINYONG_BENCH_POSTGRES_URL"] = url  # bench.common.pg_connect: the raw paths, same database
    engine = make_engine(url)
    rev, head = current(engine), alembic_head()
    if rev != head:
        # the tree moved on since the build: migrate the world as a deployment would (timed, said)
        from xinyong.migrations import upgrade

        t = time.perf_counter()
        upgrade(engine)
        log(f"world {database}: migrated from {rev} to {current(engine)} in {time.perf_counter() - t:.1f} s")
        marker["migrated"] = {"from": rev, "to": current(engine), "seconds": time.perf_counter() - t}
    drift = bring_empty_tables_to_models(engine)
    if drift:
        log(f"world {database}: schema drift at the same revision, fixed on empty tables: {drift}")
        marker["schema_drift_fixed"] = drift
    with session_scope(engine) as s:
        actor = units.authenticate(s, marker["token"])
    subjects, n_records = subjects_with_records(engine)
    return marker, {"engine": engine, "actor": actor, "subjects": subjects, "records": n_records, "url": url}


def bring_empty_tables_to_models(engine) -> list[str]:
    """The tree is shared: a migration still being written may be edited in place (same revision id) after
    the world was built, so that the models name a table or a column the world lacks. Tables missing are
    created from the models, and missing columns added — on **empty** tables only (what the world never
    wrote); a drift on a table with rows refuses the run (build the world again)."""
    from sqlalchemy import inspect, text
    from sqlalchemy.schema import CreateColumn

    from xinyong.db import Base

    done: list[str] = []
    with engine.begin() as c:
        insp = inspect(c)
        present = set(insp.get_table_names())
        for table in Base.metadata.sorted_tables:
            if table.name not in present:
                table.create(c)
                done.append(f"created {table.name}")
                continue
            have = {col["name"] for col in insp.get_columns(table.name)}
            missing = [col for col in table.columns if col.name not in have]
            if not missing:
                continue
            if c.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{table.name}")')).scalar():
                raise SystemExit(f"the world's {table.name} lacks {[m.name for m in missing]} and holds rows: "
                                 "build the world again")
            for col in missing:
                ddl = str(CreateColumn(col).compile(dialect=c.dialect)).replace(" NOT NULL", "")
                c.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN {ddl}'))
                done.append(f"{table.name}.{col.name}")
    return done


def _peak_kb() -> int:
    """This process's own peak RSS (VmHWM; ``ru_maxrss`` would carry the parent's over the fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_main(argv: list[str]) -> int:
    """``python -m bench.world --child purge|verify|idle DATABASE``: one timed step, its peak RSS, as JSON."""
    what, database = argv
    use_world_keys(database)
    from xinyong.db import make_engine

    engine = make_engine(server_url(database))
    before = _peak_kb()
    t = time.perf_counter()
    out: dict = {}
    if what == "purge":
        from xinyong import deletion
        from xinyong.auth import CONSOLE
        from xinyong.db import session_scope

        with session_scope(engine) as s:
            report = deletion.purge(s, actor=CONSOLE)
        out["purge_s"] = time.perf_counter() - t
        t2 = time.perf_counter()
        with session_scope(engine) as s:
            scrubbed = deletion.scrub_storage(s)
        out["scrub_s"] = time.perf_counter() - t2
        out.update(deleted=len(report.deleted), late=len(report.late), scrubbed=scrubbed,
                   steps={k: len(r.deleted) for k, r in report.steps.items()})
    elif what == "selfcheck":
        out.update(selfcheck(engine, database))
    elif what == "verify":
        from xinyong.audit.verify import verify

        rep = verify(engine)
        summary = rep.summary()
        out.update(ok=rep.ok, events=summary["events"], records=summary["records"],
                   import_events=summary["import_events"], rows=summary["rows"],
                   problems=summary["problems"][:20], problem_count=len(rep.problems), notes=summary["notes"][:5])
    out["seconds"] = time.perf_counter() - t
    out["peak_rss_kb"] = _peak_kb()
    out["peak_before_kb"] = before
    engine.dispose()
    print("RESULT " + json.dumps(out, default=str), flush=True)
    return 0


def selfcheck(engine, database: str) -> dict:
    """What a tiny world's test holds (``tests/bench/test_world.py``): the counts against the marker; every
    record served to its own subject through ``inquiry.service.inquire`` (all but the revoked, which are
    never served); the organ's officer served one subject's records of the organ's published items."""
    from sqlalchemy import text

    from xinyong.auth import Actor
    from xinyong.clock import today
    from xinyong.db import session_scope
    from xinyong.inquiry.rules import within_inquiry_period
    from xinyong.inquiry.service import inquire
    from xinyong.unit import service as units

    from .inquiry_bench import PURPOSE, subjects_with_records

    marker = read_marker(world_dir(database) / "marker.json") or {}
    subjects, n_records = subjects_with_records(engine)
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, subject_id, item_code, status, untrustworthy, ended_on FROM record")).all()
        organ_items = {r[0] for r in c.execute(text(
            "SELECT DISTINCT q.item_code FROM unit_inquiry_item q JOIN officer o ON o.unit_id = q.unit_id "
            "WHERE q.purpose = :p"), {"p": PURPOSE})}
    day = today()
    # Art. 35: an untrustworthy record past its inquiry period is served to nobody (the platform's own rule)
    in_period = {r.id for r in rows if within_inquiry_period(r.untrustworthy, r.ended_on, day, r.item_code)}
    servable = {r.id for r in rows if r.status != "revoked" and r.id in in_period}
    served: set[int] = set()
    for sid, ident, _d in subjects:
        with session_scope(engine) as s:
            a = inquire(s, actor=Actor(role="subject", subject_id=sid), subject=ident, channel="portal")
        served.update(r.id if hasattr(r, "id") else r["id"] for r in a.records)
    with session_scope(engine) as s:
        officer = units.authenticate(s, marker["token"])
    by_subject: dict[int, list] = {}
    for r in rows:
        by_subject.setdefault(r.subject_id, []).append(r)
    # the subject with the most records of the organ's items
    def organ_sees(r) -> bool:
        return r.item_code in organ_items and r.status == "active" and r.id in in_period

    sid, ident, _d = max(subjects, key=lambda x: sum(organ_sees(r) for r in by_subject.get(x[0], ())))
    with session_scope(engine) as s:
        a = inquire(s, actor=officer, subject=ident, purpose=PURPOSE, channel="api")
    organ_served = sorted(r.id if hasattr(r, "id") else r["id"] for r in a.records)
    organ_expected = sorted(r.id for r in by_subject[sid] if organ_sees(r))
    return {"records": n_records, "subjects": len(subjects), "marker_records": marker.get("records"),
            "marker_subjects": marker.get("subjects"), "past_inquiry_period": len(rows) - len(in_period),
            "revoked": sum(r.status == "revoked" for r in rows), "servable": len(servable), "served_to_self": len(served),
            "not_served_to_self": sorted(servable - served)[:20], "served_not_servable": sorted(served - servable)[:20],
            "organ_allowed": a.allowed, "organ_served": organ_served, "organ_expected": organ_expected}


def run_child(what: str, database: str) -> dict:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bench.world", "--child", what, database], cwd=ROOT,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"the {what} child failed ({proc.returncode}): {proc.stderr[-3000:]}")
    out = json.loads(line[7:])
    out["wall_s"] = wall
    out["children_maxrss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return out


def revoke_some(engine, k: int, seed: int) -> list[int]:
    """K active records revoked through the workflow, as their provider (``record.workflows.revoke``)."""
    from sqlalchemy import text

    from xinyong.auth import Actor
    from xinyong.db import session_scope
    from xinyong.models import Unit
    from xinyong.record import workflows

    rng = random.Random(seed)
    with engine.connect() as c:
        max_id = c.execute(text("SELECT max(id) FROM record")).scalar()
        cands = c.execute(text("SELECT id, unit_id FROM record WHERE id = ANY(:ids) AND status = 'active' AND "
                               "NOT objection_open"),
                          {"ids": sorted({rng.randrange(1, max_id + 1) for _ in range(k * 3)})}).all()
    rng.shuffle(cands)
    picked = cands[:k]
    with session_scope(engine) as s:
        actors = {u.id: Actor(role=u.kind, unit_id=u.id, unit_uscc=u.uscc, officer="console")
                  for u in s.query(Unit)}
        for rid, uid in picked:
            workflows.revoke(s, record_id=rid, document=f"沪府复决〔2025〕B{rid}号",
                             decided_by="reconsideration", reason="行政复议决定撤销", actor=actors[uid])
    return [r for r, _u in picked]


def _log_mark(engine) -> tuple[int, int] | None:
    """Where the log and the events stand before the measurements (max ids)."""
    with engine.connect() as c:
        return (c.exec_driver_sql("SELECT coalesce(max(id), 0) FROM inquiry_log").scalar(),
                c.exec_driver_sql("SELECT coalesce(max(id), 0) FROM audit_event").scalar())


def _drop_raw_log_rows(engine, mark: tuple[int, int]) -> int:
    """The raw baselines (b) write ``inquiry_log`` rows with the plain driver, in the platform's own table
    (same table, same indexes): rows no audit event accounts for. In a kept world they would make
    ``audit verify`` report them, so they are deleted after the measurement (the platform's rows stay)."""
    log_id, event_id = mark
    with engine.begin() as c:
        logged = {int(r[0]) for r in c.exec_driver_sql(
            "SELECT object_id FROM audit_event WHERE id > %(e)s AND object_type = 'inquiry'", {"e": event_id})}
        raw = [r[0] for r in c.exec_driver_sql("SELECT id FROM inquiry_log WHERE id > %(l)s", {"l": log_id})
               if r[0] not in logged]
        for i in range(0, len(raw), 5000):
            c.exec_driver_sql("DELETE FROM inquiry_log WHERE id = ANY(%(ids)s)", {"ids": raw[i:i + 5000]})
    return len(raw)


def measure(args: argparse.Namespace) -> int:
    """Each world of ``--scale-from`` (the smaller ones, first) then ``--database``, the same way, in one
    process; then the scale lines: the platform's p50 at the big world / at each smaller one."""
    from xinyong import refcache

    names = [*args.scale_from, args.database]
    per: dict[str, dict] = {}
    for name in names:
        refcache.invalidate()
        per[name] = measure_one(name, args)
    big = per[args.database]
    scale = []
    for name in args.scale_from:
        small = per[name]
        line = {"small": name, "small_records": small["records"], "big": args.database, "big_records": big["records"]}
        if "inquiry" in small and "inquiry" in big:
            def p50(res, key):
                return next(p for p in res["inquiry"]["paths"] if p["key"] == key)["median"]["p50_s"]
            for key in ("platform", "platform_public", "raw_lookup_id", "raw_lookup_digest"):
                line[f"inquiry_{key}_p50_ratio"] = p50(big, key) / p50(small, key)
        if "check" in small and "check" in big:
            for key in ("platform", "platform_service", "raw_lookup"):
                line[f"check_{key}_p50_ratio"] = (big["check"]["median"][key]["p50_s"]
                                                  / small["check"]["median"][key]["p50_s"])
        scale.append(line)
        if "inquiry_platform_p50_ratio" in line:
            r = line["inquiry_platform_p50_ratio"]
            print(f"== scale: inquiry p50 at {big['records']:,} records / at {small['records']:,}: platform (organ) "
                  f"{r:.2f}x ({'meets' if r <= 1.5 else 'ABOVE'} the target <= 1.5x), the public "
                  f"{line['inquiry_platform_public_p50_ratio']:.2f}x; raw lookup by id {line['inquiry_raw_lookup_id_p50_ratio']:.2f}x, "
                  f"by digest {line['inquiry_raw_lookup_digest_p50_ratio']:.2f}x (the floor) ==")
        if "check_platform_p50_ratio" in line:
            print(f"== scale: check p50 {line['check_platform_p50_ratio']:.2f}x (service layer "
                  f"{line['check_platform_service_p50_ratio']:.2f}x, raw {line['check_raw_lookup_p50_ratio']:.2f}x) ==")
    args_out = {k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(args).items() if k != "run"}
    path = write_results("world", {"args": args_out, "worlds": per, "scale": scale})
    print(f"results: {path}")
    return 0


def measure_one(database: str, args: argparse.Namespace) -> dict:
    from . import check_bench, inquiry_bench
    from .common import as_served
    from .inquiry_bench import Path_, draw, render_latency

    loads = {"start": load()}
    t0 = time.perf_counter()
    marker, world = open_world(database)
    engine = world["engine"]
    n, subjects = world["records"], world["subjects"]
    log(f"world {database}: {n:,} records, {len(subjects):,} subjects with records; reopened in "
        f"{time.perf_counter() - t0:.1f} s; load {loads['start']}")
    results: dict = {"database": database, "records": n, "subjects": len(subjects),
                     "database_bytes": database_size(database), "built": {k: marker.get(k) for k in (
                         "build_s", "steps_s", "built_at", "database_bytes", "moved", "setup", "migrated", "generation")}}

    mark = _log_mark(engine)

    # (a) inquiries: the organ's officer (bench inquiry's paths) and the public, with the raw baselines
    if "inquiry" in args.only:
        paths = inquiry_bench.make_paths("postgresql")
        public = Path_("platform_public", "platform inquire() as the public (portal), committed")
        inquiry_bench.run_paths("postgresql", world, "public", paths, args.inquiries, args.repeat, args.seed)
        as_served()
        from xinyong.auth import PUBLIC
        from xinyong.db import session_scope
        from xinyong.inquiry.service import inquire

        for rep in range(1, args.repeat + 1):
            picks = draw(subjects, args.inquiries, args.seed + rep)
            warm = draw(subjects, inquiry_bench.WARMUP, args.seed + 1000 + rep)
            pc = time.perf_counter

            def run(ps):
                lat, rows = [], 0
                start = pc()
                for _sid, ident, _d in ps:
                    t = pc()
                    with session_scope(engine) as s:
                        a = inquire(s, actor=PUBLIC, subject=ident, channel="portal")
                    lat.append(pc() - t)
                    rows += len(a.records)
                return lat, pc() - start, rows
            run(warm)
            lat, wall, rows = run(picks)
            st = public.add(lat, wall, rows_per_answer=rows / len(picks))
            log(f"  rep {rep}/{args.repeat} platform_public: p50 {st['p50_s'] * 1e6:,.0f} µs, p99 "
                f"{st['p99_s'] * 1e6:,.0f} µs")
        all_paths = [paths[0], public, *paths[1:]]
        loads["after_inquiry"] = load()
        table = render_latency(f"== PostgreSQL world {database}, {n:,} records: {args.inquiries:,} inquiries x "
                               f"{args.repeat}; median (range) over repeats; load {loads['after_inquiry']} ==",
                               all_paths)
        plat, raw = paths[0], paths[1]
        ratio = plat.med("per_s") / raw.med("per_s")
        print(table)
        print(f"platform / (a) raw lookup by id: {ratio:.3f}x the rate (target >= 0.5x)\n", flush=True)
        results["inquiry"] = {"paths": [p.as_dict() for p in all_paths], "table": table, "ratio_to_raw_id": ratio,
                              "load": loads["after_inquiry"]}

    # (b) the check, one subject (bench check's paths)
    if "check" in args.only:
        runs: dict[str, list] = {"platform": [], "platform_service": [], "platform_door": [], "door_reads": [],
                                 "raw_lookup": [], "raw_lookup_log": []}
        as_served()
        for rep in range(1, args.repeat + 1):
            picks = draw(subjects, args.checks, args.seed + rep)
            warm = draw(subjects, check_bench.WARMUP, args.seed + 1000 + rep)
            check_bench.platform_single(engine, world["actor"], warm)
            lat, wall, extra = check_bench.platform_single(engine, world["actor"], picks)
            service = extra.pop("service")
            runs["platform"].append({**check_bench.stats(lat, wall), **extra})
            runs["platform_service"].append(check_bench.stats(service, sum(service)))
            # the front door (POST /checks: the token and the reads in a read-only unit of work, the rows through
            # the group-commit writer) and its reads alone: what production runs for an organ's check
            for key, path in (("platform_door", check_bench.platform_door), ("door_reads", check_bench.door_reads)):
                path(engine, marker["token"], warm)
                lat, wall, extra = path(engine, marker["token"], picks)
                runs[key].append({**check_bench.stats(lat, wall), **extra})
            for key, log_row in (("raw_lookup", False), ("raw_lookup_log", True)):
                check_bench.raw_path("postgresql", "public", world["actor"], warm, log_row=log_row)
                lat, wall, extra = check_bench.raw_path("postgresql", "public", world["actor"], picks, log_row=log_row)
                runs[key].append({**check_bench.stats(lat, wall), **extra})
            log(f"  rep {rep}/{args.repeat} check: p50 {runs['platform'][-1]['p50_s'] * 1e6:,.0f} µs, p99 "
                f"{runs['platform'][-1]['p99_s'] * 1e6:,.0f} µs")
        med = {k: {f: statistics.median(r[f] for r in v) for f in ("p50_s", "p99_s", "subjects_per_s")}
               for k, v in runs.items()}
        loads["after_check"] = load()
        lines = [f"== check(), 1 subject, context '{check_bench.CONTEXT}', {args.checks:,} checks x {args.repeat}; "
                 f"load {loads['after_check']} ==",
                 f"{'measured':58s} {'p50 µs':>9s} {'p99 µs':>9s} {'per s':>8s} {'platform/this':>14s}"]
        for key, label in (("platform", "platform check(), committed"),
                           ("platform_service", "  the same, up to the commit (service layer)"),
                           ("platform_door", "front door answer_check(), committed"),
                           ("door_reads", "  its reads and decision alone (no write)"),
                           ("raw_lookup", "(a) raw records + list entries by digest, 1 statement"),
                           ("raw_lookup_log", "(b) (a) + 1 log row committed")):
            m = med[key]
            ratio = "" if not key.startswith("raw") else f"{med['platform']['subjects_per_s'] / m['subjects_per_s']:.3f}x"
            lines.append(f"{label:58s} {m['p50_s'] * 1e6:9,.0f} {m['p99_s'] * 1e6:9,.0f} {m['subjects_per_s']:8,.0f} "
                         f"{ratio:>14s}")
        lines.append(f"p99 target <= 2,000 µs: {check_bench.p99_verdict(med['platform']['p99_s'])} (committed), "
                     f"{check_bench.p99_verdict(med['platform_service']['p99_s'])} (service layer), "
                     f"{check_bench.p99_verdict(med['platform_door']['p99_s'])} (front door, committed)")
        applied = {k: sum(r.get("subjects_with_measures", 0) for r in runs[k]) for k in ("platform", "platform_door")}
        lines.append(f"checks that returned a measure: check() {applied['platform']:,} of {args.checks * args.repeat:,}, "
                     f"front door {applied['platform_door']:,} of {args.checks * args.repeat:,}")
        if not applied["platform"]:
            lines.append("warning: no check returned a measure (are the measures announced?): this measures the "
                         "decision only")
        print("\n".join(lines) + "\n", flush=True)
        results["check"] = {"runs": runs, "median": med, "table": "\n".join(lines), "load": loads["after_check"]}

    if mark is not None:
        results["raw_log_rows_deleted"] = _drop_raw_log_rows(engine, mark)
        log(f"  {results['raw_log_rows_deleted']:,} log rows of the raw baselines (no audit event) deleted")

    # (c) the purge: K revoked through the workflow, then ``xinyong purge``'s path in a child
    if "purge" in args.only:
        with engine.connect() as c:
            pending_before = c.exec_driver_sql("SELECT count(*) FROM record_action WHERE action IN ('revoke', "
                                               "'delete') AND done_at IS NULL").scalar()
        t = time.perf_counter()
        revoked = revoke_some(engine, args.purge, args.seed + 31)
        revoke_s = time.perf_counter() - t
        loads["before_purge"] = load()
        out = run_child("purge", database)
        loads["after_purge"] = load()
        print(f"== purge: {len(revoked)} records revoked through the workflow in {revoke_s:.1f} s (+ {pending_before} "
              f"pending from the build); `xinyong purge` path (deletion.purge + scrub_storage) in a child: deleted "
              f"{out['deleted']}, purge {out['purge_s']:.1f} s, scrub (VACUUM of {len(out['scrubbed'])} tables) "
              f"{out['scrub_s']:.1f} s, total {out['seconds']:.1f} s; peak RSS {out['peak_rss_kb'] / 1024:,.0f} MB "
              f"(child before the step {out['peak_before_kb'] / 1024:,.0f} MB); load {loads['after_purge']} ==\n",
              flush=True)
        results["purge"] = {"revoked": len(revoked), "revoke_s": revoke_s, "pending_before": pending_before, **out}

    # (d) audit verify over the world, in a child
    if "verify" in args.only:
        loads["before_verify"] = load()
        out = run_child("verify", database)
        loads["after_verify"] = load()
        print(f"== audit verify: {'OK' if out['ok'] else 'PROBLEMS'} ({out['problem_count']} problem(s)), "
              f"{out['events']:,} events, {out['records']:,} records, {out['import_events']:,} import events, "
              f"{sum(out['rows'].values()):,} other bound rows; {out['seconds']:.1f} s; peak RSS "
              f"{out['peak_rss_kb'] / 1024:,.0f} MB (child before the step {out['peak_before_kb'] / 1024:,.0f} MB); "
              f"load {loads['after_verify']} ==", flush=True)
        for p in out["problems"][:5]:
            print(f"  problem: {p}")
        print()
        results["verify"] = out
    engine.dispose()
    results["load"] = loads
    results["database_bytes_after"] = database_size(database)
    print(f"database {database}: {mb(results['database_bytes_after'])}\n", flush=True)
    return results


# ------------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------------


def add_arguments(ap: argparse.ArgumentParser) -> None:
    sub = ap.add_subparsers(dest="world_command", required=True)
    b = sub.add_parser("build", help="build a world of N records by COPY (kept)")
    b.add_argument("--records", type=int, required=True)
    b.add_argument("--database", default=DEFAULT_DB)
    b.add_argument("--seed", type=int, default=SEED)
    b.add_argument("--replace", action="store_true", help="drop the database first if it exists")
    b.add_argument("--workers", type=int, default=2, help="processes generating, validating and copying side by "
                   "side (default 2)")
    b.set_defaults(run=build)
    m = sub.add_parser("measure", help="inquiry, check, purge and audit verify against the kept world")
    m.add_argument("--database", default=DEFAULT_DB)
    m.add_argument("--inquiries", type=int, default=2000)
    m.add_argument("--checks", type=int, default=500)
    m.add_argument("--repeat", type=int, default=3)
    m.add_argument("--purge", type=int, default=100, help="records revoked then purged")
    m.add_argument("--seed", type=int, default=SEED)
    m.add_argument("--scale-from", action="append", default=[], metavar="NAME",
                   help="a smaller world measured first, the same way (repeatable): the scale lines compare them")
    m.add_argument("--only", default="inquiry,check,purge,verify",
                   type=lambda s: {x.strip() for x in s.split(",") if x.strip()},
                   help="comma-separated subset of inquiry,check,purge,verify")
    m.set_defaults(run=measure)
    from . import partition_bench

    pt = sub.add_parser("partition", help="record against a copy hash-partitioned by subject_id, in the kept world: "
                        "the inquiry's and check's reads, deletes, audit verify's pass, plan time (copy dropped)")
    partition_bench.add_arguments(pt)
    d = sub.add_parser("drop", help="drop the world's database and its key ring")
    d.add_argument("--database", default=DEFAULT_DB)
    d.set_defaults(run=drop)


def main(args: argparse.Namespace) -> int:
    return args.run(args)


if __name__ == "__main__":
    import bench  # noqa: F401 - the pinned environment (bench/__init__.py)

    if len(sys.argv) >= 3 and sys.argv[1:3] == ["--child", "build-part"]:
        url_, records_, seed_, k_, workers_ = sys.argv[3:8]
        last_ = [time.perf_counter()]

        def say(n: int) -> None:
            if time.perf_counter() - last_[0] > 60:
                last_[0] = time.perf_counter()
                log(f"  worker {k_}: {n:,} records; load {load()}")
        out_ = build_part(url_, int(records_), int(seed_), int(k_), int(workers_), say)
        print("RESULT " + json.dumps(out_), flush=True)
        sys.exit(0)
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        sys.exit(child_main(sys.argv[2:]))
    print("usage: python -m bench world build|measure|drop", file=sys.stderr)
    sys.exit(2)
