"""The batch table is the import queue, and each running batch holds a lease (Art. 11, 19).

No job library serves both SQLite and PostgreSQL, and none is needed: a batch submitted over HTTP is
committed as ``queued`` (its encrypted spool already stored); a worker claims it with a conditional
``UPDATE … WHERE status = 'queued'`` (two workers never take one: the second finds the row changed), and
runs it holding a lease — ``lease_holder`` (``host:pid:token``) and ``lease_expires_at`` — renewed in the
transaction of every chunk it commits and by a heartbeat thread in between. A chunk commits only while its
process still holds the lease (the same statement renews the lease and writes the batch's counts), so a
process that lost its lease can never add to a batch another process now runs.

A process that dies stops renewing: once its lease has lapsed, the next command (``xinyong …`` at start,
``xinyong worker`` at every round, the resume route) marks the batch ``interrupted`` — with the chunks it
committed, and an audit event. ``xinyong import FILE --resume BATCH`` or ``POST /batches/{id}/resume``
completes it from its committed row count.

Statuses: received (opened by the CLI, about to run) | queued | running | interrupted | done | failed.

Leases are real time (:func:`xinyong.clock.wall_now`), not the platform's pinned clock: they tell one
process whether another is alive. Hosts that share a database keep their clocks in step (NTP); the lease
(``XINYONG_BATCH_LEASE_SECONDS``, default 30 s) is far longer than their drift.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from ..audit import service as audit
from ..auth import CONSOLE, Actor
from ..clock import now, wall_now
from ..config import get_settings
from ..db import session_scope
from ..errors import Conflict, msg
from ..models import Batch

log = logging.getLogger("xinyong.queue")

STATUSES = ("received", "queued", "running", "interrupted", "done", "failed")
LEASED = ("received", "running")  # a process holds these: lapsed, they are interrupted
RESUME_HINT = "resume it: xinyong import FILE --resume {id} (or POST /api/v1/batches/{id}/resume)"


class LeaseLost(Conflict):
    """The batch is no longer this process's to run (its lease lapsed and it was marked interrupted, or
    another process resumed it): nothing more of it is stored here."""

    code = "lease_lost"


class NotResumable(Conflict):
    code = "not_resumable"


def lease_seconds() -> float:
    return get_settings().batch_lease_seconds


def new_holder() -> str:
    """``host:pid:token``: who holds a lease (the token tells two runs in one process apart)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(6)}"


def expiry(seconds: float | None = None) -> datetime:
    return wall_now() + timedelta(seconds=lease_seconds() if seconds is None else seconds)


@dataclass
class Progress:
    """What the committed chunks of a batch add up to (a run continues from there)."""

    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    already_present: int = 0
    notices: list = field(default_factory=list)
    runs: int = 0


@dataclass
class Lease:
    """This process's hold on one running batch."""

    engine: Engine
    batch_id: str
    holder: str
    seconds: float
    progress: Progress = field(default_factory=Progress)
    lost: bool = False

    def guard(self):
        """The WHERE clause of every write this run makes to its batch: it still holds the lease."""
        return (Batch.id == self.batch_id, Batch.lease_holder == self.holder, Batch.status == "running")

    def commit_chunk(self, session, **values) -> None:
        """In a chunk's transaction, its last statement: the batch's counts and a renewed lease, only while
        this run holds it — else the whole chunk rolls back (:class:`LeaseLost`)."""
        n = session.execute(update(Batch).where(*self.guard())
                            .values(lease_expires_at=expiry(self.seconds), **values)).rowcount
        if n != 1:
            self.lost = True
            raise LeaseLost(f"batch {self.batch_id} is no longer this process's to run (its lease lapsed); "
                            "the chunks committed before are kept; " + RESUME_HINT.format(id=self.batch_id))

    def renew(self) -> bool:
        """One heartbeat (a transaction of its own). False: the lease is gone."""
        with session_scope(self.engine) as s:
            n = s.execute(update(Batch).where(*self.guard())
                          .values(lease_expires_at=expiry(self.seconds))).rowcount
        if n != 1:
            self.lost = True
        return not self.lost

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Renew the lease every third of its length on a thread of its own while the body runs (a chunk
        that takes long, a slow spooling): a live process never lets its lease lapse."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.seconds / 3):
                try:
                    if not self.renew():
                        return
                except DBAPIError:  # a busy or unreachable database: try again at the next beat
                    log.warning("batch %s: the lease could not be renewed this time", self.batch_id)

        thread = threading.Thread(target=beat, name=f"lease {self.batch_id[:8]}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def release(self, session, *, status: str, **values) -> bool:
        """End the run: the batch's new status, the lease cleared. False: it was no longer held."""
        n = session.execute(update(Batch).where(*self.guard()).values(
            status=status, lease_holder=None, lease_expires_at=None, **values)).rowcount
        return n == 1


def take(engine: Engine, batch_id: str, *, from_statuses: tuple[str, ...], actor: Actor = CONSOLE,
         holder: str | None = None) -> Lease:
    """Start running ``batch_id``: from one of ``from_statuses`` to ``running`` under a new lease, in one
    conditional statement (a batch another process took meanwhile raises :class:`NotResumable`). Returns
    the lease, with what the batch's committed chunks add up to."""
    holder = holder or new_holder()
    seconds = lease_seconds()
    with session_scope(engine) as s:
        before = s.execute(select(Batch.status).where(Batch.id == batch_id)).scalar()
        n = s.execute(update(Batch).where(Batch.id == batch_id, Batch.status.in_(from_statuses)).values(
            status="running", lease_holder=holder, lease_expires_at=expiry(seconds), runs=Batch.runs + 1,
            error=None, finished_at=None)).rowcount
        if n != 1:
            raise NotResumable(_not_takeable(s, batch_id, from_statuses))
        b = s.execute(select(Batch.rows_total, Batch.accepted, Batch.rejected, Batch.already_present,
                             Batch.notices, Batch.runs).where(Batch.id == batch_id)).one()
        if before == "interrupted":
            audit.append(s, action="batch:resumed", actor=actor, object_type="batch", object_id=batch_id,
                         details={"from_row": b.rows_total, "run": b.runs})
    return Lease(engine, batch_id, holder, seconds,
                 Progress(b.rows_total or 0, b.accepted or 0, b.rejected or 0, b.already_present or 0,
                          list(b.notices or []), b.runs))


def _not_takeable(session, batch_id: str, wanted: tuple[str, ...]) -> str:
    status = session.execute(select(Batch.status).where(Batch.id == batch_id)).scalar()
    if status is None:
        return f"no batch {batch_id}"
    if wanted == ("interrupted",):
        return (f"batch {batch_id} is {status}: only an interrupted batch can be resumed"
                + (" (its process still holds its lease)" if status == "running" else ""))
    return f"batch {batch_id} is {status}, not {' or '.join(wanted)}"


def claim_next(engine: Engine, *, holder: str | None = None) -> Lease | None:
    """The oldest queued batch, now this process's to run (None: the queue is empty). Two workers never
    take one: each claim is ``UPDATE … WHERE id = :id AND status = 'queued'``, and the loser moves on."""
    while True:
        with session_scope(engine) as s:
            batch_id = s.execute(select(Batch.id).where(Batch.status == "queued")
                                 .order_by(Batch.received_at, Batch.id).limit(1)).scalar()
        if batch_id is None:
            return None
        try:
            return take(engine, batch_id, from_statuses=("queued",), holder=holder)
        except NotResumable:
            continue  # another worker took it first


def queue_for_resume(session, *, batch_id: str, unit_id: int | None, actor: Actor) -> None:
    """``POST /batches/{id}/resume``: an interrupted batch back in the queue, to be completed by a worker
    from its stored copy. 404 for another unit's batch; 409 unless it is interrupted."""
    from ..errors import NotFound
    from .importer import stored_copy_path

    sweep_session(session, batch_id=batch_id)
    batch = session.get(Batch, batch_id)
    if batch is None or (unit_id is not None and batch.unit_id != unit_id):
        raise NotFound(msg("no batch {batch_id}", batch_id=batch_id))
    if batch.status != "interrupted":
        raise NotResumable(msg("batch {batch_id} is running: only an interrupted batch can be resumed (its process "
                               "still holds its lease)", batch_id=batch_id) if batch.status == "running"
                           else msg("batch {batch_id} is {status}: only an interrupted batch can be resumed",
                                    batch_id=batch_id, status=batch.status))
    if not stored_copy_path(batch_id).exists():
        raise NotResumable(msg("batch {batch_id} has no stored copy to resume from (it was interrupted while the "
                               "file was being read): the providing unit resumes it with the file, xinyong import "
                               "FILE --resume {batch_id}", batch_id=batch_id))
    n = session.execute(update(Batch).where(Batch.id == batch_id, Batch.status == "interrupted")
                        .values(status="queued", error=None)).rowcount
    if n != 1:  # pragma: no cover - resumed by another request at the same moment
        raise NotResumable(msg("batch {batch_id} is being resumed already", batch_id=batch_id))
    audit.append(session, action="batch:resume-queued", actor=actor, object_type="batch", object_id=batch_id,
                 details={"from_row": batch.rows_total})


def _lapsed(at: datetime):
    return (Batch.status.in_(LEASED), or_(Batch.lease_expires_at.is_(None), Batch.lease_expires_at < at))


def sweep_session(session, *, batch_id: str | None = None) -> list[str]:
    """Mark every batch whose lease lapsed (its process is gone) ``interrupted``, keeping the chunks it
    committed, one audit event each. One indexed statement when there are none. Returns their ids."""
    at = wall_now()
    q = select(Batch.id, Batch.lease_holder, Batch.lease_expires_at, Batch.rows_total, Batch.accepted,
               Batch.rejected, Batch.already_present).where(*_lapsed(at))
    if batch_id is not None:
        q = q.where(Batch.id == batch_id)
    swept = []
    for b in session.execute(q).all():
        n = session.execute(update(Batch).where(Batch.id == b.id, *_lapsed(at)).values(
            status="interrupted", lease_holder=None, lease_expires_at=None,
            error="interrupted: the process running it stopped before it finished; the chunks it committed "
                  "are kept; " + RESUME_HINT.format(id=b.id))).rowcount
        if n != 1:
            continue  # renewed, or swept by another process, meanwhile
        swept.append(b.id)
        audit.append(session, action="batch:interrupted", actor=CONSOLE, object_type="batch", object_id=b.id,
                     details={"holder": b.lease_holder, "article": "Art. 19",
                              "lease_expired_at": b.lease_expires_at.isoformat() if b.lease_expires_at else None,
                              "rows": b.rows_total, "accepted": b.accepted, "rejected": b.rejected,
                              "already_present": b.already_present, "noticed_at": now().isoformat()})
    return swept


def sweep(engine: Engine, *, batch_id: str | None = None) -> list[str]:
    with session_scope(engine) as s:
        return sweep_session(s, batch_id=batch_id)


def sweep_quietly(engine: Engine) -> list[str]:
    """:func:`sweep` for a command's start: a database not migrated this far yet is left alone."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        return sweep(engine)
    except (OperationalError, ProgrammingError):
        return []


def counts(engine: Engine) -> dict[str, int]:
    """Batches by status (for the worker's log and the operator)."""
    with session_scope(engine) as s:
        return dict(s.execute(select(Batch.status, func.count()).group_by(Batch.status)).all())
