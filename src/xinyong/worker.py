"""``xinyong worker``: imports the queued batches and runs the platform's scheduled work, from one place.

Imports submitted over HTTP never run in the web server: ``POST /batches`` stores the encrypted spool and
commits the batch as ``queued``; a worker claims it from the batch table (``record.queue``: a conditional
``UPDATE``, so two workers never take one), imports it as the officer who submitted it, holding its lease,
with the importer's memory settings (the garbage collector paused per chunk) in this process only. Stopped
(SIGTERM, SIGINT), a worker finishes the chunk under way and hands its batch back to the queue; killed, its
lease lapses and the batch is ``interrupted`` until its unit resumes it.

The scheduled jobs, each on a schedule of its own (``XINYONG_SCHEDULE_<JOB>``; ``docs/operations.md``):

- ``purge``     — ``xinyong purge``: revoked records (Art. 37) and list entries revoked on remedy, within their
                  deadlines, and the stored copies past their retention period (Art. 19); daily at 02:00;
- ``seal``      — ``xinyong audit seal``: the audit log into a signed checkpoint (Art. 20(2)); hourly;
- ``reminders`` — ``xinyong objection overdue``: every objection step past its deadline (Art. 36), logged as
                  a warning for the operator; daily at 09:00;
- ``retention`` — half-written copies that a dead process left under ``var/batches`` and copies whose batch
                  was never recorded (Art. 19); daily at 03:00;
- ``materials`` — objection evidence and restoration materials under ``var/materials`` past their retention
                  (Art. 36, Art. 38), and files no row names; daily at 03:30;
- ``notices``   — the queued e-mails that tell subjects a letter waits in the portal (Art. 32.1, 36, 37, 38),
                  retried with backoff, failures reported; every 5 minutes.

A job runs when the latest slot of its schedule is later than the slot it last ran for (``worker_job``), so
``xinyong worker --once`` from cron runs exactly what is due; a job is held by one worker at a time (a
lease, as batches have). Schedules read the platform's clock (Asia/Shanghai).
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import typer
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from .clock import now, today, wall_now
from .config import get_settings
from .db import session_scope
from .models import Batch
from .models.worker import WorkerJob
from .record import importer, queue

log = logging.getLogger("xinyong.worker")

# --- schedules -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """``daily HH:MM``, ``hourly``, ``every N s|m|h`` (slots from midnight, Asia/Shanghai) or ``off``."""

    text: str
    at: time | None = None
    every: int | None = None  # seconds

    @classmethod
    def parse(cls, text: str) -> Schedule:
        raw = " ".join(text.strip().lower().split())
        if raw in ("off", "never", "none"):
            return cls(raw)
        if raw == "hourly":
            return cls(raw, every=3600)
        m = re.fullmatch(r"daily (\d{1,2}):(\d{2})", raw)
        if m and int(m[1]) < 24 and int(m[2]) < 60:
            return cls(raw, at=time(int(m[1]), int(m[2])))
        m = re.fullmatch(r"every (\d+) ?(s|m|h|sec|min|seconds?|minutes?|hours?)", raw)
        if m and int(m[1]) > 0:
            unit = {"s": 1, "m": 60, "h": 3600}[m[2][0]]
            return cls(raw, every=int(m[1]) * unit)
        raise ValueError(f"a schedule is 'daily HH:MM', 'hourly', 'every N s|m|h' or 'off', not {text!r}")

    @property
    def off(self) -> bool:
        return self.at is None and self.every is None

    def slot(self, moment: datetime) -> datetime | None:
        """The latest moment of the schedule at or before ``moment`` (None: off)."""
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.at is not None:
            slot = midnight.replace(hour=self.at.hour, minute=self.at.minute)
            return slot if slot <= moment else slot - timedelta(days=1)
        if self.every is not None:
            elapsed = int((moment - midnight).total_seconds())
            return midnight + timedelta(seconds=elapsed - elapsed % self.every)
        return None


# --- jobs ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Engine], dict]
    default: str
    about: str


JOBS: dict[str, Job] = {}


def register_job(name: str, run: Callable[[Engine], dict], *, default: str, about: str) -> None:
    """A scheduled job: ``run(engine) -> summary`` (a dict, no personal data), on ``default`` unless
    ``XINYONG_SCHEDULE_<NAME>`` says otherwise."""
    Schedule.parse(default)
    JOBS[name] = Job(name, run, default, about)


def schedules() -> dict[str, Schedule]:
    configured = get_settings().schedules
    return {name: Schedule.parse(configured.get(name) or job.default) for name, job in JOBS.items()}


def _purge(engine: Engine) -> dict:
    from . import deletion

    report = deletion.run(engine)
    for r in report.late:
        log.warning("late [Art. 37]: record %s was due for deletion by %s", r["record_id"], r["due_on"])
    return {"deleted": len(report.deleted), "late": len(report.late),
            **{name: {"deleted": len(r.deleted), "late": len(r.late)} for name, r in report.steps.items()}}


def _seal(engine: Engine) -> dict:
    from .audit import seal

    return seal.seal(engine).summary()


def _reminders(engine: Engine) -> dict:
    from .objection import service

    with session_scope(engine) as s:
        rows = service.overdue(s)
    for r in rows:
        log.warning("overdue [%s]: objection %s, step %s (%s) was due by %s", r["basis"]["article"],
                    r["objection"], r["step"], r["party"], r["due_on"])
    return {"overdue": len(rows), "steps": [{"objection": r["objection"], "step": r["step"], "due_on": r["due_on"],
                                             "article": r["basis"]["article"]} for r in rows]}


def _retention(engine: Engine) -> dict:
    with session_scope(engine) as s:
        return importer.sweep_orphan_files(s)


def _materials(engine: Engine) -> dict:
    from .restoration import materials

    with session_scope(engine) as s:
        return materials.retention(s, today())


register_job("purge", _purge, default="daily 02:00",
             about="xinyong purge: revoked records and list entries (Art. 37), copies past retention (Art. 19)")
register_job("seal", _seal, default="hourly", about="xinyong audit seal: a signed checkpoint (Art. 20(2))")
register_job("reminders", _reminders, default="daily 09:00",
             about="xinyong objection overdue: steps past their deadline (Art. 36), logged for the operator")
register_job("retention", _retention, default="daily 03:00",
             about="half-written and unrecorded copies under var/batches (Art. 19)")
register_job("materials", _materials, default="daily 03:30",
             about="subjects' materials under var/materials past their retention (Art. 36, Art. 38)")


def _notices(engine: Engine) -> dict:
    from .notice import mail

    return mail.send_due(engine)


register_job("notices", _notices, default="every 5m",
             about="queued notice e-mails: 'a letter waits in the portal', retried, failures reported (Art. 32.1)")


@dataclass
class JobRun:
    name: str
    slot: str
    ok: bool
    summary: dict | None = None
    error: str | None = None

    def as_dict(self) -> dict:
        return {"job": self.name, "slot": self.slot, "ok": self.ok, "summary": self.summary, "error": self.error}


def _claim_job(engine: Engine, name: str, slot: datetime, holder: str) -> bool:
    wall = wall_now()
    with session_scope(engine) as s:
        if s.get(WorkerJob, name) is None:
            try:
                with s.begin_nested():
                    s.execute(insert(WorkerJob).values(name=name))
            except IntegrityError:
                pass  # another worker added it
        n = s.execute(update(WorkerJob).where(
            WorkerJob.name == name,
            (WorkerJob.due_slot.is_(None)) | (WorkerJob.due_slot < slot),
            (WorkerJob.holder.is_(None)) | (WorkerJob.lease_expires_at < wall),
            (WorkerJob.retry_at.is_(None)) | (WorkerJob.retry_at <= wall),
        ).values(holder=holder, lease_expires_at=queue.expiry(), status="running", started_at=now())).rowcount
    return n == 1


def _renew_job(engine: Engine, name: str, holder: str, stop: threading.Event) -> None:
    seconds = queue.lease_seconds()
    while not stop.wait(seconds / 3):
        try:
            with session_scope(engine) as s:
                s.execute(update(WorkerJob).where(WorkerJob.name == name, WorkerJob.holder == holder)
                          .values(lease_expires_at=queue.expiry(seconds)))
        except DBAPIError:  # pragma: no cover - a busy database: the next beat
            pass


def run_due_jobs(engine: Engine, *, holder: str | None = None, only: set[str] | None = None,
                 at: datetime | None = None) -> list[JobRun]:
    """Run every job whose schedule has a slot it has not run for (each held by this worker while it runs).
    A failed job is tried again after ``XINYONG_WORKER_RETRY_SECONDS``; its error is kept, masked."""
    from .record.fields import mask_id_shaped

    holder = holder or queue.new_holder()
    moment = at or now()
    runs = []
    for name, schedule in schedules().items():
        if only is not None and name not in only:
            continue
        slot = schedule.slot(moment)
        if slot is None or not _claim_job(engine, name, slot, holder):
            continue
        stop = threading.Event()
        beat = threading.Thread(target=_renew_job, args=(engine, name, holder, stop), daemon=True,
                                name=f"job {name}")
        beat.start()
        try:
            summary = JOBS[name].run(engine)
            run = JobRun(name, slot.isoformat(), True, summary=summary)
            values: dict[str, Any] = dict(due_slot=slot, status="ok", retry_at=None, error=None,
                                          summary=_jsonable(summary))
            log.info("job %s (slot %s) done: %s", name, slot.isoformat(), summary)
        except Exception as exc:  # noqa: BLE001 - a job's failure is kept and retried, never the worker's end
            text = mask_id_shaped(f"{type(exc).__name__}: {exc}")[:2000]
            run = JobRun(name, slot.isoformat(), False, error=text)
            retry = wall_now() + timedelta(seconds=get_settings().worker_retry_seconds)
            values = dict(status="failed", retry_at=retry, error=text)
            log.error("job %s (slot %s) failed: %s; tried again after %s", name, slot.isoformat(), text,
                      retry.isoformat(timespec="seconds"))
        finally:
            stop.set()
            beat.join()
        with session_scope(engine) as s:
            s.execute(update(WorkerJob).where(WorkerJob.name == name, WorkerJob.holder == holder).values(
                holder=None, lease_expires_at=None, finished_at=now(), **values))
        runs.append(run)
    return runs


def _jsonable(value: Any) -> Any:
    import orjson

    return orjson.loads(orjson.dumps(value, default=str))


def job_states(engine: Engine) -> list[dict]:
    """Each job: its schedule, the slot it last ran for, its state (``xinyong worker --status``)."""
    with session_scope(engine) as s:
        stored = {j.name: j for j in s.scalars(select(WorkerJob))}
    out = []
    for name, schedule in schedules().items():
        j = stored.get(name)
        out.append({"job": name, "schedule": schedule.text, "about": JOBS[name].about,
                    "last_slot": j.due_slot.isoformat() if j and j.due_slot else None,
                    "status": j.status if j else None, "error": j.error if j else None})
    return out


# --- the import queue ----------------------------------------------------------------------------------------


@dataclass
class Worker:
    """One worker: ``run_once`` does one round (what a cron run or a test needs); ``run_forever`` loops."""

    engine: Engine
    imports: bool = True
    jobs: bool = True
    stop: threading.Event = field(default_factory=threading.Event)
    holder: str = field(default_factory=queue.new_holder)

    def run_once(self) -> dict:
        swept = queue.sweep(self.engine)
        for batch_id in swept:
            log.warning("batch %s interrupted: its process stopped renewing its lease; %s", batch_id,
                        queue.RESUME_HINT.format(id=batch_id))
        batches = []
        while self.imports and not self.stop.is_set():
            lease = queue.claim_next(self.engine)
            if lease is None:
                break
            batches.append(self.run_batch(lease))
        jobs = [] if not self.jobs or self.stop.is_set() else run_due_jobs(self.engine, holder=self.holder)
        result = {"interrupted": swept, "batches": batches, "jobs": [j.as_dict() for j in jobs]}
        if self.jobs and not self.stop.is_set():
            verified = self.run_verifications()
            if verified:
                result["verifications"] = verified
        return result

    def run_verifications(self) -> list[dict]:
        """The audit verifications the console queued (``POST /console/verify``), each run here."""
        from .oversight import operations

        return operations.run_queued_verifications(self.engine)

    def run_batch(self, lease: queue.Lease) -> dict:
        """Import one claimed batch from its stored copy, as the officer who submitted it."""
        batch_id = lease.batch_id
        path = importer.stored_copy_path(batch_id)
        with session_scope(self.engine) as s:
            actor = importer.submitter(s, s.get(Batch, batch_id))
            if not path.exists():
                lease.release(s, status="failed", finished_at=now(),
                              error="its stored copy is gone (deleted before it was imported): submit the file again")
                log.error("batch %s failed: its stored copy is gone", batch_id)
                return {"batch_id": batch_id, "status": "failed"}
        log.info("batch %s: importing from row %s", batch_id, lease.progress.rows)
        try:
            result = importer.run_import(self.engine, batch_id=batch_id, path=path, actor=actor, today=today(),
                                         chunk_rows=get_settings().import_chunk_rows, lease=lease,
                                         stop=self.stop, on_stop="queued")
        except queue.LeaseLost as exc:
            log.error("batch %s: %s", batch_id, exc.message)
            return {"batch_id": batch_id, "status": "lease_lost"}
        except Exception as exc:  # noqa: BLE001 - the batch is marked failed with its (masked) error
            log.error("batch %s failed: %s", batch_id, type(exc).__name__)
            return {"batch_id": batch_id, "status": "failed"}
        log.info("batch %s %s: %s rows, accepted %s, already present %s, rejected %s", batch_id, result.status,
                 result.rows, result.accepted, result.already_present, result.rejected)
        return {"batch_id": batch_id, "status": result.status, "rows": result.rows, "accepted": result.accepted,
                "already_present": result.already_present, "rejected": result.rejected}

    def run_forever(self, *, poll: float | None = None) -> None:
        poll = get_settings().worker_poll_seconds if poll is None else poll
        log.info("worker %s: polling every %ss; jobs: %s", self.holder, poll,
                 ", ".join(f"{n} ({s.text})" for n, s in schedules().items()) if self.jobs else "none")
        while not self.stop.is_set():
            try:
                self.run_once()
            except DBAPIError as exc:  # the database went away for a moment: try again next round
                log.error("worker round failed: %s", type(exc).__name__)
            self.stop.wait(poll)
        log.info("worker %s stopped", self.holder)


def drain(engine: Engine) -> list[dict]:
    """Import every queued batch here and now (no scheduled jobs): what tests use after ``POST /batches``."""
    return Worker(engine, jobs=False).run_once()["batches"]


def _watch_parent(stop: threading.Event, parent: int) -> None:
    while not stop.wait(1.0):
        if os.getppid() != parent:
            log.warning("the server that started this worker is gone: stopping")
            stop.set()


# --- the command ---------------------------------------------------------------------------------------------


def worker_command(
    once: bool = typer.Option(False, "--once", help="Run what is due (queued batches, jobs whose slot came) "
                              "and exit: for cron."),
    imports: bool = typer.Option(True, "--imports/--no-imports", help="Import queued batches."),
    jobs: bool = typer.Option(True, "--jobs/--no-jobs", help="Run the scheduled jobs."),
    only: list[str] = typer.Option(None, "--job", help="With --once: only this job (repeatable)."),
    status: bool = typer.Option(False, "--status", help="Print each job's schedule and last run, and exit."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    stop_with_parent: bool = typer.Option(False, "--stop-with-parent", hidden=True),
) -> None:
    """Import queued batches and run the scheduled work (purge, seal, reminders, retention). Exit 0; with
    --once, 1 when a job failed and 5 when a deletion was late (as xinyong purge)."""
    from .console import out, print_json
    from .db import get_engine

    eng = get_engine()
    for name in only or ():
        if name not in JOBS:
            raise typer.BadParameter(f"no job {name!r}; the jobs are {', '.join(JOBS)}", param_hint="--job")
    try:
        schedules()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if status:
        states = job_states(eng)
        if as_json:
            print_json({"jobs": states, "batches": queue.counts(eng)})
        else:
            for j in states:
                out.print(f"{j['job']:<10} {j['schedule']:<12} last slot {j['last_slot'] or '—'}"
                          f"{'  ' + j['status'] if j['status'] else ''}", markup=False)
            out.print("batches: " + ", ".join(f"{k} {v}" for k, v in sorted(queue.counts(eng).items())),
                      markup=False)
        return
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = Worker(eng, imports=imports, jobs=jobs and not only)
    if once:
        result = worker.run_once()
        if only:
            result["jobs"] = [j.as_dict() for j in run_due_jobs(eng, holder=worker.holder, only=set(only))]
        if as_json:
            print_json(result)
        else:
            for b in result["batches"]:
                out.print(f"batch {b['batch_id']}: {b['status']}", markup=False)
            for j in result["jobs"]:
                out.print(f"job {j['job']} (slot {j['slot']}): " + ("done" if j["ok"] else f"failed: {j['error']}"),
                          markup=False)
            if not result["batches"] and not result["jobs"]:
                out.print("nothing was due")
        failed = any(not j["ok"] for j in result["jobs"])
        late = any(j["ok"] and j["job"] == "purge" and _late(j["summary"]) for j in result["jobs"])
        raise typer.Exit(1 if failed else 5 if late else 0)

    def _stop(signum, _frame) -> None:
        log.info("signal %s: stopping after the chunk under way", signum)
        worker.stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if stop_with_parent:
        threading.Thread(target=_watch_parent, args=(worker.stop, os.getppid()), daemon=True).start()
    worker.run_forever()


def _late(summary: dict | None) -> bool:
    if not summary:
        return False
    return bool(summary.get("late")) or any(isinstance(v, dict) and v.get("late") for v in summary.values())
