"""``python -m bench inquiry``: inquiries through the platform against the raw database, same tables.

Per database and per data size, in a fresh database (SQLite: a new file in a temp dir; PostgreSQL: a
new schema of its own, dropped at the end):

1. the platform schema by the migrations, the demo units registered, every demo file imported through
   the platform's importer (as ``import_bench`` does), an officer added to the Pudong market regulator
   (an administrative organ whose published list — penalty, licence, market-ban, judgment-default, all
   public items — covers the purpose ``permit``) and its token authenticated: not timed;
2. per repeat, ``--inquiries`` subjects drawn at random (seeded) among the subjects that have records,
   the same draw for every path of that repeat:
   - **platform**: ``inquiry.service.inquire(session, actor=officer, subject=<identifier>,
     purpose="permit", channel="api")`` inside ``db.session_scope(engine)`` — commit included (the log
     row and its audit event are committed before the answer leaves), one inquiry at a time;
   - **baselines** with the plain driver (``sqlite3`` / psycopg 3, autocommit), same tables, same
     indexes: (a) the subject's records by subject id (``record`` alone), (a') the same lookup by the
     identifier's digest (the platform's own statement: subject ⋈ record ⋈ unit ⋈ catalog, ordered),
     one statement each; (b) (a') plus one ``inquiry_log`` row inserted and committed; (b') (a) plus
     the committed row;
3. at the larger size only: with ``--http``, uvicorn serving ``xinyong.app.create_app(engine)`` and a
   constant-JSON FastAPI app (same server, workers=1), each loaded by ``wrk -t2 -c8 -d10s`` on
   127.0.0.1; with ``--profile``, a cProfile of 500 platform inquiries.

Scale: the platform's p50 at ``--scale-records`` (default ``--records``/10) and at ``--records``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path

from .common import (
    as_served,
    selected_databases,
    RESULTS_DIR,
    Measure,
    alembic_head,
    keep_names,
    log,
    pg_connect,
    pg_create_schema,
    pg_drop_schema,
    pg_schema,
    pg_schema_exists,
    pg_schema_url,
    read_marker,
    render_table,
    sqlite_unlink,
    tmp_root,
    verdict,
    write_marker,
    write_results,
)
from .import_bench import platform_import, platform_setup, sqlite_connect, write_demo_files

# Targets from /work/shared/performance.md.
TARGET_PG_LOOKUP = 0.5          # platform rate >= 0.5 x raw lookup alone (PostgreSQL)
TARGET_SQLITE_LOOKUP_LOG = 0.5  # platform rate >= 0.5 x raw lookup + committed log row (SQLite)
TARGET_P99_S = 0.001            # p99 <= 1 ms (both)
TARGET_SCALE = 1.5              # p50 at the larger size <= 1.5 x p50 at the smaller
TARGET_HTTP = 0.4               # platform requests/s >= 0.4 x constant-JSON ceiling

ORGAN_SHORT = "pdsamr"  # 上海市浦东新区市场监督管理局: penalty, licence, market-ban, judgment-default
PURPOSE = "permit"
PROFILE_INQUIRIES = 500
WARMUP = 100
ROOT = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------------------------------------
# Raw statements (the platform's tables; ``{p}`` is the driver's placeholder)
# ------------------------------------------------------------------------------------------------

_RECORD_COLS = ("r.id, r.item_code, r.untrustworthy, r.doc_no, r.doc_date, r.doc_org, r.conduct_date, "
                "r.ended_on, r.ended_on_source, r.amount_yuan, r.content, r.status, r.objection_open, "
                "r.version, r.batch_id, r.line_no, r.received_at")
# (a) the subject's records by subject id: record alone (ix_record_subject_item)
LOOKUP_BY_ID = f"SELECT {_RECORD_COLS} FROM record r WHERE r.subject_id = {{p}} ORDER BY r.doc_date DESC, r.id"
# (a') by the identifier's digest: the same statement the platform runs (inquiry.service._SUBJECT_RECORDS)
LOOKUP_BY_DIGEST = (
    f"SELECT s.id, s.kind, s.name, s.identifier, {_RECORD_COLS}, u.name, u.uscc, c.name_zh, c.name_en "
    "FROM subject s LEFT OUTER JOIN record r ON r.subject_id = s.id "
    "LEFT OUTER JOIN unit u ON u.id = r.unit_id LEFT OUTER JOIN catalog_item c ON c.code = r.item_code "
    "WHERE s.identifier_digest = {p} ORDER BY r.doc_date DESC, r.id"
)
INSERT_LOG = (
    "INSERT INTO inquiry_log (at, subject_id, subject_digest, actor_role, unit_id, officer_id, officer_label, "
    "channel, purpose, case_no, authorization_id, decision, article, reason, items, record_ids) "
    "VALUES ({p}, {p}, NULL, {p}, {p}, {p}, {p}, {p}, {p}, NULL, NULL, {p}, {p}, {p}, {j}, {j})"
)
_LOG_ITEMS = json.dumps(["judgment-default", "licence", "market-ban", "penalty"])
_LOG_REASON = f"published inquiry list, purpose '{PURPOSE}'"


# ------------------------------------------------------------------------------------------------
# Statistics
# ------------------------------------------------------------------------------------------------


def _pct(sorted_xs: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_xs:
        return float("nan")
    k = max(0, min(len(sorted_xs) - 1, int(round(q * len(sorted_xs) + 0.5)) - 1))
    return sorted_xs[k]


def lat_stats(lat: list[float], wall: float) -> dict:
    xs = sorted(lat)
    return {"n": len(xs), "p50_s": _pct(xs, 0.50), "p99_s": _pct(xs, 0.99), "mean_s": statistics.fmean(xs),
            "max_s": xs[-1], "wall_s": wall, "per_s": len(xs) / wall if wall else None}


class Path_:
    """One measured path over the repeats: per-repeat latency stats, wall times, answer sizes."""

    def __init__(self, key: str, label: str, target_ratio: float | None = None, note: str | None = None):
        self.key, self.label, self.target_ratio, self.note = key, label, target_ratio, note
        self.runs: list[dict] = []

    def add(self, lat: list[float], wall: float, **extra) -> dict:
        st = lat_stats(lat, wall)
        st.update(extra)
        self.runs.append(st)
        return st

    def med(self, field: str) -> float:
        return statistics.median(r[field] for r in self.runs)

    def rng(self, field: str) -> tuple[float, float]:
        return min(r[field] for r in self.runs), max(r[field] for r in self.runs)

    def measure(self, inquiries: int) -> Measure:
        return Measure(self.key, self.label, inquiries, [r["wall_s"] for r in self.runs],
                       target_ratio=self.target_ratio, note=self.note)

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "target_ratio": self.target_ratio, "note": self.note,
                "runs": self.runs,
                "median": {f: self.med(f) for f in ("p50_s", "p99_s", "mean_s", "per_s")} if self.runs else None}


def _us(x: float) -> str:
    return f"{x * 1e6:,.0f}"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], left: tuple[int, ...] = (0,)) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    return out


def p99_verdict(p99: float) -> str:
    if p99 <= TARGET_P99_S:
        return "meets target"
    over = p99 / TARGET_P99_S
    return f"above target ({over:.1f}x over)" if over <= 2 else f"FAR ABOVE TARGET ({over:.0f}x over)"


def render_latency(title: str, paths: list[Path_]) -> str:
    header = ("measured", "inquiries", "p50 µs (range)", "p99 µs (range)", "mean µs", "inquiries/s",
              "rows/answer", "p99 target", "verdict")
    rows = []
    for p in paths:
        if not p.runs:
            continue
        lo50, hi50 = p.rng("p50_s")
        lo99, hi99 = p.rng("p99_s")
        plat = p.key == "platform"
        rows.append((p.label, f"{p.runs[0]['n']:,}", f"{_us(p.med('p50_s'))} ({_us(lo50)}-{_us(hi50)})",
                     f"{_us(p.med('p99_s'))} ({_us(lo99)}-{_us(hi99)})", _us(p.med("mean_s")),
                     f"{p.med('per_s'):,.0f}", f"{statistics.median(r['rows_per_answer'] for r in p.runs):.1f}",
                     "<= 1,000 µs" if plat else "", p99_verdict(p.med("p99_s")) if plat else ""))
    return "\n".join([title, *_table(header, rows, left=(0, 8))])


# ------------------------------------------------------------------------------------------------
# Set-up: a fresh database with the demo data imported, and the organ's officer
# ------------------------------------------------------------------------------------------------


def prepare(url: str, demo_units, files) -> dict:
    """Migrate, register the units, import every file, add the officer. Returns the world."""
    from xinyong.auth import CONSOLE
    from xinyong.db import session_scope
    from xinyong.unit import service as units

    engine, actors = platform_setup(url, demo_units)
    t = time.perf_counter()
    totals = platform_import(engine, actors, [(f.unit_uscc, p) for f, p in files])
    import_s = time.perf_counter() - t
    n_rows = sum(f.count for f, _ in files)
    if totals["accepted"] != n_rows:
        log(f"  warning: the platform accepted {totals['accepted']:,} of {n_rows:,} rows: {totals}")
    organ = next(u for u in demo_units if u.short == ORGAN_SHORT)
    with session_scope(engine) as s:
        unit = units.get_by_uscc(s, organ.uscc)
        _officer, token = units.add_officer(s, unit=unit, staff_no="BENCH-001", name="张三", items=None,
                                            purposes=None, expires_at=None, actor=CONSOLE)
    with session_scope(engine) as s:
        actor = units.authenticate(s, token)  # what deps.actor hands to the endpoint
    subjects, n_records = subjects_with_records(engine)
    return {"engine": engine, "actor": actor, "token": token, "subjects": subjects, "import_s": import_s,
            "totals": totals, "records": n_records, "organ": organ}


def subjects_with_records(engine) -> tuple[list[tuple], int]:
    """(id, identifier, digest) of every subject with records, by id; and the number of records."""
    from xinyong.subject.service import identifier_of

    with engine.connect() as c:
        # natural persons' numbers are stored encrypted (identifier holds the masked form)
        subjects = [(r.id, identifier_of(r), r.identifier_digest) for r in c.exec_driver_sql(
            "SELECT s.id, s.kind, s.identifier, s.identifier_enc, s.identifier_digest FROM subject s "
            "WHERE EXISTS (SELECT 1 FROM record r WHERE r.subject_id = s.id) ORDER BY s.id").all()]
        n_records = c.exec_driver_sql("SELECT count(*) FROM record").scalar()
    return subjects, n_records


# ------------------------------------------------------------------------------------------------
# The world of one run: fresh (dropped at the end), or kept in --keep DIR and reused
# ------------------------------------------------------------------------------------------------


def _reopen(db: str, url: str, dbfile: Path, schema: str, marker: dict | None, expect: dict,
            verify=None) -> tuple[dict | None, str]:
    """The kept world rebuilt from its marker without importing, or (None, why it cannot be reused)."""
    from xinyong.crypto import KeyError_
    from xinyong.db import make_engine, session_scope
    from xinyong.migrations import current
    from xinyong.unit import service as units

    if marker is None:
        return None, "no marker (never built, or its set-up did not finish)"
    if any(marker.get(k) != v for k, v in expect.items()):
        return None, f"the marker is for another world ({ {k: marker.get(k) for k in expect} })"
    if db == "sqlite" and not dbfile.exists():
        return None, f"{dbfile} is missing"
    if db == "postgresql" and not pg_schema_exists(schema):
        return None, f"schema {schema} is missing"
    head = alembic_head()
    engine = make_engine(url)
    ok = False
    try:
        rev = current(engine)
        if rev != head or marker.get("alembic_revision") != head:
            return None, (f"built at revision {marker.get('alembic_revision')} (the database says {rev}), the "
                          f"migrations' head is {head}")
        try:
            with session_scope(engine) as s:
                actor = units.authenticate(s, marker["token"])
        except Exception as exc:  # noqa: BLE001 - the reason to rebuild
            return None, f"the marker's token does not authenticate ({type(exc).__name__}: {exc})"
        try:
            subjects, n_records = subjects_with_records(engine)
        except KeyError_ as exc:
            return None, f"its identifiers cannot be read ({exc})"
        if n_records != marker.get("records") or len(subjects) != marker.get("subjects"):
            return None, (f"{n_records:,} records / {len(subjects):,} subjects in the database, the marker says "
                          f"{marker.get('records')} / {marker.get('subjects')}")
        why = verify(engine, marker) if verify else None
        if why:
            return None, why
        ok = True
        return {"engine": engine, "actor": actor, "token": marker["token"], "subjects": subjects,
                "import_s": marker.get("import_s"), "totals": marker.get("import_totals"), "records": n_records,
                "setup": marker.get("setup")}, ""
    finally:
        if not ok:
            engine.dispose()


@contextmanager
def world_in(db: str, bench: str, size: int, seed: int, data_dir: Path, build, *, keep: Path | None = None,
             rebuild: bool = False, verify=None) -> Iterator[dict]:
    """The world a run measures: ``build(url) -> world`` (``prepare`` plus what the benchmark adds; a
    ``setup`` dict in it goes into the marker), in a fresh database dropped at the end — or, with
    ``keep``, the world kept in that directory when its marker, its database and the migrations' head
    agree (``verify(engine, marker) -> reason | None`` may refuse it too), else built there and kept.

    The world gets ``reused`` (bool), ``setup_s`` (building or reopening it), ``where`` (file or
    schema), ``url`` and ``kept`` (the marker's path or None)."""
    t0 = time.perf_counter()
    if keep is None:
        ctx = pg_schema(bench) if db == "postgresql" else nullcontext(None)
        with ctx as schema:
            if db == "sqlite":
                dbfile = data_dir / f"{bench}-{size}.db"
                sqlite_unlink(dbfile)
                url, where = f"sqlite:///{dbfile}", dbfile
            else:
                url, where = pg_schema_url(schema), schema
            log(f"{db}: a fresh world of {size:,} records (migrate, register units, import; not timed)…")
            world = build(url)
            world.update(reused=False, setup_s=time.perf_counter() - t0, where=where, url=url, kept=None)
            _say_world(db, world)
            try:
                yield world
            finally:
                world["engine"].dispose()
                if db == "sqlite":
                    sqlite_unlink(dbfile)
        return

    keep = Path(keep).resolve()
    keep.mkdir(parents=True, exist_ok=True)
    # The kept world's natural persons are sealed with a data key: keep the key ring beside the world, or
    # the next run cannot read the identifiers it stored (the var dir is a temp dir of this run).
    os.environ["XINYONG_DATA_KEY_FILE"] = str(keep / "data-keys.json")
    dbfile, schema, marker_path = keep_names(keep, bench, size, seed, db)
    url = f"sqlite:///{dbfile}" if db == "sqlite" else pg_schema_url(schema)
    where = dbfile if db == "sqlite" else schema
    world = None
    if rebuild:
        why = "--rebuild"
    else:
        expect = {"benchmark": bench, "db": db, "size": size, "seed": seed}
        world, why = _reopen(db, url, dbfile, schema, read_marker(marker_path), expect, verify)
    if world is not None:
        marker = read_marker(marker_path) or {}
        world.update(reused=True, setup_s=time.perf_counter() - t0, where=where, url=url, kept=marker_path,
                     built_at=marker.get("built_at"), build_s=marker.get("setup_s"))
    else:
        log(f"{db}: building the kept world {where} ({why})…")
        marker_path.unlink(missing_ok=True)  # gone before the old world is: never a marker on half a world
        if db == "sqlite":
            sqlite_unlink(dbfile)
        else:
            pg_drop_schema(schema)
            pg_create_schema(schema)
        try:
            world = build(url)
            from xinyong.migrations import current

            setup_s = time.perf_counter() - t0
            setup = world.get("setup") or {}
            write_marker(marker_path, {
                "benchmark": bench, "db": db, "size": size, "seed": seed, "where": str(where),
                "records": world["records"], "subjects": len(world["subjects"]), "token": world["token"],
                "list_id": setup.get("list_id"), "setup": setup, "import_s": world["import_s"],
                "import_totals": world["totals"], "setup_s": setup_s,
                "alembic_revision": current(world["engine"]),
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        except BaseException:
            if world is not None:
                world["engine"].dispose()
            log(f"{db}: the build failed; dropping the half-built world {where}")
            if db == "sqlite":
                sqlite_unlink(dbfile)
            else:
                pg_drop_schema(schema)
            raise
        world.update(reused=False, setup_s=setup_s, where=where, url=url, kept=marker_path)
    _say_world(db, world, why)
    try:
        yield world
    finally:
        world["engine"].dispose()


def lazy_demo(size: int, folder: Path, seed: int):
    """``() -> (units, files)``: the demo files for ``size`` records, written on the first call only
    (a reused world needs none)."""
    made: list = []

    def demo():
        if not made:
            log(f"writing the demo files for {size:,} records (not timed)…")
            made.append(write_demo_files(size, folder, seed=seed))
        return made[0]
    return demo


def add_keep_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--keep", type=Path, metavar="DIR", default=None,
                    help="keep the built world in DIR (SQLite file there; PostgreSQL schema xybench_keep_…, "
                         "not dropped) and reuse it on the next run with the same --records and --seed")
    ap.add_argument("--rebuild", action="store_true", help="with --keep: build the world again even if kept")


def keep_arguments_refused(args: argparse.Namespace) -> bool:
    """``--rebuild`` without ``--keep``: says so on stderr (the caller exits 2)."""
    if args.rebuild and args.keep is None:
        print("--rebuild needs --keep DIR (without it every world is fresh anyway)", file=sys.stderr)
        return True
    return False


def _say_world(db: str, world: dict, why: str = "") -> None:
    name = "SQLite" if db == "sqlite" else "PostgreSQL"
    imp = f"import {world['import_s']:.1f} s" if world.get("import_s") is not None else "import ?"
    if world["reused"]:
        msg = (f"{name}: world REUSED from {world['where']} (built {world.get('built_at')}, set-up then "
               f"{world.get('build_s') or 0:.1f} s, {imp}); reopened in {world['setup_s']:.1f} s")
    else:
        kept = f"kept as {world['where']}, marker {world['kept']}" if world["kept"] else "dropped at the end"
        because = f" ({why})" if why else ""
        msg = f"{name}: world BUILT{because} in {world['setup_s']:.1f} s ({imp}); {kept}"
    msg += f"; {world['records']:,} records, {len(world['subjects']):,} subjects with records"
    print(msg, flush=True)


def draw(subjects: list[tuple], k: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    return [subjects[rng.randrange(len(subjects))] for _ in range(k)]


# ------------------------------------------------------------------------------------------------
# The platform's path
# ------------------------------------------------------------------------------------------------


def platform_inquiries(engine, actor, picks: list[tuple]) -> tuple[list[float], float, dict]:
    from xinyong.db import session_scope
    from xinyong.inquiry.service import inquire

    pc = time.perf_counter
    lat: list[float] = []
    answers = []
    start = pc()
    for _sid, ident, _digest in picks:
        t0 = pc()
        with session_scope(engine) as s:
            a = inquire(s, actor=actor, subject=ident, purpose=PURPOSE, channel="api")
        lat.append(pc() - t0)
        answers.append(a)
    wall = pc() - start
    allowed = sum(a.allowed for a in answers)
    return lat, wall, {"allowed": allowed, "denied": len(answers) - allowed,
                       "rows_per_answer": sum(len(a.records) for a in answers) / max(1, len(answers))}


# ------------------------------------------------------------------------------------------------
# Raw baselines
# ------------------------------------------------------------------------------------------------


def _log_params(actor, subject_id: int, record_ids: list[int]) -> tuple:
    from xinyong.clock import now

    return (now(), subject_id, actor.role, actor.unit_id, actor.officer_id, actor.officer, "api", PURPOSE,
            "allow", "Art. 17.2", _LOG_REASON, _LOG_ITEMS, json.dumps(record_ids))


def sqlite_raw(path: Path, actor, picks: list[tuple], *, by: str, log_row: bool) -> tuple[list[float], float, dict]:
    """Plain sqlite3, autocommit (isolation_level=None), the platform's pragmas."""
    lookup = (LOOKUP_BY_ID if by == "id" else LOOKUP_BY_DIGEST).format(p="?")
    insert = INSERT_LOG.format(p="?", j="?")
    rid = 0 if by == "id" else 4  # position of record.id in a row
    conn = sqlite_connect(path)
    pc = time.perf_counter
    lat: list[float] = []
    nrows = 0
    try:
        start = pc()
        for sid, _ident, digest in picks:
            t0 = pc()
            rows = conn.execute(lookup, (sid if by == "id" else digest,)).fetchall()
            if log_row:
                at, *rest = _log_params(actor, sid if by == "id" else rows[0][0], [r[rid] for r in rows])
                conn.execute(insert, (at.strftime("%Y-%m-%d %H:%M:%S.%f"), *rest))  # autocommit: committed (fsync) here
            lat.append(pc() - t0)
            nrows += len(rows)
        wall = pc() - start
    finally:
        conn.close()
    return lat, wall, {"rows_per_answer": nrows / max(1, len(picks))}


def pg_raw(schema: str, actor, picks: list[tuple], *, by: str, log_row: bool) -> tuple[list[float], float, dict]:
    """psycopg 3, autocommit: the lookup is one round trip; the log row one more, committed."""
    lookup = (LOOKUP_BY_ID if by == "id" else LOOKUP_BY_DIGEST).format(p="%s")
    insert = INSERT_LOG.format(p="%s", j="%s::json")
    rid = 0 if by == "id" else 4
    pc = time.perf_counter
    lat: list[float] = []
    nrows = 0
    with pg_connect(schema, autocommit=True) as conn:
        start = pc()
        for sid, _ident, digest in picks:
            t0 = pc()
            rows = conn.execute(lookup, (sid if by == "id" else digest,)).fetchall()
            if log_row:
                conn.execute(insert, _log_params(actor, sid if by == "id" else rows[0][0], [r[rid] for r in rows]))
            lat.append(pc() - t0)
            nrows += len(rows)
        wall = pc() - start
    return lat, wall, {"rows_per_answer": nrows / max(1, len(picks))}


def make_paths(db: str) -> list[Path_]:
    lookup_target = TARGET_PG_LOOKUP if db == "postgresql" else None
    log_target = TARGET_SQLITE_LOOKUP_LOG if db == "sqlite" else None
    return [
        Path_("platform", "platform inquire() in session_scope (policy + period + log, committed)"),
        Path_("raw_lookup_id", "(a) raw lookup by subject id, 1 statement", lookup_target),
        Path_("raw_lookup_digest", "(a') raw lookup by identifier digest (platform's join), 1 statement",
              lookup_target),
        Path_("raw_lookup_digest_log", "(b) (a') + 1 log row committed", log_target),
        Path_("raw_lookup_id_log", "(b') (a) + 1 log row committed", log_target),
    ]


def run_paths(db: str, world: dict, where, paths: list[Path_], inquiries: int, repeat: int, seed: int) -> None:
    engine, actor, subjects = world["engine"], world["actor"], world["subjects"]
    as_served()
    raw = sqlite_raw if db == "sqlite" else pg_raw
    variants = {"raw_lookup_id": ("id", False), "raw_lookup_digest": ("digest", False),
                "raw_lookup_digest_log": ("digest", True), "raw_lookup_id_log": ("id", True)}
    for rep in range(1, repeat + 1):
        picks = draw(subjects, inquiries, seed + rep)
        warm = draw(subjects, WARMUP, seed + 1000 + rep)
        for p in paths:
            if p.key == "platform":
                platform_inquiries(engine, actor, warm)
                lat, wall, extra = platform_inquiries(engine, actor, picks)
            else:
                by, log_row = variants[p.key]
                raw(where, actor, warm, by=by, log_row=log_row)
                lat, wall, extra = raw(where, actor, picks, by=by, log_row=log_row)
            st = p.add(lat, wall, **extra)
            log(f"  rep {rep}/{repeat} {p.key}: p50 {_us(st['p50_s'])} µs, p99 {_us(st['p99_s'])} µs, "
                f"{st['per_s']:,.0f}/s" + (f", allowed {extra['allowed']}/{len(picks)}" if "allowed" in extra else ""))


# ------------------------------------------------------------------------------------------------
# HTTP: uvicorn + wrk
# ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BENCH_REDIS_URL = os.environ.get("XINYONG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def constant_app():
    """The ceiling: one ``async def`` route answering a constant body with the platform's orjson response."""
    from fastapi import FastAPI

    from xinyong.responses import JSON

    app = FastAPI(default_response_class=JSON)
    body = {"inquiry_id": 1, "decision": "allow", "article": "Art. 17.2", "records": []}

    @app.post("/api/v1/inquiries")
    async def constant() -> JSON:
        return JSON(body)
    return app


def platform_app():
    """The platform as ``xinyong serve`` builds it in each worker, on the benchmark's database."""
    from xinyong.app import create_served_app
    from xinyong.db import make_engine

    return create_served_app(make_engine(os.environ["XINYONG_BENCH_SERVE_URL"]))


def serve(kind: str, url: str | None, port: int, workers: int = 1) -> None:  # in the server child
    import uvicorn

    if workers > 1:  # as ``xinyong serve --workers N`` runs them: the app built in each worker, limits in Redis
        if kind == "platform":
            from xinyong.ops.metrics import prepare_multiprocess

            os.environ["XINYONG_BENCH_SERVE_URL"] = url or ""  # (a worker re-pins XINYONG_DATABASE_URL: bench/common)
            os.environ["XINYONG_REDIS_URL"] = BENCH_REDIS_URL
            metrics_dir = tmp_root() / f"metrics-{port}"
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
            prepare_multiprocess(metrics_dir)
        target = "bench.inquiry_bench:platform_app" if kind == "platform" else "bench.inquiry_bench:constant_app"
        uvicorn.run(target, factory=True, host="127.0.0.1", port=port, workers=workers, log_level="warning",
                    access_log=False)
        return
    if kind == "platform":
        from xinyong.app import create_served_app
        from xinyong.db import make_engine

        app = create_served_app(make_engine(url))  # as ``xinyong serve`` builds it
    else:
        app = constant_app()
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants alive now (a server and its workers), from /proc:
    what a request costs the server whatever else the machine runs (throughput on 2 shared cores is not)."""
    parent: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total = 0.0
    for p, t in times.items():
        q = p
        while q and q != pid:
            q = parent.get(q, 0)
        if q == pid:
            total += t
    return total


class Server:
    def __init__(self, kind: str, url: str | None, logdir: Path, workers: int = 1):
        self.kind, self.port, self.workers = kind, free_port(), workers
        self.errlog = open(logdir / f"server-{kind}-{self.port}.log", "w")
        cmd = [sys.executable, "-m", "bench.inquiry_bench", "--serve", kind, "--port", str(self.port),
               "--workers", str(workers)]
        if url:
            cmd += ["--url", url]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.errlog, stderr=subprocess.STDOUT)

    def wait_ready(self, token: str, subject: str, timeout: float = 60) -> dict:
        import httpx

        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited ({self.proc.returncode}); see {self.errlog.name}")
            try:
                r = httpx.post(f"http://127.0.0.1:{self.port}/api/v1/inquiries", timeout=5,
                               json={"subject": subject, "purpose": PURPOSE},
                               headers={"Authorization": f"Bearer {token}"})
                if r.status_code != 200:
                    raise RuntimeError(f"{self.kind} server answered {r.status_code}: {r.text[:300]}")
                return r.json()
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.errlog.close()


WRK_LUA = """
local subjects = {%(subjects)s}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  i = (tid or 0) * 7919
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  i = i + 1
  local s = subjects[(i %% #subjects) + 1]
  return wrk.format(nil, nil, nil, '{"subject":"' .. s .. '","purpose":"%(purpose)s"}')
end
done = function(summary, latency, requests)
  io.write(string.format("WRKJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"non2xx\\": %%d, "
    .. "\\"connect\\": %%d, \\"read\\": %%d, \\"write\\": %%d, \\"timeout\\": %%d, \\"lat_mean_us\\": %%f, "
    .. "\\"lat_p50_us\\": %%d, \\"lat_p99_us\\": %%d, \\"lat_max_us\\": %%d}\\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency.mean, latency:percentile(50),
    latency:percentile(99), latency.max))
end
"""


def write_wrk_script(path: Path, token: str, identifiers: list[str]) -> Path:
    subs = ", ".join(f'"{i}"' for i in identifiers)
    path.write_text(WRK_LUA % {"subjects": subs, "token": token, "purpose": PURPOSE})
    return path


def run_wrk_on(server: "Server", script: Path, seconds: int) -> dict:
    """``run_wrk`` against a server, with the server's CPU per request over the run."""
    before = cpu_seconds(server.proc.pid)
    out = run_wrk(server.port, script, seconds)
    out["cpu_s"] = cpu_seconds(server.proc.pid) - before
    out["cpu_us_per_req"] = out["cpu_s"] / out["requests"] * 1e6 if out["requests"] else None
    return out


def run_wrk(port: int, script: Path, seconds: int, threads: int = 2, conns: int = 8) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script),
           f"http://127.0.0.1:{port}/api/v1/inquiries"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    out = json.loads(line.removeprefix("WRKJSON "))
    out["rps"] = out["requests"] / (out["duration_us"] / 1e6)
    return out


def http_unavailable() -> str | None:
    from shutil import which

    if which("wrk") is None:
        return "wrk not installed (apt-get install -y wrk)"
    try:
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return f"uvicorn not importable: {exc}"
    return None


def run_http(world: dict, url: str, repeat: int, seconds: int, seed: int, workdir: Path, workers: int = 1) -> dict:
    """Both servers started once (``workers`` processes each); wrk runs alternate platform / ceiling ``repeat``
    times. Besides requests a second, each run's server CPU per request: on a shared machine throughput moves
    with what else runs, the CPU a request costs much less."""
    identifiers = [i for _s, i, _d in draw(world["subjects"], 2000, seed + 77)]
    script = write_wrk_script(workdir / "inquiry.lua", world["token"], identifiers)
    platform, ceiling = Path_("http_platform", "POST /api/v1/inquiries (platform app)"), \
        Path_("http_constant", "constant JSON, same server (async def, orjson)", TARGET_HTTP)
    servers = []
    try:
        sp = Server("platform", url, workdir, workers)
        servers.append(sp)
        sc = Server("constant", None, workdir, workers)
        servers.append(sc)
        sample = sp.wait_ready(world["token"], identifiers[0])
        if sample.get("decision") != "allow":
            raise RuntimeError(f"the platform server denied the sample inquiry: {sample}")
        sc.wait_ready(world["token"], identifiers[0])
        for srv in (sp, sc):  # warm-up, not counted
            run_wrk(srv.port, script, 2)
        for rep in range(1, repeat + 1):
            for srv, p in ((sp, platform), (sc, ceiling)):
                w = run_wrk_on(srv, script, seconds)
                p.runs.append(w)
                log(f"  http rep {rep}/{repeat} {srv.kind} (workers {workers}, load {os.getloadavg()[0]:.1f}): "
                    f"{w['rps']:,.0f} req/s, server CPU {w['cpu_us_per_req'] or 0:,.0f} µs/req, "
                    f"p50 {w['lat_p50_us']:,} µs, p99 {w['lat_p99_us']:,} µs, non-2xx {w['non2xx']}, errors "
                    f"{w['connect'] + w['read'] + w['write'] + w['timeout']}")
    finally:
        for srv in servers:
            srv.stop()

    def med(p: Path_, key: str) -> float:
        return statistics.median(r[key] for r in p.runs)

    rps_p, rps_c = med(platform, "rps"), med(ceiling, "rps")
    ratio = rps_p / rps_c if rps_c else None
    cpu_p, cpu_c = med(platform, "cpu_us_per_req"), med(ceiling, "cpu_us_per_req")
    cpu_ratio = cpu_c / cpu_p if cpu_p else None
    header = ("measured", "req/s median (range)", "CPU µs/req (range)", "p50 µs", "p99 µs", "non-2xx",
              "platform/ceiling req/s", "by CPU", "target", "verdict")
    rows = []
    for p, is_ceiling in ((platform, False), (ceiling, True)):
        lo, hi = min(r["rps"] for r in p.runs), max(r["rps"] for r in p.runs)
        clo, chi = min(r["cpu_us_per_req"] for r in p.runs), max(r["cpu_us_per_req"] for r in p.runs)
        rows.append((p.label, f"{med(p, 'rps'):,.0f} ({lo:,.0f}-{hi:,.0f})",
                     f"{med(p, 'cpu_us_per_req'):,.0f} ({clo:,.0f}-{chi:,.0f})",
                     f"{med(p, 'lat_p50_us'):,.0f}", f"{med(p, 'lat_p99_us'):,.0f}",
                     f"{sum(r['non2xx'] for r in p.runs)}",
                     f"{ratio:.3f}x" if is_ceiling and ratio else "",
                     f"{cpu_ratio:.3f}x" if is_ceiling and cpu_ratio else "",
                     f">= {TARGET_HTTP:g}x" if is_ceiling else "",
                     verdict(ratio, TARGET_HTTP) if is_ceiling else ""))
    text = "\n".join(_table(header, rows, left=(0, 9)))
    return {"table": text, "platform": platform.runs, "constant": ceiling.runs, "ratio": ratio,
            "cpu_ratio": cpu_ratio, "workers": workers, "verdict": verdict(ratio, TARGET_HTTP),
            "wrk": {"threads": 2, "connections": 8, "seconds": seconds}}


# ------------------------------------------------------------------------------------------------
# Profile
# ------------------------------------------------------------------------------------------------


def profile_inquiries(db: str, world: dict, seed: int, n: int = PROFILE_INQUIRIES, top: int = 30) -> dict:
    picks = draw(world["subjects"], n, seed + 500)
    platform_inquiries(world["engine"], world["actor"], draw(world["subjects"], WARMUP, seed + 501))
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    platform_inquiries(world["engine"], world["actor"], picks)
    prof.disable()
    wall = time.perf_counter() - t
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"inquiry-profile-{db}.pstats"
    prof.dump_stats(path)
    out = []
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(top)
        out.append(f"== profile of {n} platform inquiries, {db} ({key}; {wall:.2f} s under the profiler) ==\n"
                   + buf.getvalue())
    return {"summary": "\n".join(out), "pstats": str(path), "inquiries": n, "wall_s": wall}


# ------------------------------------------------------------------------------------------------
# One database
# ------------------------------------------------------------------------------------------------


def run_size(db: str, size: int, demo, args, data_dir: Path, *, primary: bool) -> dict:
    def build(url: str) -> dict:
        return prepare(url, *demo())

    with world_in(db, "inquiry", size, args.seed, data_dir, build, keep=args.keep, rebuild=args.rebuild) as world:
        url, where = world["url"], world["where"]
        log(f"  {world['records']:,} records ({world['totals']['accepted']:,} rows accepted, import "
            f"{world['import_s']:.1f} s); {len(world['subjects']):,} subjects with records; "
            f"officer {world['actor'].label}")
        paths = make_paths(db)
        run_paths(db, world, where, paths, args.inquiries, args.repeat, args.seed)
        dbname = "SQLite" if db == "sqlite" else "PostgreSQL"
        lat_text = render_latency(
            f"== {dbname}, {world['records']:,} records ({len(world['subjects']):,} subjects): "
            f"{args.inquiries:,} inquiries x {args.repeat} repeat(s), organ officer, purpose '{PURPOSE}'; "
            f"median (range) over repeats ==", paths)
        ratio_text, ratios = render_table(
            f"-- {dbname}, {world['records']:,} records: throughput, platform / raw driver (same run) --",
            paths[0].measure(args.inquiries), [p.measure(args.inquiries) for p in paths[1:]], unit="inquiries")
        out = {"db": db, "records": world["records"], "subjects": len(world["subjects"]),
               "import_s": world["import_s"], "import_totals": world["totals"],
               "world": {"reused": world["reused"], "setup_s": world["setup_s"], "where": str(where),
                         "marker": str(world["kept"]) if world["kept"] else None},
               "paths": [p.as_dict() for p in paths], "ratios": ratios,
               "table": lat_text + "\n\n" + ratio_text}
        print(out["table"] + "\n", flush=True)
        if primary and args.http:
            reason = http_unavailable()
            if reason:
                out["http"] = {"skipped": reason}
                print(f"HTTP skipped: {reason}\n")
            else:
                out["http"] = {}
                for workers in args.http_workers:
                    log(f"{db}: HTTP, {workers} worker(s), wrk -t2 -c8 -d{args.http_seconds}s x {args.repeat}…")
                    h = run_http(world, url, args.repeat, args.http_seconds, args.seed, data_dir, workers)
                    h["table"] = (f"== {dbname}, {world['records']:,} records: HTTP on 127.0.0.1, uvicorn "
                                  f"workers={workers}{' (rate limits in Redis)' if workers > 1 else ''}, wrk -t2 "
                                  f"-c8 -d{args.http_seconds}s, {args.repeat} run(s) each ==\n" + h["table"])
                    print(h["table"] + "\n", flush=True)
                    out["http"][str(workers)] = h
        if primary and args.profile:
            prof = profile_inquiries(db, world, args.seed)
            print(prof["summary"], flush=True)
            out["profile"] = {k: v for k, v in prof.items()}
    return out


def render_scale(db: str, small: dict, large: dict) -> tuple[str, dict]:
    def p50(res: dict, key: str) -> float:
        return next(p for p in res["paths"] if p["key"] == key)["median"]["p50_s"]

    rows, data = [], {}
    for key, label in (("platform", "platform inquire()"), ("raw_lookup_digest", "(a') raw lookup by digest"),
                       ("raw_lookup_digest_log", "(b) raw lookup + log row")):
        a, b = p50(small, key), p50(large, key)
        ratio = b / a
        plat = key == "platform"
        ok = ratio <= TARGET_SCALE
        v = ("meets target" if ok else f"above target ({ratio / TARGET_SCALE:.1f}x over)") if plat else ""
        rows.append((label, f"{small['records']:,}", _us(a), f"{large['records']:,}", _us(b), f"{ratio:.2f}x",
                     f"<= {TARGET_SCALE:g}x" if plat else "", v))
        data[key] = {"p50_small_s": a, "p50_large_s": b, "ratio": ratio, "verdict": v}
    header = ("measured", "records", "p50 µs", "records", "p50 µs", "large/small", "target", "verdict")
    text = "\n".join([f"== {'SQLite' if db == 'sqlite' else 'PostgreSQL'}: scale, p50 at two sizes ==",
                      *_table(header, rows, left=(0, 7))])
    return text, data


# ------------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------------


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--records", type=int, default=100_000, help="records imported (the larger size)")
    ap.add_argument("--scale-records", type=int, default=None,
                    help="the smaller size for the scale line (default --records/10; 0: no scale line)")
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--inquiries", type=int, default=2000, help="inquiries per path per repeat")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median and range)")
    ap.add_argument("--http", action="store_true", help="also: uvicorn + wrk against a constant-JSON ceiling")
    ap.add_argument("--http-seconds", type=int, default=10, help="wrk duration per run (default 10)")
    ap.add_argument("--http-workers", type=lambda t: [int(n) for n in t.split(",")], default=[1], metavar="N,…",
                    help="server processes for the HTTP runs, e.g. 1,2,4 (more than one: rate limits in Redis, "
                         "XINYONG_BENCH_REDIS_URL, default db 14 on 127.0.0.1)")
    ap.add_argument("--profile", action="store_true",
                    help=f"also: cProfile {PROFILE_INQUIRIES} platform inquiries (larger size, each database)")
    ap.add_argument("--seed", type=int, default=20171001)
    add_keep_arguments(ap)


def main(args: argparse.Namespace) -> int:
    if keep_arguments_refused(args):
        return 2
    dbs = selected_databases(args.db)
    if not dbs:
        return 0
    small = args.records // 10 if args.scale_records is None else args.scale_records
    sizes = [s for s in (small, args.records) if s]
    data_dir = tmp_root() / "inquiry"
    data_dir.mkdir(parents=True, exist_ok=True)
    demos = {size: lazy_demo(size, data_dir / f"files-{size}", args.seed) for size in sizes}
    print("Figures are noisy: 2 shared cores, other work running; medians of the repeats, ratios measured "
          "in the same run.\n", flush=True)
    results = []
    for db in dbs:
        per_size = {}
        for size in sizes:
            per_size[size] = run_size(db, size, demos[size], args, data_dir, primary=size == args.records)
        r = {"db": db, "sizes": {str(k): v for k, v in per_size.items()}}
        if len(sizes) == 2:
            text, data = render_scale(db, per_size[sizes[0]], per_size[sizes[1]])
            print(text + "\n", flush=True)
            r["scale"] = {"table": text, **data}
        results.append(r)
    out = write_results("inquiry", {"args": vars(args), "note": "2 shared cores, other work running: noisy; "
                                    "medians of the repeats", "results": results})
    print(f"results: {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0


if __name__ == "__main__":  # the server child: python -m bench.inquiry_bench --serve KIND --port P [--url U]
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        import bench  # noqa: F401 - pins the environment (inherited from the parent)

        ap = argparse.ArgumentParser()
        ap.add_argument("--serve", choices=("platform", "constant"), required=True)
        ap.add_argument("--port", type=int, required=True)
        ap.add_argument("--url")
        ap.add_argument("--workers", type=int, default=1)
        a = ap.parse_args()
        serve(a.serve, a.url, a.port, a.workers)
        sys.exit(0)
    print("use: python -m bench inquiry …", file=sys.stderr)
    sys.exit(2)
