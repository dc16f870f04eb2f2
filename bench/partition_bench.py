"""``python -m bench world partition``: the kept world's ``record`` against a copy partitioned by subject.

Inside the world's database, schema ``xypart`` gets ``record`` again, ``PARTITION BY HASH (subject_id)`` in
``--partitions`` partitions (``record_p00`` …), with the columns and defaults of ``public.record`` (``LIKE``),
its primary key widened to ``(id, subject_id)`` and the same secondary indexes (read from ``pg_indexes``; a
unique index must include the partition key: one that does not is created with ``subject_id`` added, and
said). The rows go in by ``INSERT … SELECT``, the indexes are built after, both tables are vacuumed and
analyzed, and the copy is checked against ``record`` (count, a checksum of the ids, a checksum of the rows).

The statements are the platform's own, compiled by SQLAlchemy for psycopg exactly as ``db.Prepared`` sends
them, and run as raw psycopg statements on two connections that differ only in ``search_path``
(``public`` / ``xypart, public``): the same SQL text reads the plain table or the partitioned one, every
other table (subject, unit, catalog_item, list entries) being the world's. Interleaved, plain and
partitioned in alternating order in each repeat, each repeat on its own seeded draw:

- the inquiry's subject with its records by identifier digest (``inquiry.service.SUBJECT_BY_DIGEST``, the
  statement ``groupcommit`` pipelines), the check's lean form of it (``load_subjects(…, lean=True)``), and the
  by-id form (``/me``, a record's history); server-side prepared; p50/p99 over ``--inquiries`` subjects;
- deleting ``--delete`` records, rolled back (``DELETE_RUNS`` sets of ids per repeat, the median of all but
  the first): as the purge sends it (the ORM's ``DELETE FROM record WHERE
  record.id = %(id)s``, one per record) and as one ``= ANY`` array, each by id alone and by id with its
  subject_id (which lets the partitioned table prune);
- the whole-table pass of ``audit verify`` (every column, ``ORDER BY batch_id, line_no, id``, a server-side
  cursor of 5,000 rows), once per variant per repeat;
- planning and execution time of the by-subject statements (``EXPLAIN (ANALYZE, FORMAT JSON)``), with how many
  partitions the plan holds and how many it ran.

The copy is dropped at the end (``--keep`` keeps it). The platform's schema is not changed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from .common import log, write_results

SCHEMA = "xypart"
VERIFY_BATCH = 5000  # audit.verify.RECORD_BATCH: the server-side cursor's rows per fetch
DELETE_RUNS = 6  # deletes of each form per repeat, each on its own ids (the first one warms: not counted)


# ------------------------------------------------------------------------------------------------
# The platform's statements, as it sends them
# ------------------------------------------------------------------------------------------------


def statements() -> dict[str, tuple[str, dict]]:
    """name -> (SQL for psycopg, the compiled statement's fixed parameters)."""
    from sqlalchemy import BigInteger, bindparam, delete, select
    from sqlalchemy import any_ as any_of
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

    from xinyong.inquiry import service as inquiry
    from xinyong.models import Record

    dialect = pg_psycopg.dialect()
    r = Record.__table__

    def sql(stmt) -> tuple[str, dict]:
        compiled = stmt.compile(dialect=dialect)
        return str(compiled), {k: v for k, v in compiled.params.items() if v is not None}

    ids = bindparam("ids", type_=ARRAY(BigInteger))
    sids = bindparam("sids", type_=ARRAY(BigInteger))
    return {
        "inquiry": sql(inquiry.SUBJECT_BY_DIGEST.statement),
        "check": sql(inquiry.LEAN_SUBJECT_BY_DIGEST.statement),
        "by_id": sql(inquiry._one_subject[("id", False)].statement),
        # session.delete(rec) in record.workflows.delete_revoked: the ORM's per-row statement
        "delete_row": sql(delete(r).where(r.c.id == bindparam("id"))),
        "delete_row_subject": sql(delete(r).where(r.c.id == bindparam("id"), r.c.subject_id == bindparam("sid"))),
        "delete_any": sql(delete(r).where(r.c.id == any_of(ids))),
        "delete_any_subject": sql(delete(r).where(r.c.id == any_of(ids), r.c.subject_id == any_of(sids))),
        # audit.verify: the records stream
        "verify": sql(select(*r.columns).order_by(r.c.batch_id, r.c.line_no, r.c.id)),
    }


# ------------------------------------------------------------------------------------------------
# The copy
# ------------------------------------------------------------------------------------------------


def _sizes(conn, rel: str, partitioned: bool) -> dict:
    if partitioned:
        row = conn.execute(
            "SELECT count(*), coalesce(sum(pg_total_relation_size(relid)), 0), "
            "coalesce(sum(pg_relation_size(relid)), 0), coalesce(sum(pg_indexes_size(relid)), 0) "
            "FROM pg_partition_tree(%s::regclass) WHERE isleaf", (rel,)).fetchone()
        return {"partitions": row[0], "total_bytes": int(row[1]), "heap_bytes": int(row[2]), "index_bytes": int(row[3])}
    row = conn.execute("SELECT pg_total_relation_size(%s::regclass), pg_relation_size(%s::regclass), "
                       "pg_indexes_size(%s::regclass)", (rel, rel, rel)).fetchone()
    return {"partitions": 0, "total_bytes": row[0], "heap_bytes": row[1], "index_bytes": row[2]}


def _checksum(conn, rel: str) -> dict:
    """Count, a checksum of the ids, and one of the rows' text (both tables have the same columns, in order)."""
    n, id_sum, id_md5, row_sum = conn.execute(
        f"SELECT count(*), coalesce(sum(id), 0), md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')), "
        f"coalesce(sum(hashtext(t::text)::bigint), 0) FROM {rel} t").fetchone()
    return {"count": n, "id_sum": int(id_sum), "id_md5": id_md5, "row_hash_sum": int(row_sum)}


def references(conn) -> dict:
    """What points at ``record.id``: foreign keys (which a partitioned ``record`` would force to carry
    subject_id), and columns named ``record_id`` without one (the same id, kept by value)."""
    fks = [{"table": t, "constraint": n, "definition": d} for t, n, d in conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = 'public.record'::regclass ORDER BY 1, 2").fetchall()]
    by_value = [f"{t}.{c}" for t, c in conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND "
        "column_name IN ('record_id', 'record_ids') ORDER BY 1, 2").fetchall()]
    return {"foreign_keys": fks, "record_id_columns": by_value}


def make_copy(conn, partitions: int) -> dict:
    """The partitioned copy in ``xypart``: table, partitions, rows, keys and indexes, vacuum and analyze."""
    steps: dict[str, float] = {}
    notes: list[str] = []
    pc = time.perf_counter
    conn.autocommit = True
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone():
        log(f"  schema {SCHEMA} exists (a kept copy): dropped first")
        conn.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    t = pc()
    conn.execute(f"CREATE SCHEMA {SCHEMA}")
    conn.execute(f"CREATE TABLE {SCHEMA}.record (LIKE public.record INCLUDING DEFAULTS) PARTITION BY HASH (subject_id)")
    width = len(str(partitions - 1))
    for k in range(partitions):
        conn.execute(f"CREATE TABLE {SCHEMA}.record_p{k:0{width}d} PARTITION OF {SCHEMA}.record "
                     f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {k})")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute(f"INSERT INTO {SCHEMA}.record SELECT * FROM public.record")
    steps["insert_select_s"] = pc() - t
    t = pc()
    # a partitioned table's unique keys must include the partition key: the primary key becomes (id, subject_id)
    conn.execute(f"ALTER TABLE {SCHEMA}.record ADD PRIMARY KEY (id, subject_id)")
    idx = conn.execute(
        "SELECT i.indexname, i.indexdef, ix.indisunique, ix.indisprimary, "
        "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype = 'u') "
        "FROM pg_indexes i JOIN pg_class ic ON ic.relname = i.indexname AND ic.relnamespace = 'public'::regnamespace "
        "JOIN pg_index ix ON ix.indexrelid = ic.oid WHERE i.schemaname = 'public' AND i.tablename = 'record' "
        "ORDER BY i.indexname").fetchall()
    created = []
    for name, definition, unique, primary, constraint in idx:
        if primary:
            notes.append(f"primary key {name} (id) -> (id, subject_id)")
            continue
        cols = definition[definition.index("(") + 1:definition.rindex(")")]
        if unique and "subject_id" not in [c.strip() for c in cols.split(",")]:
            cols += ", subject_id"
            notes.append(f"unique {name} lacks the partition key: created as ({cols})")
        stmt = (f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {SCHEMA}.record "
                f"{definition[definition.index(' USING '):definition.index('(')]}({cols})")
        if constraint:
            notes.append(f"{name} is a unique constraint of record: created as a unique index")
        conn.execute(stmt)
        created.append(stmt)
    steps["keys_and_indexes_s"] = pc() - t
    t = pc()
    conn.execute(f"VACUUM (ANALYZE) {SCHEMA}.record")  # the partitions, and the parent's statistics
    conn.execute("VACUUM (ANALYZE) public.record")  # the same state for the plain table (visibility map)
    steps["vacuum_analyze_s"] = pc() - t
    return {"steps_s": steps, "indexes": created, "notes": notes, "partitions": partitions}


# ------------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------------


def _connect(url: str, search_path: str, custom: bool = False):
    import psycopg

    options = f"-csearch_path={search_path}" + (" -cplan_cache_mode=force_custom_plan" if custom else "")
    return psycopg.connect(url, autocommit=True, options=options)


def _reads(conn, sql: str, fixed: dict, keys: list) -> list[float]:
    pc = time.perf_counter
    lat = []
    cur = conn.cursor()
    for key in keys:
        t = pc()
        cur.execute(sql, {**fixed, "key": key}, prepare=True)
        cur.fetchall()
        lat.append(pc() - t)
    return lat


def _deletes(conn, stmts: dict, name: str, picks: list[tuple[int, int]]) -> tuple[float, int]:
    """One delete of ``picks`` (id, subject_id) as ``name`` sends it, in a transaction rolled back: seconds and
    rows deleted."""
    sql, fixed = stmts[name]
    pc = time.perf_counter
    conn.autocommit = False
    try:
        cur = conn.cursor()
        deleted = 0
        t = pc()
        if name == "delete_row":
            for rid, _sid in picks:
                cur.execute(sql, {**fixed, "id": rid}, prepare=True)
                deleted += cur.rowcount
        elif name == "delete_row_subject":
            for rid, sid in picks:
                cur.execute(sql, {**fixed, "id": rid, "sid": sid}, prepare=True)
                deleted += cur.rowcount
        else:
            if name == "delete_any":
                cur.execute(sql, {**fixed, "ids": [r for r, _s in picks]})
            else:
                cur.execute(sql, {**fixed, "ids": [r for r, _s in picks], "sids": [s for _r, s in picks]})
            deleted += cur.rowcount
        took = pc() - t
    finally:
        conn.rollback()
        conn.autocommit = True
    return took, deleted


def _verify_pass(conn, sql: str, fixed: dict) -> tuple[float, int]:
    pc = time.perf_counter
    conn.autocommit = False
    try:
        t = pc()
        n = 0
        with conn.cursor(name="xypart_verify") as cur:
            cur.itersize = VERIFY_BATCH
            cur.execute(sql, fixed or None)
            for _row in cur:
                n += 1
        took = pc() - t
    finally:
        conn.rollback()
        conn.autocommit = True
    return took, n


def _plan_nodes(node: dict, out: list) -> None:
    out.append(node)
    for child in node.get("Plans", ()):
        _plan_nodes(child, out)


def _explain(conn, sql: str, fixed: dict, keys: list, partitioned: bool) -> dict:
    plan_ms, exec_ms, held, ran = [], [], [], []
    for key in keys:
        [[doc]] = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, {**fixed, "key": key}).fetchall()
        doc = doc[0] if isinstance(doc, list) else doc
        plan_ms.append(doc["Planning Time"])
        exec_ms.append(doc["Execution Time"])
        nodes: list = []
        _plan_nodes(doc["Plan"], nodes)
        scans = [n for n in nodes if str(n.get("Relation Name", "")).startswith("record")]
        held.append(len(scans))
        ran.append(sum(1 for n in scans if n.get("Actual Loops", 0) > 0))
    return {"planning_ms_p50": statistics.median(plan_ms), "planning_ms_max": max(plan_ms),
            "execution_ms_p50": statistics.median(exec_ms), "record_scans_in_plan": statistics.median(held),
            "record_scans_run": statistics.median(ran), "partitioned": partitioned}


def _stats(lat: list[float]) -> dict:
    from .check_bench import stats

    s = stats(lat, sum(lat))
    return {"n": s["n"], "p50_s": s["p50_s"], "p99_s": s["p99_s"], "mean_s": s["mean_s"]}


READS = (("inquiry", "inquiry: a subject with its records, by digest (SUBJECT_BY_DIGEST)"),
         ("check", "check: the same, lean (load_subjects lean=True)"),
         ("by_id", "a subject with its records, by subject id"),
         # informative: the same with a plan made for each execution (no generic plan, which on
         # PostgreSQL 15 locks every partition before pruning)
         ("inquiry_custom", "  inquiry, plan_cache_mode = force_custom_plan"),
         ("by_id_custom", "  by subject id, plan_cache_mode = force_custom_plan"))
CUSTOM = "_custom"
DELETES = (("delete_row", "delete {n}: per row, by id (the purge's ORM DELETE)"),
           ("delete_row_subject", "delete {n}: per row, by id and subject_id"),
           ("delete_any", "delete {n}: id = ANY(ids)"),
           ("delete_any_subject", "delete {n}: id = ANY(ids) AND subject_id = ANY(sids)"))
VARIANTS = ("plain", "partitioned")


def run(args: argparse.Namespace) -> int:
    import psycopg

    from .common import read_marker
    from .world import database_exists, database_size, load, mb, refuse_name, server_url, world_dir

    database = args.database
    refuse_name(database)
    marker = read_marker(world_dir(database) / "marker.json")
    if marker is None or not database_exists(database):
        raise SystemExit(f"no world in {database}: build it first (`python -m bench world build`)")
    url = server_url(database)
    loads = {"start": load()}
    stmts = statements()
    log(f"world {database}: a copy of record in {args.partitions} hash partitions by subject_id; load {loads['start']}")
    results: dict = {"database": database, "partitions": args.partitions, "repeat": args.repeat,
                     "inquiries": args.inquiries, "deletes": args.delete, "seed": args.seed,
                     "statements": {k: v[0] for k, v in stmts.items()}}
    admin = psycopg.connect(url, autocommit=True)
    kept = False
    try:
        results["references"] = refs = references(admin)
        t = time.perf_counter()
        results["copy"] = copy = make_copy(admin, args.partitions)
        copy["build_s"] = time.perf_counter() - t
        loads["after_copy"] = load()
        plain_sum, part_sum = _checksum(admin, "public.record"), _checksum(admin, f"{SCHEMA}.record")
        results["checksum"] = {"plain": plain_sum, "partitioned": part_sum, "equal": plain_sum == part_sum}
        if plain_sum != part_sum:
            raise SystemExit(f"the copy differs from record: {plain_sum} / {part_sum}")
        sizes = {"plain": _sizes(admin, "public.record", False), "partitioned": _sizes(admin, f"{SCHEMA}.record", True)}
        balance = [n for (n,) in admin.execute(
            f"SELECT count(*) FROM {SCHEMA}.record GROUP BY tableoid ORDER BY 1").fetchall()]
        sizes["partition_rows_min"], sizes["partition_rows_max"] = (min(balance), max(balance)) if balance else (0, 0)
        results["sizes"] = sizes
        records = plain_sum["count"]
        log(f"  copy of {records:,} records in {copy['build_s']:.0f} s {copy['steps_s']}; plain "
            f"{mb(sizes['plain']['total_bytes'])}, partitioned {mb(sizes['partitioned']['total_bytes'])}; "
            f"load {loads['after_copy']}")

        subjects = [(sid, dg) for sid, dg in admin.execute(
            "SELECT s.id, s.identifier_digest FROM subject s WHERE EXISTS (SELECT 1 FROM record r "
            "WHERE r.subject_id = s.id) ORDER BY s.id").fetchall()]
        max_id = admin.execute("SELECT max(id) FROM record").fetchone()[0]
        paths = {"plain": "public", "partitioned": f"{SCHEMA},public"}
        conns = {v: _connect(url, sp) for v, sp in paths.items()}
        custom = {v: _connect(url, sp, custom=True) for v, sp in paths.items()}
        runs: dict[str, dict[str, list]] = {k: {v: [] for v in VARIANTS} for k, _l in READS + DELETES}
        runs["verify"] = {v: [] for v in VARIANTS}
        explains: dict[str, dict[str, list]] = {k: {v: [] for v in VARIANTS} for k, _l in READS
                                                if not k.endswith(CUSTOM)}
        for rep in range(1, args.repeat + 1):
            rng = random.Random(args.seed + rep)
            picks = [subjects[rng.randrange(len(subjects))] for _ in range(args.inquiries)]
            warm = [subjects[rng.randrange(len(subjects))] for _ in range(min(200, args.inquiries))]
            doomed_sets = []
            for _ in range(DELETE_RUNS):
                cand = sorted({rng.randrange(1, max_id + 1) for _ in range(args.delete * 3)})
                rows = admin.execute("SELECT id, subject_id FROM record WHERE id = ANY(%s)", (cand,)).fetchall()
                rng.shuffle(rows)
                doomed_sets.append([tuple(r) for r in rows[:args.delete]])
            order = VARIANTS if rep % 2 else VARIANTS[::-1]
            for name, _label in READS:
                base = name.removesuffix(CUSTOM)
                on = custom if name.endswith(CUSTOM) else conns
                sql, fixed = stmts[base]
                keys = [sid if base == "by_id" else dg for sid, dg in picks]
                for v in order:
                    _reads(on[v], sql, fixed, [sid if base == "by_id" else dg for sid, dg in warm])
                    runs[name][v].append(_stats(_reads(on[v], sql, fixed, keys)))
                    if not name.endswith(CUSTOM):
                        explains[name][v].append(_explain(on[v], sql, fixed, keys[:args.explain],
                                                          v == "partitioned"))
            for name, _label in DELETES:
                took = {v: [] for v in VARIANTS}
                for doomed in doomed_sets:  # each set on both, alternating which goes first
                    for v in order:
                        s, deleted = _deletes(conns[v], stmts, name, doomed)
                        if deleted != len(doomed):
                            raise SystemExit(f"{name} on {v} deleted {deleted} of {len(doomed)} records")
                        took[v].append(s)
                    order = order[::-1]
                for v in VARIANTS:
                    runs[name][v].append({"s": statistics.median(took[v][1:] or took[v]), "n": len(doomed_sets[0]),
                                          "runs_s": took[v]})
            order = VARIANTS if rep % 2 else VARIANTS[::-1]
            for v in order:
                took, n = _verify_pass(conns[v], *stmts["verify"])
                runs["verify"][v].append({"s": took, "rows": n})
            log(f"  rep {rep}/{args.repeat}: inquiry p50 plain {runs['inquiry']['plain'][-1]['p50_s'] * 1e6:,.0f} µs, "
                f"partitioned {runs['inquiry']['partitioned'][-1]['p50_s'] * 1e6:,.0f} µs; verify pass "
                f"{runs['verify']['plain'][-1]['s']:.1f} / {runs['verify']['partitioned'][-1]['s']:.1f} s; "
                f"load {load()}")
        for c in (*conns.values(), *custom.values()):
            c.close()
        loads["after_measure"] = load()
        results["runs"], results["load"] = runs, loads
        results["explain"] = {k: {v: {f: statistics.median(e[f] for e in es) for f in es[0] if f != "partitioned"}
                                  for v, es in per.items()} for k, per in explains.items()}
        results["median"] = summary = summarize(runs)
        table = render(results, records, summary, refs)
        print(table, flush=True)
        results["table"] = table
        if args.keep:
            kept = True
            print(f"kept: {database}.{SCHEMA}.record ({args.partitions} partitions); drop it with "
                  f"DROP SCHEMA {SCHEMA} CASCADE")
    finally:
        if not kept:
            admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        admin.close()
    results["kept"] = kept
    results["database_bytes"] = database_size(database)
    path = write_results(f"partition-{database}", results)  # one file per world: a test's tiny world has its own
    print(f"results: {path}")
    return 0


def summarize(runs: dict) -> dict:
    """Per measurement and variant: the median over repeats (and the range) of p50/p99 or seconds."""
    out: dict = {}
    for name, per in runs.items():
        out[name] = {}
        for v, reps in per.items():
            if not reps:
                continue
            fields = ("p50_s", "p99_s") if "p50_s" in reps[0] else ("s",)
            out[name][v] = {f: {"median": statistics.median(r[f] for r in reps), "min": min(r[f] for r in reps),
                                "max": max(r[f] for r in reps)} for f in fields}
        if len(out[name]) == 2:
            for f in out[name]["plain"]:
                out[name][f"ratio_{f}"] = out[name]["partitioned"][f]["median"] / out[name]["plain"][f]["median"]
    return out


def render(results: dict, records: int, summary: dict, refs: dict) -> str:
    from .world import mb

    sizes, copy = results["sizes"], results["copy"]
    n_part = results["partitions"]

    def us(m: dict) -> str:
        return f"{m['median'] * 1e6:8,.0f} ({m['min'] * 1e6:,.0f}–{m['max'] * 1e6:,.0f})"

    def ms(m: dict) -> str:
        return f"{m['median'] * 1e3:8.2f} ({m['min'] * 1e3:.2f}–{m['max'] * 1e3:.2f})"

    def sec(m: dict) -> str:
        return f"{m['median']:8.3f} ({m['min']:.3f}–{m['max']:.3f})"

    lines = [f"== record ({records:,} rows) against a copy in {n_part} hash partitions by subject_id, "
             f"{results['repeat']} interleaved repeats, median (range); load {results['load']['after_measure']} ==",
             f"sizes: plain {mb(sizes['plain']['total_bytes'])} (heap {mb(sizes['plain']['heap_bytes'])}, indexes "
             f"{mb(sizes['plain']['index_bytes'])}); partitioned {mb(sizes['partitioned']['total_bytes'])} (heap "
             f"{mb(sizes['partitioned']['heap_bytes'])}, indexes {mb(sizes['partitioned']['index_bytes'])}), "
             f"{sizes['partition_rows_min']:,}–{sizes['partition_rows_max']:,} rows a partition",
             f"copy built in {copy['build_s']:.0f} s: " + ", ".join(f"{k} {v:.0f}" for k, v in copy['steps_s'].items()),
             "",
             f"{'measured':62s} {'plain p50 µs':>22s} {'partitioned p50 µs':>22s} {'ratio':>6s}  "
             f"{'plain p99 µs':>22s} {'partitioned p99 µs':>22s} {'ratio':>6s}"]
    for name, label in READS:
        m = summary[name]
        lines.append(f"{label:62s} {us(m['plain']['p50_s']):>22s} {us(m['partitioned']['p50_s']):>22s} "
                     f"{m['ratio_p50_s']:6.2f}  {us(m['plain']['p99_s']):>22s} {us(m['partitioned']['p99_s']):>22s} "
                     f"{m['ratio_p99_s']:6.2f}")
    lines += ["", f"{'measured (one transaction, rolled back)':62s} {'plain ms':>22s} {'partitioned ms':>22s} "
              f"{'ratio':>6s}"]
    for name, label in DELETES:
        m = summary[name]
        lines.append(f"{label.format(n=results['deletes']):62s} {ms(m['plain']['s']):>22s} "
                     f"{ms(m['partitioned']['s']):>22s} {m['ratio_s']:6.2f}")
    m = summary["verify"]
    lines.append(f"{'audit verify pass: all rows ORDER BY batch_id, line_no, id (s)':62s} {sec(m['plain']['s']):>22s} "
                 f"{sec(m['partitioned']['s']):>22s} {m['ratio_s']:6.2f}")
    lines += ["", f"{'EXPLAIN ANALYZE (medians)':62s} {'plain plan/exec ms':>22s} {'partitioned plan/exec ms':>26s} "
              f"{'record scans (in plan / run)':>30s}"]
    for name, label in READS:
        if name not in results["explain"]:
            continue
        e = results["explain"][name]
        p, q = e["plain"], e["partitioned"]
        lines.append(f"{label:62s} {p['planning_ms_p50']:10.3f} / {p['execution_ms_p50']:8.3f} "
                     f"{q['planning_ms_p50']:12.3f} / {q['execution_ms_p50']:10.3f} "
                     f"{p['record_scans_in_plan']:>8.0f}/{p['record_scans_run']:.0f} (plain), "
                     f"{q['record_scans_in_plan']:.0f}/{q['record_scans_run']:.0f} (partitioned)")
    fks = refs["foreign_keys"]
    lines += ["", "a partitioned table's unique keys must include the partition key: its primary key is (id, "
              "subject_id), so every foreign key to record(id) would have to carry subject_id. Foreign keys to "
              f"record: {', '.join(f['table'] + ' ' + f['definition'] for f in fks) if fks else 'none'}; "
              f"columns naming a record by id without one: {', '.join(refs['record_id_columns']) or 'none'}."]
    lines += [f"note: {n}" for n in copy["notes"]]
    return "\n".join(lines) + "\n"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from .world import DEFAULT_DB, SEED

    p.add_argument("--database", default=DEFAULT_DB)
    p.add_argument("--partitions", type=int, default=16)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--inquiries", type=int, default=2000, help="subjects drawn per repeat for the reads")
    p.add_argument("--delete", type=int, default=100, help="records deleted (rolled back) per repeat")
    p.add_argument("--explain", type=int, default=50, help="subjects of each draw explained (EXPLAIN ANALYZE)")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--keep", action="store_true", help=f"keep the partitioned copy (schema {SCHEMA})")
    p.set_defaults(run=run)
