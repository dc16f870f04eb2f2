"""The batch table as the import queue, and the lease a running batch holds (Art. 11, 19): a batch row exists
before the first chunk; a lapsed lease makes it ``interrupted`` with the chunks it committed (a live one never);
``--resume`` and ``POST /batches/{id}/resume`` complete it exactly; a run that lost its lease stores nothing
more; two workers never take one batch; the web server never imports; retention keeps the copies of queued and
interrupted batches; the worker's scheduled jobs run when due, once."""

from __future__ import annotations

import gc
import json
import os
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from xinyong import deletion
from xinyong import config
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE
from xinyong.cli import app
from xinyong.clock import TZ, wall_now
from xinyong.db import session_scope
from xinyong.models import AuditEvent, Batch, Record
from xinyong.models.worker import WorkerJob
from xinyong.record import importer, queue, workflows
from xinyong import worker

from ..factories import CF_COLUMNS, OTHER_PROVIDER_USCC, PROVIDER_USCC, cf_row, to_csv
from ..helpers import TODAY, add_provider, run_file
from ..reliability.support import seeded_file
from .ingest_support import auth, client  # noqa: F401 - fixtures

pytestmark = pytest.mark.article("Art. 19")

ROWS = 300
CHUNK = 25


@pytest.fixture(autouse=True)
def _console_reason(monkeypatch):
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "queue tests")


def _file(tmp_path, seed=3):
    data, clean = seeded_file(ROWS, seed, bad_every=17, dup_every=29)
    path = tmp_path / f"q-{seed}.csv"
    path.write_bytes(data)
    return path, clean


def _totals(obj) -> tuple:
    if isinstance(obj, dict):
        return obj["rows"], obj["accepted"], obj["already_present"], obj["rejected"]
    return (obj.rows_total if isinstance(obj, Batch) else obj.rows), obj.accepted, obj.already_present, obj.rejected


def _batch(engine, batch_id) -> Batch:
    with session_scope(engine) as s:
        return s.get(Batch, batch_id)


def _stop_after(rows: int) -> tuple[threading.Event, callable]:
    stop = threading.Event()
    return stop, lambda n: stop.set() if n >= rows else None


def _crash(engine, batch_id) -> None:
    """What a process killed mid-run leaves: the batch running under a lease no one renews, lapsed."""
    with session_scope(engine) as s:
        s.execute(update(Batch).where(Batch.id == batch_id).values(
            status="running", lease_holder="elsewhere:4242:dead", lease_expires_at=wall_now() - timedelta(seconds=1)))


def _interrupted_midway(engine, actor, path, after_rows: int) -> str:
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename=path.name, actor=actor)
    stop, progress = _stop_after(after_rows)
    result = importer.run_import(engine, batch_id=batch_id, path=path, actor=actor, today=TODAY, chunk_rows=CHUNK,
                                 stop=stop, progress=progress)
    assert result.status == "interrupted" and result.rows < ROWS
    return batch_id


def test_the_batch_row_and_its_lease_exist_before_the_first_chunk(engine, tmp_path):
    actor, _ = add_provider(engine)
    path, clean = _file(tmp_path)
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename=path.name, actor=actor)
    b = _batch(engine, batch_id)
    assert b.status == "received" and b.lease_holder and b.lease_expires_at is not None
    seen = []
    importer.run_import(engine, batch_id=batch_id, path=path, actor=actor, today=TODAY, chunk_rows=CHUNK,
                        progress=lambda n: seen.append((_batch(engine, batch_id).status,
                                                        _batch(engine, batch_id).lease_holder)))
    assert {st for st, _ in seen} == {"running"} and len({h for _, h in seen}) == 1
    done = _batch(engine, batch_id)
    assert (done.status, done.lease_holder, done.lease_expires_at, done.runs) == ("done", None, None, 1)
    assert _totals(done) == (clean.rows, clean.accepted, clean.already_present, clean.rejected)


def test_a_lapsed_lease_is_interrupted_by_the_next_command_and_a_live_one_never(engine, tmp_path):
    actor, _ = add_provider(engine)
    path, _ = _file(tmp_path)
    live = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename=path.name, actor=actor)
    dead = _interrupted_midway(engine, actor, path, 2 * CHUNK)
    with session_scope(engine) as s:  # as if its process had been killed after its second chunk
        s.execute(update(Batch).where(Batch.id == dead).values(status="running", lease_holder="h:1:x",
                                                               lease_expires_at=wall_now() - timedelta(seconds=1)))
        s.execute(update(Batch).where(Batch.id == live).values(status="running",
                                                               lease_expires_at=wall_now() + timedelta(hours=1)))
    before = _batch(engine, dead)
    res = CliRunner().invoke(app, ["catalog", "list"], catch_exceptions=False)  # any command that uses the db
    assert res.exit_code == 0
    after = _batch(engine, dead)
    assert (after.status, after.lease_holder) == ("interrupted", None) and "--resume" in after.error
    assert _totals(after) == _totals(before) and after.rows_total == 2 * CHUNK  # its committed chunks, kept
    assert _batch(engine, live).status == "running"
    with session_scope(engine) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "batch:interrupted",
                                                    AuditEvent.object_type == "batch")).all()
    assert [e.object_id for e in events] == [dead, dead]  # stopped once, found lapsed once
    assert events[-1].details["rows"] == 2 * CHUNK and events[-1].details["holder"] == "h:1:x"
    assert queue.sweep(engine) == []  # one cheap statement once there is nothing to find


def test_resume_from_the_cli_completes_an_interrupted_batch_exactly(engine, tmp_path):
    actor, _ = add_provider(engine)
    path, clean = _file(tmp_path)
    batch_id = _interrupted_midway(engine, actor, path, 3 * CHUNK)
    res = CliRunner().invoke(app, ["import", str(path), "--unit", PROVIDER_USCC, "--resume", batch_id, "--json"],
                             catch_exceptions=False)
    assert res.exit_code == 3, res.output
    summary = json.loads(res.stdout)
    assert _totals(summary) == (clean.rows, clean.accepted, clean.already_present, clean.rejected)
    assert summary["resumed_from"] == 3 * CHUNK and summary["batch_id"] == batch_id
    b = _batch(engine, batch_id)
    assert (b.status, b.runs) == ("done", 2) and _totals(b) == _totals(summary)
    rejects = path.with_name(path.name + ".rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rejects) == 1 + clean.rejected  # the rejects of the first run too
    with session_scope(engine) as s:
        assert len(s.scalars(select(Record.id).where(Record.batch_id == batch_id)).all()) == clean.accepted
        assert s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == batch_id,
                                                         AuditEvent.action == "batch:resumed")).all()
    assert verify(engine).ok
    # a batch that is not interrupted is not resumed: a clear error
    again = CliRunner().invoke(app, ["import", str(path), "--unit", PROVIDER_USCC, "--resume", batch_id])
    assert again.exit_code == 1 and "only an interrupted batch can be resumed" in again.output
    assert "Traceback" not in again.output


def test_resume_refuses_another_file_and_another_units_batch(engine, tmp_path):
    actor, _ = add_provider(engine)
    add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    path, _ = _file(tmp_path)
    batch_id = _interrupted_midway(engine, actor, path, CHUNK)
    other = tmp_path / "other.csv"
    other.write_bytes(to_csv([cf_row(1)], CF_COLUMNS))
    res = CliRunner().invoke(app, ["import", str(other), "--unit", PROVIDER_USCC, "--resume", batch_id])
    assert res.exit_code == 1 and "not the file of batch" in res.output
    res = CliRunner().invoke(app, ["import", str(path), "--unit", OTHER_PROVIDER_USCC, "--resume", batch_id])
    assert res.exit_code == 1 and "no batch" in res.output
    assert _batch(engine, batch_id).status == "interrupted"


def test_a_batch_interrupted_while_its_file_was_read_resumes_from_the_file(engine, tmp_path):
    actor, _ = add_provider(engine)
    path, clean = _file(tmp_path)
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename=path.name, actor=actor)
    _crash(engine, batch_id)  # died before its spool was whole: no stored copy
    assert not importer.stored_copy_path(batch_id).exists()
    res = CliRunner().invoke(app, ["import", str(path), "--unit", PROVIDER_USCC, "--resume", batch_id, "--json"],
                             catch_exceptions=False)
    assert res.exit_code == 3, res.output
    assert _totals(json.loads(res.stdout)) == (clean.rows, clean.accepted, clean.already_present, clean.rejected)


def test_a_run_that_lost_its_lease_stores_no_further_chunk(engine, tmp_path):
    actor, _ = add_provider(engine)
    path, _ = _file(tmp_path)
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename=path.name, actor=actor)

    def taken_over(rows):
        if rows == 2 * CHUNK:  # meanwhile its lease lapsed and another process found it interrupted
            _crash(engine, batch_id)
            assert queue.sweep(engine) == [batch_id]

    with pytest.raises(queue.LeaseLost):
        importer.run_import(engine, batch_id=batch_id, path=path, actor=actor, today=TODAY, chunk_rows=CHUNK,
                            progress=taken_over)
    b = _batch(engine, batch_id)
    assert b.status == "interrupted" and b.rows_total == 2 * CHUNK
    with session_scope(engine) as s:
        lines = s.scalars(select(Record.line_no).where(Record.batch_id == batch_id)).all()
    assert len(lines) == b.accepted and max(lines) <= 2 * CHUNK + 1  # nothing of the third chunk


def test_over_http_the_batch_is_queued_the_server_never_imports_and_a_worker_does(engine, client, monkeypatch):
    _actor, token = add_provider(engine)
    data, clean = seeded_file(ROWS, 9, bad_every=17, dup_every=29)
    real = importer.run_import

    def never_in_the_server(*a, **kw):
        raise AssertionError("the web server ran an import")

    monkeypatch.setattr(importer, "run_import", never_in_the_server)
    assert gc.isenabled()
    res = client.post("/api/v1/batches", headers=auth(token), files={"file": ("p.csv", data, "text/csv")})
    assert res.status_code == 202 and res.json()["status"] == "queued"
    assert gc.isenabled()  # the importer's collector pause is the worker's, never the server's
    batch_id = res.json()["batch_id"]
    assert client.get(f"/api/v1/batches/{batch_id}", headers=auth(token)).json()["status"] == "queued"
    # a restart loses nothing: the queue is the batch table (a new app, then a worker)
    monkeypatch.setattr(importer, "run_import", real)
    [ran] = worker.drain(engine)
    assert ran["status"] == "done"
    status = client.get(f"/api/v1/batches/{batch_id}", headers=auth(token)).json()
    assert (status["status"], status["runs"]) == ("done", 1)
    assert _totals(status) == (clean.rows, clean.accepted, clean.already_present, clean.rejected)
    with session_scope(engine) as s:  # imported as the officer who submitted it
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "record:import")).first()
    assert event.actor.startswith(f"unit:{PROVIDER_USCC}")


def test_resume_over_http_from_the_stored_copy(engine, client, monkeypatch):
    actor, token = add_provider(engine)
    _other, other_token = add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    data, clean = seeded_file(ROWS, 10, bad_every=17, dup_every=29)
    res = client.post("/api/v1/batches", headers=auth(token), files={"file": ("p.csv", data, "text/csv")})
    batch_id = res.json()["batch_id"]
    assert client.post(f"/api/v1/batches/{batch_id}/resume", headers=auth(token)).status_code == 409  # queued
    # a worker stopped (SIGTERM) after 4 chunks hands the batch back to the queue; one killed leaves it running
    monkeypatch.setenv("XINYONG_IMPORT_CHUNK_ROWS", str(CHUNK))
    config.reset_settings()
    w = worker.Worker(engine, jobs=False)
    lease = queue.claim_next(engine)
    real = importer.run_import
    monkeypatch.setattr(importer, "run_import", lambda *a, **kw: real(
        *a, **{**kw, "progress": lambda n: w.stop.set() if n >= 4 * CHUNK else None}))
    assert w.run_batch(lease)["status"] == "queued"
    monkeypatch.setattr(importer, "run_import", real)
    b = _batch(engine, batch_id)
    assert (b.status, b.rows_total, b.lease_holder) == ("queued", 4 * CHUNK, None)
    lease = queue.claim_next(engine)  # another worker takes it, and is killed
    _crash(engine, batch_id)
    res = client.post(f"/api/v1/batches/{batch_id}/resume", headers=auth(other_token))
    assert res.status_code == 404  # another unit's batch: not even its existence
    res = client.post(f"/api/v1/batches/{batch_id}/resume", headers=auth(token))
    assert res.status_code == 202 and res.json()["status"] == "queued"  # found lapsed, then queued again
    assert client.post(f"/api/v1/batches/{batch_id}/resume", headers=auth(token)).json()["error"] == "not_resumable"
    [ran] = worker.drain(engine)
    status = client.get(f"/api/v1/batches/{batch_id}", headers=auth(token)).json()
    assert ran["status"] == status["status"] == "done" and status["runs"] == 3
    assert _totals(status) == (clean.rows, clean.accepted, clean.already_present, clean.rejected)
    rejects = client.get(f"/api/v1/batches/{batch_id}/rejects", headers=auth(token)).content.decode("utf-8-sig")
    assert len(rejects.splitlines()) == 1 + clean.rejected
    assert verify(engine).ok


def test_two_workers_never_take_one_batch(engine, database_url, tmp_path):
    from xinyong.db import make_engine

    actor, _ = add_provider(engine)
    ids = [importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename=f"{i}.csv", actor=actor, status="queued")
           for i in range(12)]
    taken: list[list[str]] = [[], []]
    start = threading.Barrier(2)

    def claim(k: int) -> None:
        eng = make_engine(database_url)
        try:
            start.wait()
            while (lease := queue.claim_next(eng)) is not None:
                taken[k].append(lease.batch_id)
        finally:
            eng.dispose()

    threads = [threading.Thread(target=claim, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(taken[0] + taken[1]) == sorted(ids)  # each exactly once
    with session_scope(engine) as s:
        assert set(s.scalars(select(Batch.status))) == {"running"}


@pytest.mark.article("Art. 19")
def test_retention_never_deletes_the_copy_of_a_queued_or_interrupted_batch(engine, tmp_path):
    actor, _ = add_provider(engine)
    path, _ = _file(tmp_path)
    interrupted = _interrupted_midway(engine, actor, path, CHUNK)
    queued = run_file(engine, actor, tmp_path, to_csv([cf_row(1)], CF_COLUMNS)).batch_id
    old = datetime(2024, 1, 2, 15, 0)
    with session_scope(engine) as s:
        s.execute(update(Batch).values(finished_at=old, received_at=old))
        s.execute(update(Batch).where(Batch.id == queued).values(status="queued"))
    assert importer.stored_copy_path(interrupted).exists() and importer.stored_copy_path(queued).exists()
    with session_scope(engine) as s:
        step = deletion.purge(s, actor=CONSOLE, on=date(2026, 1, 1)).steps["stored_copies"]
    assert step.deleted == []
    assert importer.stored_copy_path(interrupted).exists() and importer.stored_copy_path(queued).exists()


def test_the_retention_job_removes_what_dead_processes_left_and_nothing_else(engine, tmp_path, monkeypatch):
    actor, _ = add_provider(engine)
    path, _ = _file(tmp_path)
    interrupted = _interrupted_midway(engine, actor, path, CHUNK)
    folder = importer.batches_dir()
    dead_pid = _dead_pid()
    half = folder / f".{interrupted}.rejects.{dead_pid}.abc.tmp"
    mine = folder / f".{interrupted}.spool.{os.getpid()}.def.tmp"
    unrecorded = folder / f"{importer.new_batch_id()}.spool"
    for p in (half, mine, unrecorded):
        p.write_bytes(b"XYENC1\n...")
    old = wall_now().timestamp() - 3600
    os.utime(unrecorded, (old, old))
    res = CliRunner().invoke(app, ["worker", "--once", "--job", "retention", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    [job] = json.loads(res.stdout)["jobs"]
    assert job["job"] == "retention" and job["summary"]["deleted"] == 2
    assert not half.exists() and not unrecorded.exists()
    assert mine.exists() and importer.stored_copy_path(interrupted).exists()


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_schedules_and_their_slots():
    at = datetime(2025, 6, 16, 10, 20, tzinfo=TZ)
    assert worker.Schedule.parse("daily 02:00").slot(at) == datetime(2025, 6, 16, 2, 0, tzinfo=TZ)
    assert worker.Schedule.parse("daily 23:30").slot(at) == datetime(2025, 6, 15, 23, 30, tzinfo=TZ)
    assert worker.Schedule.parse("hourly").slot(at) == datetime(2025, 6, 16, 10, 0, tzinfo=TZ)
    assert worker.Schedule.parse("every 15m").slot(at) == datetime(2025, 6, 16, 10, 15, tzinfo=TZ)
    assert worker.Schedule.parse("off").slot(at) is None
    for bad in ("daily 25:00", "weekly", "every 0m", ""):
        with pytest.raises(ValueError):
            worker.Schedule.parse(bad)


def test_worker_once_runs_what_is_due_once(engine, monkeypatch):
    """``xinyong worker --once`` (for cron): every job whose slot came, then nothing until the next slot."""
    monkeypatch.setenv("XINYONG_SCHEDULE_REMINDERS", "off")
    config.reset_settings()
    res = CliRunner().invoke(app, ["worker", "--once", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    ran = {j["job"]: j for j in json.loads(res.stdout)["jobs"]}
    assert set(ran) == {"purge", "seal", "retention", "materials", "notices"} and all(j["ok"] for j in ran.values())
    assert ran["purge"]["slot"].startswith("2025-06-16T02:00") and ran["seal"]["slot"].startswith("2025-06-16T10:00")
    again = CliRunner().invoke(app, ["worker", "--once", "--json"], catch_exceptions=False)
    assert json.loads(again.stdout)["jobs"] == []
    with session_scope(engine) as s:
        jobs = {j.name: j for j in s.scalars(select(WorkerJob))}
    assert jobs["purge"].status == "ok" and jobs["purge"].holder is None
    # a failed job is kept with its error and tried again only after the retry delay
    monkeypatch.setitem(worker.JOBS, "seal", worker.Job("seal", _boom, "every 1s", "test"))
    monkeypatch.setenv("XINYONG_SCHEDULE_SEAL", "every 1s")
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T11:00:00")  # a later moment: the 1 s slot has come, whatever the wall clock did
    config.reset_settings()
    failed = CliRunner().invoke(app, ["worker", "--once", "--job", "seal", "--json"], catch_exceptions=False)
    assert failed.exit_code == 1 and json.loads(failed.stdout)["jobs"][0]["error"].startswith("RuntimeError")
    later = CliRunner().invoke(app, ["worker", "--once", "--job", "seal", "--json"], catch_exceptions=False)
    assert json.loads(later.stdout)["jobs"] == []  # within XINYONG_WORKER_RETRY_SECONDS


def _boom(_engine):
    raise RuntimeError("the signing key is missing")


def test_serve_starts_one_worker_beside_itself_with_the_embedded_database(monkeypatch):
    import atexit
    import subprocess

    from xinyong import cli

    started, registered = [], []

    class FakeChild:
        pid = 4242

        def __init__(self, args, **_kw):
            started.append(args)

        def poll(self):
            return None

        def terminate(self):
            started.append("terminated")

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakeChild)
    monkeypatch.setattr(atexit, "register", registered.append)
    cli._worker_beside(None)  # the tests' database is SQLite: on by default
    assert started[0][1:] == ["-m", "xinyong.cli", "worker", "--stop-with-parent"]
    registered[0]()  # what runs when the server exits
    assert started[-1] == "terminated"
    cli._worker_beside(False)
    assert len(started) == 2
