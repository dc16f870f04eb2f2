"""The platform's one clock (Asia/Shanghai). ``XINYONG_TODAY`` pins it to a date.

Nothing else in xinyong reads the real date: every "today" and "now" comes from here, so demos
and tests run on any date.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .config import TIMEZONE

TZ = ZoneInfo(TIMEZONE)


def _pinned() -> date | None:
    value = os.environ.get("XINYONG_TODAY")
    return date.fromisoformat(value) if value else None


def today() -> date:
    pinned = _pinned()
    return pinned if pinned is not None else datetime.now(TZ).date()


def now() -> datetime:
    """Timezone-aware now; when pinned, the real time of day on the pinned date."""
    pinned = _pinned()
    real = datetime.now(TZ)
    if pinned is None:
        return real
    return datetime.combine(pinned, real.timetz())


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, TZ)
