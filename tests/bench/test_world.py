"""``python -m bench world``: a tiny world (2,000 records) built by COPY in a database of its own on the test
server, then held to what the big one is measured on: its counts, every record served through the platform's
inquiry path (to its own subject; one subject's public records to an organ's officer), and `audit verify` clean.

The bench pins its own environment (date, HMAC key, var dir) when imported, so it runs in child processes,
never in the test process. PostgreSQL only (the world is built by COPY): skipped without
``XINYONG_TEST_POSTGRES_URL``. 13 s at load 2, 50–75 s at load 6: ``-m long``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORDS = 2000


@pytest.fixture
def world_env(tmp_path):
    url = os.environ.get("XINYONG_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("the world is built by COPY on PostgreSQL: XINYONG_TEST_POSTGRES_URL is not set")
    database = f"xinyong_world_pytest_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_") or k == "XINYONG_TEST_POSTGRES_URL"}
    env["XINYONG_BENCH_POSTGRES_URL"] = url
    env["PYTHONPATH"] = str(ROOT)
    env["XINYONG_BENCH_RESULTS_DIR"] = str(tmp_path / "results")  # the marker and the results: not the repository's
    yield database, env
    subprocess.run([sys.executable, "-m", "bench", "world", "drop", "--database", database], cwd=ROOT, env=env,
                   capture_output=True, text=True)
    parts = urlsplit(url)
    import psycopg

    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{database}"')


def _child(env: dict, *args: str) -> dict:
    p = subprocess.run([sys.executable, "-m", "bench.world", "--child", *args], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    line = next(ln for ln in p.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


@pytest.mark.long
def test_a_tiny_world_is_whole_servable_and_verifies(world_env):
    database, env = world_env
    p = subprocess.run([sys.executable, "-m", "bench", "world", "build", "--records", str(RECORDS), "--database",
                        database], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    results = Path(env["XINYONG_BENCH_RESULTS_DIR"])
    marker = json.loads((results / f"world-{database}" / "marker.json").read_text())
    assert marker["generation"]["records"] == RECORDS and not marker["generation"]["rejected"]
    assert marker["moved"]["revoked_pending_purge"] >= 1 and marker["moved"]["under_objection"] >= 1

    check = _child(env, "selfcheck", database)
    assert check["records"] == RECORDS == check["marker_records"]
    assert check["subjects"] == check["marker_subjects"] and 300 < check["subjects"] < 500  # ~5 records a subject
    # every record the law lets be served is served to its own subject, and nothing else: all but the revoked
    # ones (Art. 37) and the untrustworthy ones past their inquiry period (Art. 35), counted by the platform's rule
    assert check["revoked"] == marker["moved"]["revoked_pending_purge"]
    assert 0 < check["servable"] < RECORDS and check["servable"] >= RECORDS - check["revoked"] - check["past_inquiry_period"]
    assert check["served_to_self"] == check["servable"]
    assert check["not_served_to_self"] == [] and check["served_not_servable"] == []
    # the organ's officer sees exactly the subject's active records of the organ's published items
    assert check["organ_allowed"] and check["organ_served"]
    assert check["organ_served"] == check["organ_expected"]

    verified = _child(env, "verify", database)
    assert verified["problems"] == [] and verified["ok"]
    assert verified["records"] == RECORDS and verified["import_events"] == marker["generation"]["chunk_events"]

    # the check as ``world measure`` times it: its measures announced (Art. 32.2: a check of measures never
    # announced applies none, and times the decision only), checks that return one, and the front door's lines
    p = subprocess.run([sys.executable, "-m", "bench", "world", "measure", "--database", database, "--only", "check",
                        "--checks", "40", "--repeat", "1"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    [path] = [ln.split(": ", 1)[1] for ln in p.stdout.splitlines() if ln.startswith("results: ")]
    measured = json.loads(Path(path).read_text())["worlds"][database]["check"]
    assert Path(path).parent == results and not (ROOT / "bench" / "results" / f"world-{database}").exists()
    runs = measured["runs"]
    assert set(runs) >= {"platform", "platform_service", "platform_door", "door_reads", "raw_lookup", "raw_lookup_log"}
    assert runs["platform"][0]["n"] == runs["platform_door"][0]["n"] == 40
    applied = runs["platform"][0]["subjects_with_measures"]
    assert 0 < applied < 40 and runs["platform_door"][0]["subjects_with_measures"] == applied
    assert "warning" not in measured["table"] and f"check() {applied:,} of 40" in measured["table"]
