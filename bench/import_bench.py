"""``python -m bench import``: bulk import through the platform against the raw database, same rows.

Per database and per repeat, in a fresh database (SQLite: a new file in a temp dir; PostgreSQL: a
new schema of its own, dropped at the end):

1. the platform schema by the migrations, the demo units registered (not timed);
2. **platform**: every demo file imported through the real path, as the CLI does it
   (``importer.open_batch`` + ``importer.run_import``, chunks of 5,000) — timed;
3. the stored rows (``service.RECORD_COLUMNS``) read back as tuples, exactly as stored (not timed);
4. **baselines**: the same tuples written by the plain driver into ``record_raw``, a copy of
   ``record`` with the same columns, constraints (foreign keys included) and indexes — timed.

``--memory``: instead of the throughput tables, the peak RSS of a platform import of one large file
(1M rows unless ``--rows`` says otherwise) in a child process.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import itertools
import json
import math
import os
import pstats
import re
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from .common import (
    selected_databases,
    RESULTS_DIR,
    TODAY,
    Measure,
    Stopwatch,
    log,
    pg_connect,
    pg_schema,
    pg_schema_url,
    render_table,
    tmp_root,
    write_results,
)

# Targets from /work/shared/performance.md (platform rate / baseline rate).
TARGET_PG_COPY = 0.5
TARGET_SQLITE_EXECUTEMANY = 0.5
TARGET_PEER = 3.0
TARGET_MEMORY_MB = 500

SQLITE_PRAGMAS = (  # what xinyong.db._sqlite_pragmas sets on every connection
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA secure_delete=ON",
)


# ------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------


def write_demo_files(rows: int, folder: Path, seed: int = 20171001):
    """The demo generator's units and all its files for ``rows`` records (the catalog's real mix)."""
    from xinyong.demo.generate import generate, write_csv

    folder.mkdir(parents=True, exist_ok=True)
    units, files = generate(rows, seed=seed, today=TODAY)
    out = []
    for f in files:
        path = folder / f.filename
        write_csv(f, path)
        out.append((f, path))
    return units, out


def write_single_file(rows: int, folder: Path, fmt: str = "CF", seed: int = 20171001):
    """One file of exactly ``rows`` rows in ``fmt`` (the biggest such demo file, cut to size)."""
    import csv

    from xinyong.demo.generate import generate

    folder.mkdir(parents=True, exist_ok=True)
    units, files = generate(1000, seed=seed, today=TODAY)
    share = max(f.count for f in files if f.fmt == fmt) / 1000
    units, files = generate(math.ceil(rows / share * 1.02) + 100, seed=seed, today=TODAY)
    f = max((f for f in files if f.fmt == fmt), key=lambda f: f.count)
    assert f.count >= rows, (f.count, rows)
    path = folder / f"{fmt}-{rows}-{f.filename}"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(f.columns)
        w.writerows([r[c] for c in f.columns] for r in itertools.islice(f.iter_rows(), rows))
    return units, f, path


# ------------------------------------------------------------------------------------------------
# The platform's path
# ------------------------------------------------------------------------------------------------


def platform_setup(url: str, demo_units):
    """Migrations and units, as ``xinyong db upgrade`` + ``xinyong unit add`` do. Returns (engine, actors)."""
    from xinyong.auth import CONSOLE, Actor
    from xinyong.db import make_engine, session_scope
    from xinyong.migrations import upgrade
    from xinyong.unit import service as units

    engine = make_engine(url)
    upgrade(engine)
    actors = {}
    with session_scope(engine) as s:
        for u in demo_units:
            unit, _token = units.add_unit(
                s, name=u.name, kind=u.kind, uscc=u.uscc, provides=list(u.provides),
                inquires=list(u.inquires), purposes=list(u.purposes), published_on=TODAY, actor=CONSOLE,
                subkind="court" if u.kind == "judicial" else None)
            s.flush()
            # What ``xinyong import --unit CODE`` acts as (console.acting_for).
            actors[u.uscc] = Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer="console")
    return engine, actors


def platform_import(engine, actors, files) -> dict:
    """Every file through ``open_batch`` + ``run_import``, exactly as the CLI does. Returns totals."""
    from xinyong.record import importer

    totals = {"rows": 0, "accepted": 0, "already_present": 0, "rejected": 0, "files": 0}
    for unit_uscc, path in files:
        actor = actors[unit_uscc]
        batch_id = importer.open_batch(engine, unit_uscc=unit_uscc, filename=path.name,
                                       sha256=importer.sha256_of(path), actor=actor)
        result = importer.run_import(engine, batch_id=batch_id, path=path, actor=actor, today=TODAY,
                                     chunk_rows=5000)
        totals["files"] += 1
        for k in ("rows", "accepted", "already_present", "rejected"):
            totals[k] += getattr(result, k)
    return totals


# ------------------------------------------------------------------------------------------------
# SQLite baselines
# ------------------------------------------------------------------------------------------------


def sqlite_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT below
    for p in SQLITE_PRAGMAS:
        conn.execute(p)
    return conn


def sqlite_stored_rows(path: Path) -> list[tuple]:
    from xinyong.record.service import RECORD_COLUMNS

    conn = sqlite_connect(path)
    try:
        return conn.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM record ORDER BY id").fetchall()
    finally:
        conn.close()


def sqlite_create_raw(conn: sqlite3.Connection) -> None:
    """``record_raw``: the DDL of ``record`` (columns, keys, foreign keys, unique) and its indexes."""
    conn.execute("DROP TABLE IF EXISTS record_raw")
    for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'record' AND sql IS NOT NULL "
                               "ORDER BY type DESC").fetchall():  # table first, then its indexes
        # (quoted once a migration rebuilt the table: 0014)
        sql = re.sub(r'^CREATE TABLE "?record"? \(', "CREATE TABLE record_raw (", sql)
        sql = re.sub(r"^CREATE (UNIQUE )?INDEX (\w+) ON record \(",
                     lambda m: f"CREATE {m.group(1) or ''}INDEX {m.group(2).replace('record', 'record_raw', 1)}"
                               " ON record_raw (", sql)
        sql = re.sub(r"CONSTRAINT (\w+)_record(_?\w*) ", r"CONSTRAINT \1_record_raw\2 ", sql)
        assert "record_raw" in sql, sql
        conn.execute(sql)


def sqlite_executemany(path: Path, rows: list[tuple]) -> float:
    from xinyong.record.service import RECORD_COLUMNS

    conn = sqlite_connect(path)
    try:
        sqlite_create_raw(conn)
        sql = (f"INSERT INTO record_raw ({', '.join(RECORD_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(RECORD_COLUMNS))})")
        with Stopwatch() as sw:
            conn.execute("BEGIN")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
        n = conn.execute("SELECT count(*) FROM record_raw").fetchone()[0]
        assert n == len(rows), (n, len(rows))
        conn.execute("DROP TABLE record_raw")
        return sw.seconds
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------------
# PostgreSQL baselines
# ------------------------------------------------------------------------------------------------


def pg_stored_rows(schema: str) -> tuple[list[tuple], list[str]]:
    """The stored rows (``content`` as its stored JSON text) and the binary COPY type of each column."""
    from xinyong.record.service import RECORD_COLUMNS

    with pg_connect(schema) as conn:
        types = dict(conn.execute(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = 'record'::regclass AND a.attnum > 0 AND NOT a.attisdropped").fetchall())
        cols = ", ".join(f"{c}::text" if types[c] == "json" else c for c in RECORD_COLUMNS)
        rows = conn.execute(f"SELECT {cols} FROM record ORDER BY id").fetchall()
    # json's binary wire format is its text: the stored text is sent as is, with the text dumper.
    copy_types = ["text" if types[c] == "json" else types[c] for c in RECORD_COLUMNS]
    return rows, copy_types


def pg_create_raw(conn) -> None:
    """``record_raw (LIKE record INCLUDING ALL)`` plus ``record``'s foreign keys (LIKE omits them),
    so the baseline pays the same constraint checks as the platform."""
    conn.execute("DROP TABLE IF EXISTS record_raw")
    conn.execute("CREATE TABLE record_raw (LIKE record INCLUDING ALL)")
    fks = conn.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'record'::regclass AND contype = 'f'").fetchall()
    for name, definition in fks:
        conn.execute(f"ALTER TABLE record_raw ADD CONSTRAINT {name.replace('record', 'record_raw', 1)} "
                     f"{definition}")
    conn.commit()


def pg_copy_binary(schema: str, rows: list[tuple], types: list[str], *, foreign_keys: bool = True) -> float:
    from xinyong.record.service import RECORD_COLUMNS

    cols = ", ".join(RECORD_COLUMNS)
    with pg_connect(schema) as conn:
        pg_create_raw(conn)
        if not foreign_keys:
            for (name,) in conn.execute("SELECT conname FROM pg_constraint WHERE conrelid = "
                                        "'record_raw'::regclass AND contype = 'f'").fetchall():
                conn.execute(f"ALTER TABLE record_raw DROP CONSTRAINT {name}")
            conn.commit()
        with Stopwatch() as sw:
            with conn.cursor() as cur, cur.copy(f"COPY record_raw ({cols}) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(types)
                for r in rows:
                    cp.write_row(r)
            conn.commit()
        n = conn.execute("SELECT count(*) FROM record_raw").fetchone()[0]
        assert n == len(rows), (n, len(rows))
        conn.execute("DROP TABLE record_raw")
        conn.commit()
    return sw.seconds


def pg_copy_staging_upsert(schema: str, rows: list[tuple], types: list[str]) -> float:
    from xinyong.record.service import RECORD_COLUMNS

    cols = ", ".join(RECORD_COLUMNS)
    with pg_connect(schema) as conn:
        pg_create_raw(conn)
        with Stopwatch() as sw:
            conn.execute("CREATE TEMP TABLE record_stage (LIKE record_raw INCLUDING DEFAULTS) ON COMMIT DROP")
            with conn.cursor() as cur, cur.copy(f"COPY record_stage ({cols}) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(types)
                for r in rows:
                    cp.write_row(r)
            conn.execute(f"INSERT INTO record_raw ({cols}) SELECT {cols} FROM record_stage "
                         "ON CONFLICT DO NOTHING")
            conn.commit()
        n = conn.execute("SELECT count(*) FROM record_raw").fetchone()[0]
        assert n == len(rows), (n, len(rows))
        conn.execute("DROP TABLE record_raw")
        conn.commit()
    return sw.seconds


# ------------------------------------------------------------------------------------------------
# The peer: nomenklatura's statement store
# ------------------------------------------------------------------------------------------------


def peer_unavailable() -> str | None:
    try:
        import nomenklatura  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return (f"nomenklatura not installed ({type(exc).__name__}): its install drags scikit-learn, "
                "scipy, duckdb, mypy, pyicu… into the venv (bench/README.md)")
    return None


def peer_load(rows: list[tuple], folder: Path) -> float:  # pragma: no cover - needs nomenklatura
    from .peer import load_statements  # only present when the peer is set up

    return load_statements(rows, folder)


# ------------------------------------------------------------------------------------------------
# One database
# ------------------------------------------------------------------------------------------------


def run_database(db: str, args, demo_units, files, data_dir: Path) -> dict:
    n_rows = sum(f.count for f, _ in files)
    import_files = [(f.unit_uscc, p) for f, p in files]
    platform = Measure("platform", "platform import (validate + provenance + audit)", n_rows)
    if db == "sqlite":
        baselines = [Measure("sqlite_executemany", "raw sqlite3 executemany, one transaction", n_rows,
                             target_ratio=TARGET_SQLITE_EXECUTEMANY)]
    else:
        baselines = [
            Measure("pg_copy_binary", "raw psycopg binary COPY", n_rows, target_ratio=TARGET_PG_COPY),
            Measure("pg_copy_staging_upsert", "raw COPY to staging + INSERT ON CONFLICT DO NOTHING",
                    n_rows, note="informative: no target"),
            Measure("pg_copy_binary_no_fk", "raw binary COPY, no foreign keys (informative)", n_rows,
                    note="informative: record_raw without its four foreign keys"),
        ]
    peer = None
    if args.peer and db == "sqlite":  # the peer's target is stated for SQLite
        peer = Measure("peer_nomenklatura", "nomenklatura statement store, bulk loader", n_rows,
                       target_ratio=TARGET_PEER)
        peer.skipped = peer_unavailable()
        baselines.append(peer)
    totals_seen: list[dict] = []
    # CPU seconds of this process during each platform import (both threads): on a shared machine a steadier
    # figure than the wall clock, which also counts the time others' processes hold the cores
    platform_cpu: list[float] = []

    for rep in range(1, args.repeat + 1):
        if db == "sqlite":
            dbfile = data_dir / f"platform-{rep}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{dbfile}{suffix}").unlink(missing_ok=True)
            engine, actors = platform_setup(f"sqlite:///{dbfile}", demo_units)
            try:
                log(f"sqlite repeat {rep}/{args.repeat}: platform import of {n_rows:,} rows…")
                cpu = time.process_time()
                with Stopwatch() as sw:
                    totals = platform_import(engine, actors, import_files)
                cpu = time.process_time() - cpu
            finally:
                engine.dispose()
            platform.seconds.append(sw.seconds)
            platform_cpu.append(cpu)
            totals_seen.append(totals)
            log(f"  platform {sw.seconds:.2f} s ({n_rows / sw.seconds:,.0f} rows/s; this process's CPU {cpu:.2f} s) "
                f"{totals}")
            rows = sqlite_stored_rows(dbfile)
            _check_rows(rows, n_rows, totals)
            s = sqlite_executemany(dbfile, rows)
            baselines[0].seconds.append(s)
            log(f"  executemany {s:.2f} s ({len(rows) / s:,.0f} rows/s)")
            if peer is not None and not peer.skipped:
                s = peer_load(rows, data_dir / f"peer-{rep}")
                peer.seconds.append(s)
                log(f"  peer {s:.2f} s")
            del rows
            for suffix in ("", "-wal", "-shm"):
                Path(f"{dbfile}{suffix}").unlink(missing_ok=True)
        else:
            with pg_schema("import") as schema:
                engine, actors = platform_setup(pg_schema_url(schema), demo_units)
                try:
                    log(f"postgresql repeat {rep}/{args.repeat} (schema {schema}): platform import of "
                        f"{n_rows:,} rows…")
                    cpu = time.process_time()
                    with Stopwatch() as sw:
                        totals = platform_import(engine, actors, import_files)
                    cpu = time.process_time() - cpu
                finally:
                    engine.dispose()
                platform.seconds.append(sw.seconds)
                platform_cpu.append(cpu)
                totals_seen.append(totals)
                log(f"  platform {sw.seconds:.2f} s ({n_rows / sw.seconds:,.0f} rows/s; this process's CPU "
                    f"{cpu:.2f} s) {totals}")
                rows, types = pg_stored_rows(schema)
                _check_rows(rows, n_rows, totals)
                s = pg_copy_binary(schema, rows, types)
                baselines[0].seconds.append(s)
                log(f"  binary COPY {s:.2f} s ({len(rows) / s:,.0f} rows/s)")
                s = pg_copy_staging_upsert(schema, rows, types)
                baselines[1].seconds.append(s)
                log(f"  COPY staging + INSERT … ON CONFLICT {s:.2f} s ({len(rows) / s:,.0f} rows/s)")
                s = pg_copy_binary(schema, rows, types, foreign_keys=False)
                baselines[2].seconds.append(s)
                log(f"  binary COPY without foreign keys {s:.2f} s ({len(rows) / s:,.0f} rows/s)")
                del rows

    title = (f"== {'SQLite' if db == 'sqlite' else 'PostgreSQL'}: import of {n_rows:,} demo rows "
             f"({len(files)} files, the catalog's mix), {args.repeat} repeat(s), median and range ==")
    table, ratios = render_table(title, platform, baselines)
    notes = []
    for r in ratios:
        if r["ratio"] is not None and r["target"] and r["ratio"] < r["target"] / 2:
            notes.append(f"note: the platform is far from the target against {r['baseline']}: "
                         f"{r['ratio']:.3f}x where the target is >= {r['target']:g}x.")
    if platform_cpu:
        cpu = sorted(platform_cpu)
        notes.append(f"platform import, this process's CPU: median {cpu[len(cpu) // 2]:.2f} s "
                     f"(range {cpu[0]:.2f}-{cpu[-1]:.2f})")
    if any(t["rejected"] or t["already_present"] for t in totals_seen):
        notes.append(f"note: not every row was accepted: {totals_seen[0]}")
    text = table + ("\n" + "\n".join(notes) if notes else "")
    return {"db": db, "rows": n_rows, "files": len(files), "repeat": args.repeat, "table": text,
            "platform": platform.as_dict(), "baselines": [b.as_dict() for b in baselines],
            "ratios": ratios, "platform_totals": totals_seen, "platform_cpu_seconds": platform_cpu}


def _check_rows(rows: list[tuple], n_rows: int, totals: dict) -> None:
    if len(rows) != totals["accepted"]:
        raise RuntimeError(f"read back {len(rows)} records, the platform accepted {totals['accepted']}")
    if totals["accepted"] != n_rows:
        log(f"  warning: the platform accepted {totals['accepted']:,} of {n_rows:,} rows: {totals}")


# ------------------------------------------------------------------------------------------------
# Memory
# ------------------------------------------------------------------------------------------------


def memory_child(argv: list[str]) -> int:
    """In a child process: set up a fresh database, import one file, print JSON (own peak RSS too)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--unit", required=True)
    ap.add_argument("--setup-only", action="store_true")
    a = ap.parse_args(argv)
    from xinyong.demo.generate import demo_units

    engine, actors = platform_setup(a.url, demo_units())
    out = {"setup_only": a.setup_only}
    if not a.setup_only:
        with Stopwatch() as sw:
            out["totals"] = platform_import(engine, actors, [(a.unit, a.file)])
        out["seconds"] = sw.seconds
    engine.dispose()
    out["self_maxrss_mb"] = _own_peak_mb()
    print(json.dumps(out))
    return 0


def _own_peak_mb() -> float:
    """This process's peak RSS. ``VmHWM`` starts afresh at exec; ``ru_maxrss`` may carry the parent's
    high-water mark over the fork (Linux), so it is only the fallback."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_child(args: list[str]) -> tuple[dict, float]:
    """Run a child; return its JSON and RUSAGE_CHILDREN's peak RSS (MB) after it was waited for."""
    cmd = [sys.executable, "-m", "bench.import_bench", "--memory-child", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return json.loads(proc.stdout.strip().splitlines()[-1]), peak


def run_memory(db: str, rows: int, data_dir: Path, path: Path, unit_uscc: str) -> dict:
    from contextlib import nullcontext

    ctx = pg_schema("memory") if db == "postgresql" else nullcontext(None)
    with ctx as schema:
        if db == "sqlite":
            url_setup = f"sqlite:///{data_dir / 'memory-setup.db'}"
            url = f"sqlite:///{data_dir / 'memory.db'}"
        else:
            url_setup = None
            url = pg_schema_url(schema)
        if url_setup:  # the interpreter + platform + a migrated database, no rows: the floor
            setup, _ = _run_child(["--url", url_setup, "--unit", unit_uscc, "--setup-only"])
        else:
            with pg_schema("memsetup") as s2:
                setup, _ = _run_child(["--url", pg_schema_url(s2), "--unit", unit_uscc, "--setup-only"])
        log(f"{db}: memory child importing {rows:,} rows from one file…")
        child, peak = _run_child(["--url", url, "--file", str(path), "--unit", unit_uscc])
    for name in ("memory.db", "memory.db-wal", "memory.db-shm", "memory-setup.db", "memory-setup.db-wal",
                 "memory-setup.db-shm"):
        (data_dir / name).unlink(missing_ok=True)
    import_peak = child["self_maxrss_mb"]
    ok = import_peak < TARGET_MEMORY_MB
    return {
        "db": db, "rows": rows, "file": path.name, "file_mb": path.stat().st_size / 2**20,
        "peak_rss_mb": import_peak, "rusage_children_peak_mb": peak,  # max over every child so far
        "setup_only_peak_rss_mb": setup["self_maxrss_mb"], "import_seconds": child.get("seconds"),
        "rows_per_s": rows / child["seconds"] if child.get("seconds") else None,
        "totals": child.get("totals"), "target_mb": TARGET_MEMORY_MB,
        "verdict": "meets target" if ok else f"OVER TARGET ({import_peak:.0f} MB >= {TARGET_MEMORY_MB} MB)",
    }


def render_memory(results: list[dict]) -> str:
    lines = ["== memory: peak RSS of a platform import of one file, in a child process =="]
    header = ("db", "rows", "file MB", "setup-only MB", "import peak MB", "target", "import s", "rows/s",
              "verdict")
    body = [(r["db"], f"{r['rows']:,}", f"{r['file_mb']:.0f}", f"{r['setup_only_peak_rss_mb']:.0f}",
             f"{r['peak_rss_mb']:.0f}", f"< {r['target_mb']} MB", f"{r['import_seconds']:.1f}",
             f"{r['rows_per_s']:,.0f}", r["verdict"]) for r in results]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(header)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for b in body:
        lines.append("  ".join(c.ljust(w) if i in (0, 8) else c.rjust(w)
                               for i, (c, w) in enumerate(zip(b, widths))).rstrip())
    lines.append("import peak = the importing child's own peak RSS (VmHWM); setup-only = the same child "
                 "with the platform loaded and a migrated database but no rows: the floor the import adds to.")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------------


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--rows", type=int, default=None,
                    help="records to import (default 100,000; with --memory, 1,000,000)")
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median and range)")
    ap.add_argument("--peer", action="store_true",
                    help="also the nomenklatura statement store (if installed), SQLite")
    ap.add_argument("--memory", action="store_true",
                    help="instead: peak RSS of a platform import of one file of --rows rows (default 1M)")
    ap.add_argument("--profile", action="store_true",
                    help="also: cProfile one platform import per --db (SQLite; PostgreSQL: its main thread) "
                         "and save the top functions")
    ap.add_argument("--one-file", action="store_true",
                    help="one CF file of --rows rows (a unit's whole upload: most of its subjects new to the "
                         "platform) instead of the demo's 12 files (which name each subject about five times)")
    ap.add_argument("--seed", type=int, default=20171001)


def main(args: argparse.Namespace) -> int:
    dbs = selected_databases(args.db)
    if not dbs:
        return 0
    data_dir = tmp_root() / "data"
    data_dir.mkdir(parents=True, exist_ok=True)

    if args.memory:
        rows = args.rows or 1_000_000
        log(f"writing one CF file of {rows:,} rows (in a child, so that this process stays small)…")
        proc = subprocess.run([sys.executable, "-m", "bench.import_bench", "--write-file", str(rows),
                               str(data_dir), str(args.seed)], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent.parent, check=True)
        unit_uscc, path = proc.stdout.split()[-2:]
        path = Path(path)
        results = [run_memory(db, rows, data_dir, path, unit_uscc) for db in dbs]
        text = render_memory(results)
        print(text)
        out = write_results("import-memory", {"args": vars(args), "results": results, "table": text})
        print(f"\nresults: {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
        return 0

    rows = args.rows or 100_000
    t = time.perf_counter()
    if args.one_file:
        log(f"writing one CF file of {rows:,} rows…")
        demo_units, one, path = write_single_file(rows, data_dir / "files", seed=args.seed)
        files = [(dataclasses.replace(one, count=rows), path)]  # the demo file cut to ``rows``
    else:
        log(f"writing the demo files for {rows:,} records…")
        demo_units, files = write_demo_files(rows, data_dir / "files", seed=args.seed)
    log(f"  {len(files)} file(s) in {time.perf_counter() - t:.1f} s (not timed)")
    results = []
    for db in dbs:
        r = run_database(db, args, demo_units, files, data_dir)
        print(r["table"] + "\n", flush=True)
        results.append(r)
    if args.profile:
        for db in dbs:
            prof = profile_import(db, demo_units, files, data_dir)
            print(prof["summary"])
            results.append({"db": db, "profile": prof})
    out = write_results("import", {"args": vars(args), "results": results})
    print(f"results: {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0


def profile_import(db: str, demo_units, files, data_dir: Path, top: int = 30) -> dict:
    """cProfile of one platform import; the stats go to bench/results/import-profile.pstats (SQLite) or
    import-profile-postgresql.pstats. On PostgreSQL only the importing thread is profiled: a chunk's store
    runs on the importer's storer thread (``importer._Storer``), and what the importing thread waits for it
    shows as ``_Storer.wait``."""
    from contextlib import nullcontext

    name = "import-profile.pstats" if db == "sqlite" else f"import-profile-{db}.pstats"
    ctx = pg_schema("profile") if db == "postgresql" else nullcontext(None)
    with ctx as schema:
        if db == "sqlite":
            dbfile = data_dir / "profile.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{dbfile}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{dbfile}"
        else:
            url = pg_schema_url(schema)
        engine, actors = platform_setup(url, demo_units)
        prof = cProfile.Profile()
        prof.enable()
        platform_import(engine, actors, [(f.unit_uscc, p) for f, p in files])
        prof.disable()
        engine.dispose()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(RESULTS_DIR / name)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    buf2 = io.StringIO()
    pstats.Stats(prof, stream=buf2).sort_stats("tottime").print_stats(top)
    return {"summary": f"== profile, {db} (cumulative) ==\n" + buf.getvalue() + f"\n== profile, {db} (tottime) ==\n"
                       + buf2.getvalue(), "pstats": str(RESULTS_DIR / name)}


if __name__ == "__main__":  # the memory child: python -m bench.import_bench --memory-child …
    if len(sys.argv) > 1 and sys.argv[1] == "--memory-child":
        import bench  # noqa: F401 - pins the environment (inherited from the parent)

        sys.exit(memory_child(sys.argv[2:]))
    if len(sys.argv) == 5 and sys.argv[1] == "--write-file":
        import bench  # noqa: F401

        _u, _f, _p = write_single_file(int(sys.argv[2]), Path(sys.argv[3]), seed=int(sys.argv[4]))
        print(_f.unit_uscc, _p)
        sys.exit(0)
    print("use: python -m bench import …", file=sys.stderr)
    sys.exit(2)
