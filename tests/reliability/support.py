"""What the reliability trials share: a seeded file whose clean totals are known, real ``xinyong`` processes on
the test's database, and the checks that a batch holds whole chunks only."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from xinyong import crypto
from xinyong.db import session_scope
from xinyong.models import Batch, BatchReject, Record

from ..factories import CF_COLUMNS, cf_row, person_cf_row, to_csv


@dataclass(frozen=True)
class Totals:
    rows: int
    accepted: int
    already_present: int
    rejected: int


def seeded_file(rows: int, seed: int, *, bad_every: int = 23, dup_every: int = 31) -> tuple[bytes, Totals]:
    """``rows`` rows, organizations and natural persons (seeded): every ``bad_every``-th a simplified-procedure
    penalty (rejected, Art. 9.2(4)), every ``dup_every``-th the row before it again (already present) — so a
    clean run's totals are known without running it."""
    rnd = random.Random(seed)
    out: list[dict[str, str]] = []
    bad = dup = 0
    for i in range(rows):
        if i and i % dup_every == 0:
            out.append(dict(out[-1]))
            dup += 1 if out[-1].get("procedure") != "simplified" else 0
            bad += 1 if out[-1].get("procedure") == "simplified" else 0
            continue
        n = 10_000 + i
        if rnd.random() < 0.25:
            row = person_cf_row(n, date(1960 + rnd.randrange(40), 1 + rnd.randrange(12), 1 + rnd.randrange(28)))
        else:
            row = cf_row(n)
        if i % bad_every == bad_every - 1:
            row["procedure"] = "simplified"
            bad += 1
        out.append(row)
    return to_csv(out, CF_COLUMNS), Totals(rows, rows - bad - dup, dup, bad)


def env(**extra: str) -> dict[str, str]:
    """The test's own settings (database, var directory, pinned clock, HMAC key) for a child process."""
    crypto.key_ring()  # the data key ring exists before two processes could both create one
    e = dict(os.environ)
    e.setdefault("XINYONG_CONSOLE_REASON", "reliability trial")
    e.update(extra)
    return e


def xinyong(*args: str, **env_extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "xinyong.cli", *args], env=env(**env_extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, *, timeout: float = 60.0, every: float = 0.01, what: str = "a condition"):
    """Poll ``predicate`` until it returns something true (its value); a bound on waiting, not a timing."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(every)


def batch_row(engine, batch_id: str | None = None) -> Batch | None:
    with session_scope(engine) as s:
        q = select(Batch)
        q = q.where(Batch.id == batch_id) if batch_id else q.order_by(Batch.received_at.desc())
        return s.scalars(q.limit(1)).first()


def assert_whole_chunks(engine, batch_id: str, chunk: int, total_rows: int) -> Batch:
    """What a batch holds is whole chunks: its counts add up to its committed rows, a multiple of the chunk
    size (or the whole file); every record and reject lies within them, one per line."""
    with session_scope(engine) as s:
        b = s.get(Batch, batch_id)
        lines = s.scalars(select(Record.line_no).where(Record.batch_id == batch_id)).all()
        reject_lines = s.scalars(select(BatchReject.line).where(BatchReject.batch_id == batch_id)).all()
    assert b.rows_total % chunk == 0 or b.rows_total == total_rows, b.rows_total
    assert b.accepted + b.already_present + b.rejected == b.rows_total
    assert len(lines) == b.accepted == len(set(lines))
    assert len(reject_lines) == b.rejected == len(set(reject_lines))
    last_line = b.rows_total + 1  # the header is line 1, one physical line a row
    assert all(2 <= ln <= last_line for ln in [*lines, *reject_lines])
    assert set(lines) | set(reject_lines) <= set(range(2, last_line + 1))
    return b


def count(engine, model, *where) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@contextmanager
def held_batch_table(engine):
    """Hold new batches back until every child process given to ``release`` waits to open its batch, then let
    them all go at once (so that concurrent imports start together). PostgreSQL: a lock on the batch table,
    released once the children's inserts wait on it (``pg_stat_activity``). SQLite: the write lock, released
    once every child has the database open (its first write comes next and waits, ``busy_timeout``)."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        tx = conn.begin()
        conn.execute(text("LOCK TABLE batch IN SHARE ROW EXCLUSIVE MODE"))

        def waiting() -> int:
            with engine.connect() as probe:  # a transaction each: the statistics views are snapshots
                return probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                          "AND query ILIKE 'INSERT INTO batch %'")).scalar()

        def release(children) -> None:
            wait_for(lambda: waiting() >= len(children), what="the imports to wait for the batch table",
                     every=0.05, timeout=120)
            tx.commit()
    else:
        import sqlite3

        path = engine.url.database
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")

        def release(children) -> None:
            real = os.path.realpath(path)

            def opened(pid: int) -> bool:
                try:
                    return any(os.path.realpath(f"/proc/{pid}/fd/{fd}") == real for fd in os.listdir(f"/proc/{pid}/fd"))
                except OSError:
                    return False

            wait_for(lambda: all(opened(c.pid) for c in children), what="the imports to open the database",
                     every=0.02, timeout=120)
            time.sleep(0.3)  # their first write follows, and waits on the lock (no assertion rests on it)
            conn.execute("COMMIT")
    try:
        yield release
    finally:
        conn.close()
