"""``python -m bench report``: issuing a credit report and getting it as JSON, HTML and PDF, against a raw
read of the subject's rows, same tables, same run.

Per database, in a fresh world (``inquiry_bench.prepare``: migrations, the demo units, every demo file through
the platform's importer), per repeat, ``--reports`` subjects with records drawn at random (seeded):

- **issue** — ``report.service.issue(session, actor=<the subject>)`` inside ``db.session_scope`` (committed), as
  ``POST /api/v1/me/reports`` does: the visibility decision, every section, the grade, the inquiry log row,
  the seal (digest + Ed25519 signature) and the audit event;
- **JSON again** / **HTML again** — ``service.get_sealed`` in a session, then ``render.to_json`` /
  ``render.to_html`` with the seal's view, as ``GET /api/v1/me/reports/{number}?format=…`` does;
- **PDF, first render** — ``report.pdfstore.render``: reportlab renders it and the encrypted copy is stored;
- **PDF again** — the same call: the stored copy, decrypted (``credit_report_pdf``);
- **baseline** — the plain driver (autocommit): the subject's records by ``subject_id``, one ``SELECT``.

Targets (reported, never failed): issue p50 ≤ 100 ms — a report is about a dozen inquiry-sized reads (the
sections, the grade, the inquiries, the histories), the inquiry's budget is 1 ms p99 (shared/performance.md),
plus an Ed25519 signature and a committed write, so 100 × the inquiry budget; JSON/HTML again ≤ 20 ms (a read
and a template); **PDF first render ≤ 1 s**, because a citizen waits for it at a counter's window; PDF again
≤ 20 ms (it is a stored row: one read and one AES-GCM decryption).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from .common import as_served, log, pg_connect, selected_databases, tmp_root, write_results
from .import_bench import sqlite_connect
from .inquiry_bench import add_keep_arguments, keep_arguments_refused, lazy_demo, prepare, world_in

BASE_URL = "http://counter.example/"
TARGETS_S = {"issue": 0.100, "json": 0.020, "html": 0.020, "pdf_first": 1.0, "pdf_again": 0.020}
PATHS = (("baseline", "raw SELECT of the subject's records (plain driver)"),
         ("issue", "issue (service, committed)"),
         ("json", "JSON again"),
         ("html", "HTML again"),
         ("pdf_first", "PDF, first render (reportlab + stored)"),
         ("pdf_again", "PDF again (stored copy)"))
RAW = "SELECT id, item_code, status, content, doc_no, doc_date FROM record WHERE subject_id = {p}"


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--records", type=int, default=5_000, help="records imported (default 5000)")
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--reports", type=int, default=5, help="reports issued per repeat (default 5; every one "
                    "rendered as a PDF once)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median and range)")
    ap.add_argument("--seed", type=int, default=20171001)
    add_keep_arguments(ap)


def _timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def _raw(db: str, where, subject_ids: list[int]) -> list[float]:
    lat = []
    if db == "sqlite":
        conn = sqlite_connect(Path(where))
        sql = RAW.format(p="?")
    else:
        conn = pg_connect(str(where), autocommit=True)
        sql = RAW.format(p="%s")
    try:
        for sid in subject_ids:
            t, _ = _timed(lambda: conn.execute(sql, (sid,)).fetchall())
            lat.append(t)
    finally:
        conn.close()
    return lat


def _platform(engine, subject_ids: list[int]) -> dict[str, list[float]]:
    from xinyong.auth import Actor
    from xinyong.db import session_scope
    from xinyong.report import pdfstore, render, seal, service

    lat: dict[str, list[float]] = {k: [] for k, _ in PATHS if k != "baseline"}
    for sid in subject_ids:
        actor = Actor(role="subject", subject_id=sid)

        def issue():
            with session_scope(engine) as s:
                return service.issue(s, actor=actor)

        t, issued = _timed(issue)
        lat["issue"].append(t)
        number = issued.number

        def again():
            with session_scope(engine) as s:
                snapshot, sealed = service.get_sealed(s, number, actor=actor)
            return snapshot, seal.view(number, snapshot["issued_at"], sealed["digest"], sealed.get("signature"),
                                       sealed.get("key_id"), BASE_URL)

        t, _ = _timed(lambda: render.to_json(again()[0]))
        lat["json"].append(t)
        t, _ = _timed(lambda: render.to_html(*again()))
        lat["html"].append(t)
        for key in ("pdf_first", "pdf_again"):
            t, _ = _timed(lambda: pdfstore.render(engine, number, *again()))
            lat[key].append(t)
    return lat


def run_db(db: str, demo, args, data_dir: Path) -> dict:
    def build(url: str) -> dict:
        return prepare(url, *demo())

    with world_in(db, "report", args.records, args.seed, data_dir, build, keep=args.keep,
                  rebuild=args.rebuild) as world:
        from xinyong.report.pdf import find_font

        find_font()  # no font: say so before anything is timed
        engine, subjects = world["engine"], world["subjects"]
        as_served()
        runs: dict[str, list[float]] = {k: [] for k, _ in PATHS}
        rng = random.Random(args.seed)
        _platform(engine, [subjects[0][0]])  # warm-up: templates, the font, the signing key
        for rep in range(1, args.repeat + 1):
            ids = [subjects[rng.randrange(len(subjects))][0] for _ in range(args.reports)]
            runs["baseline"].append(statistics.median(_raw(db, world["where"], ids)))
            for key, values in _platform(engine, ids).items():
                runs[key].append(statistics.median(values))
            log(f"  rep {rep}/{args.repeat}: " + ", ".join(f"{k} {v[-1] * 1000:.1f} ms" for k, v in runs.items()))
    base = statistics.median(runs["baseline"])
    name = "SQLite" if db == "sqlite" else "PostgreSQL"
    print(f"\n{name}: {world['records']:,} records, {len(subjects):,} subjects with records; medians of "
          f"{args.repeat} repeats (each the median of {args.reports} reports)\n")
    print(f"{'path':<46} {'p50 (range)':>26} {'÷ baseline':>11} {'target':>9}  verdict")
    rows = []
    for key, label in PATHS:
        values = runs[key]
        med = statistics.median(values)
        target = TARGETS_S.get(key)
        verdict = "" if target is None else ("meets" if med <= target else f"{med / target:.1f}x over")
        print(f"{label:<46} {med * 1000:>9.2f} ms ({min(values) * 1000:.2f}–{max(values) * 1000:.2f}) "
              f"{med / base:>10.0f}x {'' if target is None else f'{target * 1000:.0f} ms':>9}  {verdict}")
        rows.append({"path": key, "label": label, "p50_s": med, "min_s": min(values), "max_s": max(values),
                     "ratio_to_baseline": med / base, "target_s": target})
    return {"db": db, "records": world["records"], "subjects": len(subjects), "paths": rows}


def main(args: argparse.Namespace) -> int:
    if keep_arguments_refused(args):
        return 2
    dbs = selected_databases(args.db)
    if not dbs:
        return 0
    data_dir = tmp_root() / "report"
    data_dir.mkdir(parents=True, exist_ok=True)
    demo = lazy_demo(args.records, data_dir / "files", args.seed)
    print("Figures are noisy: 2 shared cores, other work running; medians of the repeats, the raw baseline "
          "measured in the same run.\n", flush=True)
    results = [run_db(db, demo, args, data_dir) for db in dbs]
    out = write_results("report", {"args": vars(args), "targets_s": TARGETS_S, "results": results})
    print(f"\nresults: {out}")
    return 0
