"""What every benchmark shares: the pinned environment, temp places, PostgreSQL schemas, timing
statistics, the printed table and the JSON results file.

``setup_env()`` must run before any ``xinyong`` module is imported (the settings are read once);
``bench/__init__.py`` calls it, so ``python -m bench`` and ``import bench.…`` both get it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
# Results and the kept worlds' markers; XINYONG_BENCH_RESULTS_DIR puts them elsewhere (the tests do: their runs
# must not replace a developer's ``*-latest.json``).
RESULTS_DIR = Path(os.environ.get("XINYONG_BENCH_RESULTS_DIR") or BENCH_DIR / "results")
TODAY = date(2025, 6, 30)
HMAC_KEY = "xinyong-bench-fixed-hmac-key"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"

_tmp_root: Path | None = None
_owned = False


def setup_env() -> Path:
    """Pin the platform's clock and key, and give it a throw-away var dir. Idempotent.

    A child process started by a benchmark inherits the parent's values (``XINYONG_BENCH_TMP``
    marks them as already set), so parent and child agree on the key and the date.
    """
    global _tmp_root, _owned
    if _tmp_root is not None:
        return _tmp_root
    inherited = os.environ.get("XINYONG_BENCH_TMP")
    if inherited and Path(inherited).is_dir():
        _tmp_root = Path(inherited)
    else:
        _tmp_root = Path(tempfile.mkdtemp(prefix="xinyong-bench-"))
        _owned = True
        os.environ["XINYONG_BENCH_TMP"] = str(_tmp_root)
    os.environ["XINYONG_TODAY"] = TODAY.isoformat()
    os.environ["XINYONG_HMAC_KEY"] = HMAC_KEY
    # The rate limits stay on (their cost is part of every request), but one token at thousands of requests a
    # second must not meet them: per-token and per-address counters far above what a benchmark sends.
    os.environ.setdefault("XINYONG_RATE_API", "1000000000/minute")
    os.environ.setdefault("XINYONG_RATE_PORTAL", "1000000000/minute")
    os.environ["XINYONG_VAR_DIR"] = str(_tmp_root / "var")
    (_tmp_root / "var").mkdir(parents=True, exist_ok=True)
    # The platform's engine for settings look-ups must never touch a real database.
    os.environ["XINYONG_DATABASE_URL"] = f"sqlite:///{_tmp_root / 'var' / 'unused.db'}"
    return _tmp_root


def tmp_root() -> Path:
    return setup_env()


def cleanup_tmp() -> None:
    """Remove the temp tree (only the one this process created, never an inherited one)."""
    global _tmp_root
    global _owned
    if _tmp_root is not None and _owned:
        shutil.rmtree(_tmp_root, ignore_errors=True)
        os.environ.pop("XINYONG_BENCH_TMP", None)
        _tmp_root, _owned = None, False


# ------------------------------------------------------------------------------------------------
# PostgreSQL
# ------------------------------------------------------------------------------------------------


def pg_base_url() -> str:
    url = os.environ.get("XINYONG_BENCH_POSTGRES_URL", DEFAULT_PG_URL)
    # psycopg wants the plain libpq form.
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql://" + url.removeprefix(prefix)
    return url


def pg_schema_url(schema: str) -> str:
    """The base URL with ``options=-csearch_path=<schema>`` (URL-encoded)."""
    base = pg_base_url()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote('-csearch_path=' + schema, safe='-')}"


def new_schema_name(tag: str) -> str:
    return f"xybench_{tag}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def pg_connect(schema: str | None = None, **kw):
    import psycopg

    if schema:
        kw["options"] = f"-csearch_path={schema}"
    return psycopg.connect(pg_base_url(), **kw)


def pg_create_schema(schema: str) -> None:
    with pg_connect(autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')


def pg_drop_schema(schema: str) -> None:
    with pg_connect(autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def pg_schema(tag: str) -> Iterator[str]:
    """A fresh schema of its own for one run, dropped at the end whatever happens."""
    schema = new_schema_name(tag)
    pg_create_schema(schema)
    try:
        yield schema
    finally:
        pg_drop_schema(schema)


def pg_available() -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        with pg_connect(connect_timeout=5) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"{type(exc).__name__}: {exc}".strip()


def pg_schema_exists(schema: str) -> bool:
    with pg_connect() as conn:
        return conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
                            (schema,)).fetchone() is not None


# ------------------------------------------------------------------------------------------------
# Kept worlds (``--keep DIR``): names, markers, the migrations' head
# ------------------------------------------------------------------------------------------------


def keep_names(keep_dir: Path, bench: str, size: int, seed: int, db: str) -> tuple[Path, str, Path]:
    """Where a kept world lives: (SQLite file, PostgreSQL schema, marker JSON), all deterministic.

    The schema's name does not carry the directory: two keep directories with the same size and seed
    share it, and the marker's token (checked on reuse) tells whose world the schema holds."""
    name = f"{bench}-{size}-{seed}"
    return keep_dir / f"{name}.db", f"xybench_keep_{bench}_{size}_{seed}", keep_dir / f"{name}-{db}.json"


def sqlite_unlink(dbfile: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{dbfile}{suffix}").unlink(missing_ok=True)


def alembic_head() -> str:
    """The head revision of the platform's migrations (as tests/test_migrations.py reads it)."""
    from alembic.script import ScriptDirectory

    from xinyong.migrations import alembic_config

    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def read_marker(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_marker(path: Path, payload: dict) -> None:
    """Written whole under another name, then renamed: a marker is never half there."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------
# Timing and statistics
# ------------------------------------------------------------------------------------------------


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        self.seconds = None
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


@dataclass
class Measure:
    """One line of a table: a path measured ``len(seconds)`` times on ``rows`` rows."""

    key: str
    label: str
    rows: int = 0
    seconds: list[float] = field(default_factory=list)
    baseline_of: str | None = None  # for baselines: the target ratio's name
    target_ratio: float | None = None  # platform rate / this rate must be >= target_ratio
    skipped: str | None = None
    note: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def rate(self) -> float | None:
        m = self.median
        return self.rows / m if m else None

    def as_dict(self) -> dict:
        return {
            "key": self.key, "label": self.label, "rows": self.rows, "seconds": self.seconds,
            "median_s": self.median, "min_s": min(self.seconds) if self.seconds else None,
            "max_s": max(self.seconds) if self.seconds else None, "rows_per_s": self.rate,
            "target_ratio": self.target_ratio, "skipped": self.skipped, "note": self.note,
        }


def verdict(ratio: float | None, target: float | None) -> str:
    if ratio is None or target is None:
        return ""
    if ratio >= target:
        return "meets target"
    short = target / ratio if ratio > 0 else float("inf")
    if short <= 2:
        return f"below target ({short:.1f}x short)"
    return f"FAR FROM TARGET ({short:.0f}x short)"


def _fmt_s(x: float | None) -> str:
    return "-" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.1f}")


def _fmt_rate(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def render_table(title: str, platform: Measure, baselines: list[Measure],
                 unit: str = "rows") -> tuple[str, list[dict]]:
    """The printed table and, per baseline, the ratio and the verdict (for the JSON).

    ``unit`` names what ``Measure.rows`` counts (rows, inquiries, requests) in the header."""
    header = ("measured", unit, "median s", "range s", f"{unit}/s", "platform/baseline", "target",
              "verdict")
    lines: list[tuple[str, ...]] = []
    ratios: list[dict] = []

    def row(m: Measure, ratio: float | None = None) -> tuple[str, ...]:
        if m.skipped:
            return (m.label, f"{m.rows:,}" if m.rows else "-", "-", "-", "-", "-",
                    f">= {m.target_ratio:g}x" if m.target_ratio else "", f"skipped: {m.skipped}")
        rng = f"{_fmt_s(min(m.seconds))}-{_fmt_s(max(m.seconds))}" if m.seconds else "-"
        ratio_s = "" if ratio is None else f"{ratio:.3f}x"
        target_s = f">= {m.target_ratio:g}x" if m.target_ratio else ""
        return (m.label, f"{m.rows:,}", _fmt_s(m.median), rng, _fmt_rate(m.rate), ratio_s, target_s,
                verdict(ratio, m.target_ratio))

    lines.append(row(platform))
    for b in baselines:
        ratio = (platform.rate / b.rate) if (platform.rate and b.rate and not b.skipped) else None
        lines.append(row(b, ratio))
        ratios.append({"baseline": b.key, "ratio": ratio, "target": b.target_ratio,
                       "verdict": verdict(ratio, b.target_ratio) if not b.skipped else f"skipped: {b.skipped}"})
    widths = [max(len(h), *(len(r[i]) for r in lines)) for i, h in enumerate(header)]
    out = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for r in lines:
        out.append("  ".join(c.ljust(w) if i in (0, 7) else c.rjust(w) for i, (c, w) in
                             enumerate(zip(r, widths))).rstrip())
    return "\n".join(out), ratios


# ------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------


def machine_info() -> dict:
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        import sqlite3

        info["sqlite"] = sqlite3.sqlite_version
    except Exception:  # noqa: BLE001
        pass
    return info


def write_results(name: str, payload: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "machine": machine_info(), **payload}
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    path.write_text(text)
    (RESULTS_DIR / f"{name}-latest.json").write_text(text)
    return path


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def selected_databases(choice: str) -> list[str]:
    """The databases a run covers: PostgreSQL is dropped, with the reason printed, when it does not answer."""
    dbs = ["sqlite", "postgresql"] if choice == "both" else [choice]
    if "postgresql" in dbs:
        reason = pg_available()
        if reason:
            print(f"PostgreSQL unavailable, skipped: {reason}")
            dbs.remove("postgresql")
    return dbs


def as_served() -> None:
    """What ``xinyong serve`` does once the app is built (``app.create_served_app``): a full collection,
    then ``gc.freeze()``, so the platform's paths are measured with the server's collector set-up."""
    import gc

    gc.collect()
    gc.freeze()
