"""The platform's one clock (Asia/Shanghai). ``XINYONG_TODAY`` pins it.

Nothing else in xinyong reads the real date: every "today" and "now" comes from here, so demos
and tests run on any date.

``XINYONG_TODAY`` takes a date (``2025-06-16``: that date, at the real time of day) or a moment
(``2025-06-16T05:30:00``, Asia/Shanghai unless it carries an offset): the clock then starts at that
moment when it is first read and runs at real speed, so timestamps still increase. Changing the
value starts the clock again from the new moment.

Every day the platform shows or stores is an Asia/Shanghai day: a stored timestamp becomes a day
through :func:`local_date`, never ``.date()`` (PostgreSQL hands back aware timestamps in the
session's time zone, SQLite the naive wall time that was written).
"""

from __future__ import annotations

import time as _time
from functools import lru_cache
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .config import TIMEZONE, env as setting

TZ = ZoneInfo(TIMEZONE)

# (the pinned value, the moment it names, the monotonic reading when it was first seen)
_started: tuple[str, datetime, float] | None = None


@lru_cache(maxsize=16)
def _parse(value: str) -> date | datetime:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"XINYONG_TODAY must be a date (YYYY-MM-DD) or a moment (YYYY-MM-DDTHH:MM[:SS]), "
                         f"not {value!r}") from None
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment.astimezone(TZ)


def _pinned_moment(value: str, moment: datetime) -> datetime:
    """The pinned moment plus the real time elapsed since the clock first read this value."""
    global _started
    started = _started
    if started is None or started[0] != value:
        started = _started = (value, moment, _time.monotonic())
    return started[1] + timedelta(seconds=_time.monotonic() - started[2])


def _pinned() -> date | datetime | None:
    value = setting("XINYONG_TODAY")
    if not value:
        return None
    pinned = _parse(value)
    if isinstance(pinned, datetime):
        return _pinned_moment(value, pinned)
    return pinned


def today() -> date:
    pinned = _pinned()
    if pinned is None:
        return datetime.now(TZ).date()
    return pinned.date() if isinstance(pinned, datetime) else pinned


def now() -> datetime:
    """Timezone-aware now (Asia/Shanghai); pinned to a date: the real time of day on that date;
    pinned to a moment: that moment plus the real time elapsed since."""
    pinned = _pinned()
    if isinstance(pinned, datetime):
        return pinned
    real = datetime.now(TZ)
    if pinned is None:
        return real
    return datetime.combine(pinned, real.timetz())


def wall_now() -> datetime:
    """The real moment (Asia/Shanghai), whatever ``XINYONG_TODAY`` says: only for timers shared between
    processes (a batch's lease, a job's retry). A pinned clock starts anew in every process, so it cannot
    tell one process whether another's lease has lapsed. Never a day the platform shows or keeps."""
    return datetime.now(TZ)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, TZ)


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai day of a timestamp.

    Aware (PostgreSQL returns ``timestamptz`` in the session's time zone, UTC unless told): converted
    to Asia/Shanghai first. Naive (SQLite keeps the wall time written, which is the platform's): as is.
    """
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.date()
    return moment.astimezone(TZ).date()
