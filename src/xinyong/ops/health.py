"""Liveness and readiness (``GET /healthz``, ``GET /readyz``), and the warnings an operator must act on.

Ready means the platform can serve: the database answers, its schema is at the migrations' head, the
working-day calendar knows the current Shanghai year (deadlines of Art. 36–38 fail closed without it), and no
restore is in progress (``xinyong restore`` replays the purge journal before anything is served). Warnings
never stop serving: the next year's calendar still missing from ``ops.calendar_warning_days`` before 1 January,
a late seal (an event unsealed for longer than ``ops.seal_late_minutes``).

Everything here is configuration and counts: no subject, no identifier, no database URL.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .. import __version__
from ..clock import TZ, now, today
from ..config import get_settings
from ..law import calendar, parameters
from ..law.errors import LawError
from ..models import AuditCheckpoint, AuditEvent

RESTORE_MARKER = "RESTORE-IN-PROGRESS"


@functools.lru_cache(maxsize=1)
def migrations_head() -> str | None:
    from alembic.script import ScriptDirectory

    from ..migrations import alembic_config

    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()  # type: ignore[arg-type]


def restore_marker() -> Path:
    return get_settings().var_dir / RESTORE_MARKER


def _aware(moment: datetime) -> datetime:
    """A stored timestamp as an aware moment (SQLite keeps the Shanghai wall time naive)."""
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None or moment.utcoffset() is None else moment


_LATEST = (select(AuditCheckpoint.sealed_at, AuditCheckpoint.last_event_id)
           .order_by(AuditCheckpoint.seq.desc()).limit(1))
_OLDEST_UNSEALED = (select(AuditEvent.at).where(AuditEvent.id > bindparam("last"))
                    .order_by(AuditEvent.id).limit(1))


@dataclass
class SealState:
    last_sealed_at: datetime | None
    last_sealed_event: int | None
    oldest_unsealed_at: datetime | None
    late_after_minutes: int

    def seconds_since_seal(self, at: datetime) -> float | None:
        return None if self.last_sealed_at is None else max(0.0, (at - self.last_sealed_at).total_seconds())

    def late(self, at: datetime) -> bool:
        if self.oldest_unsealed_at is None:
            return False
        return at - self.oldest_unsealed_at > timedelta(minutes=self.late_after_minutes)


def seal_state(conn, day: date | None = None) -> SealState:
    """The latest checkpoint and the oldest event it does not cover (two indexed look-ups)."""
    row = conn.execute(_LATEST).first()
    sealed_at, last_id = (row[0], row[1]) if row else (None, None)
    oldest = conn.execute(_OLDEST_UNSEALED, {"last": last_id or 0}).scalar()
    minutes = parameters.value("ops.seal_late_minutes", day or today())
    return SealState(None if sealed_at is None else _aware(sealed_at), last_id,
                     None if oldest is None else _aware(oldest), int(minutes))


def calendar_knows(year: int) -> bool:
    try:
        calendar.is_workday(date(year, 1, 1))
    except LawError:
        return False
    return True


def calendar_warning(day: date) -> str | None:
    """The warning that the next year's working days are not known yet (from ``ops.calendar_warning_days``
    before 1 January), or None."""
    days = parameters.value("ops.calendar_warning_days", day)
    nxt = day.year + 1
    if day >= date(nxt, 1, 1) - timedelta(days=days) and not calendar_knows(nxt):
        return (f"the working-day calendar does not know {nxt} yet: deadlines falling in {nxt} cannot be "
                f"computed until the State Council's notice is added (xinyong law calendar add FILE)")
    return None


@dataclass
class Health:
    database: dict[str, Any] = field(default_factory=dict)
    calendar: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    reasons: list[dict[str, str]] = field(default_factory=list)  # why it is not ready

    @property
    def ready(self) -> bool:
        return not self.reasons

    def details(self) -> dict[str, Any]:
        return {"status": "ok", "ready": self.ready, "version": __version__, "database": self.database,
                "calendar": self.calendar, "audit": self.audit, "warnings": self.warnings,
                "not_ready": self.reasons}


def check(engine: Engine, *, with_details: bool = True) -> Health:
    """The platform's state. ``with_details=False`` (``/readyz``) skips what only ``/healthz`` shows."""
    health = Health()
    day, moment = today(), now()
    head = migrations_head()
    health.database = {"dialect": engine.dialect.name, "reachable": False, "revision": None, "head": head}
    try:
        with engine.connect() as conn:
            try:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except SQLAlchemyError:
                conn.rollback()
                revision = None
            health.database.update(reachable=True, revision=revision)
            if with_details and revision is not None:
                seal = seal_state(conn, day)
                since = seal.seconds_since_seal(moment)
                health.audit = {
                    "last_sealed_at": None if seal.last_sealed_at is None else seal.last_sealed_at.isoformat(),
                    "seconds_since_seal": None if since is None else round(since, 1),
                    "oldest_unsealed_at": (None if seal.oldest_unsealed_at is None
                                           else seal.oldest_unsealed_at.isoformat()),
                    "seal_late": seal.late(moment), "late_after_minutes": seal.late_after_minutes}
                if seal.late(moment):
                    health.warnings.append({"code": "seal_late", "message": (
                        f"audit events have waited more than {seal.late_after_minutes} minutes for a seal "
                        "(run xinyong audit seal, or check the worker)")})
    except SQLAlchemyError as exc:
        # the driver's message names neither values nor credentials (hide_parameters); the first line only
        health.reasons.append({"code": "database_unreachable",
                               "message": str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]})
    if health.database["reachable"]:
        revision = health.database["revision"]
        if revision is None:
            health.reasons.append({"code": "database_not_migrated",
                                   "message": "the database is not migrated (run xinyong db upgrade)"})
        elif revision != head:
            health.reasons.append({"code": "migrations_not_at_head", "message": (
                f"the database is at revision {revision}, the code at {head} (run xinyong db upgrade)")})
    current = calendar_knows(day.year)
    health.calendar = {"current_year": day.year, "current_year_known": current}
    if not current:
        health.reasons.append({"code": "calendar_unknown", "message": (
            f"the working-day calendar does not know {day.year}: add the State Council's notice "
            "(xinyong law calendar add FILE)")})
    if with_details:
        health.calendar["years_known"] = list(calendar.known_years())
        warning = calendar_warning(day)
        health.calendar["next_year_known"] = calendar_knows(day.year + 1)
        if warning:
            health.warnings.append({"code": "calendar_next_year_missing", "message": warning})
    if restore_marker().exists():
        health.reasons.append({"code": "restore_in_progress",
                               "message": "a restore is in progress (xinyong restore): nothing is served until "
                                          "it has replayed the purge journal"})
    return health
