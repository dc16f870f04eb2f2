from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class WorkerJob(Base):
    """A scheduled job of ``xinyong worker`` (purge, seal, reminders, retention): the last schedule slot
    it ran for, and — while one runs — the process holding it (so that two workers never run one job at
    once, and ``xinyong worker --once`` from cron runs only what is due)."""

    __tablename__ = "worker_job"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    due_slot: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the latest slot run
    status: Mapped[str | None] = mapped_column(String(16))  # running | ok | failed
    holder: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # after a failure
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class AuditVerification(Base):
    """A verification of the audit log the console asked for (``POST /console/verify``), run by ``xinyong
    worker`` (minutes on a large database: never in the web process). Queued (``started_at`` NULL), running,
    then finished with its outcome; the outcome is also the ``audit:verify`` event it records (Art. 20(2)).
    The summary holds counts and kinds of problem only, never their messages (they may quote stored values)."""

    __tablename__ = "audit_verification"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str] = mapped_column(String(120))  # the actor's label
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(8))  # ok | failed
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)  # a verification that could not run (masked)
    # Held while it runs, renewed by the worker's heartbeat (``record.queue``'s scheme): a lapsed lease means the
    # worker died, and the next worker claims it again.
    lease_holder: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
