"""``python -m bench world partition`` on a tiny world: the partitioned copy holds exactly the rows of ``record``
(count, the ids, the rows' text), and the results hold both variants of every measurement.

Like ``test_world``: the bench runs in child processes (it pins its own environment), on PostgreSQL only,
in a database of its own; ``-m long``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .test_world import ROOT, world_env  # noqa: F401 - the fixture: a database of its own, dropped after

RECORDS = 1000
PARTITIONS = 4


def _bench(env: dict, *args: str) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "bench", "world", *args], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return p


def _same_rows(url: str, database: str) -> tuple[tuple, tuple]:
    import psycopg

    def summary(c, table: str) -> tuple:
        return c.execute(f"SELECT count(*), md5(string_agg(id::text, ',' ORDER BY id)), "
                         f"md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM {table} t").fetchone()

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/" + database))) as c:
        return summary(c, "public.record"), summary(c, "xypart.record")


@pytest.mark.long
def test_the_partitioned_copy_holds_records_rows_and_both_variants_are_measured(world_env):  # noqa: F811
    database, env = world_env
    _bench(env, "build", "--records", str(RECORDS), "--database", database)
    p = _bench(env, "partition", "--database", database, "--partitions", str(PARTITIONS), "--repeat", "1",
               "--inquiries", "40", "--delete", "10", "--explain", "3", "--keep")
    path = Path(next(ln for ln in p.stdout.splitlines() if ln.startswith("results: "))[len("results: "):])
    try:
        out = json.loads(path.read_text())
        plain, parted = _same_rows(os.environ["XINYONG_TEST_POSTGRES_URL"], database)
    finally:
        for f in (path, path.with_name(f"partition-{database}-latest.json")):
            f.unlink(missing_ok=True)
    assert plain[0] == RECORDS and plain == parted
    assert out["checksum"]["equal"] and out["checksum"]["plain"]["count"] == RECORDS
    assert out["sizes"]["partitioned"]["partitions"] == PARTITIONS and out["kept"]
    for name in ("inquiry", "check", "by_id", "delete_row", "delete_row_subject", "delete_any",
                 "delete_any_subject", "verify"):
        assert set(out["runs"][name]) == {"plain", "partitioned"}, name
        assert all(len(reps) == 1 for reps in out["runs"][name].values()), name
        assert out["median"][name]["plain"] and out["median"][name]["partitioned"], name
    assert all(r["rows"] == RECORDS for reps in out["runs"]["verify"].values() for r in reps)
    # by digest, the partitioned plan holds every partition and runs one (pruned at run time)
    assert out["explain"]["inquiry"]["partitioned"]["record_scans_in_plan"] == PARTITIONS
    assert out["explain"]["inquiry"]["partitioned"]["record_scans_run"] == 1
    assert "primary key" in out["table"] and "subject_id" in out["table"]
