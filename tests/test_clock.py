"""The platform's one clock: a pinned date, a pinned moment that runs at real speed, and the
Asia/Shanghai day of a stored timestamp on both databases."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, select, text

from xinyong import clock


class _Monotonic:
    """A stand-in for time.monotonic that the test advances (no dependence on wall-clock speed)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks(monkeypatch):
    fake = _Monotonic()
    monkeypatch.setattr(clock._time, "monotonic", fake)
    monkeypatch.setattr(clock, "_started", None)
    return fake


def test_a_pinned_moment_starts_there_and_runs_at_real_speed(monkeypatch, ticks):
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T23:59:58")
    first = clock.now()
    assert first == datetime(2025, 6, 16, 23, 59, 58, tzinfo=clock.TZ)
    assert clock.today() == date(2025, 6, 16)
    ticks.now += 1.5
    assert clock.now() == first + timedelta(seconds=1.5)  # timestamps still increase
    ticks.now += 1
    assert clock.today() == date(2025, 6, 17)  # and the day turns at Shanghai midnight
    # a new value starts the clock again from its own moment
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T05:30:00")
    assert clock.now() == datetime(2025, 6, 16, 5, 30, tzinfo=clock.TZ)


def test_a_pinned_moment_with_an_offset_is_read_in_shanghai(monkeypatch, ticks):
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-15T21:30:00+00:00")
    assert clock.now() == datetime(2025, 6, 16, 5, 30, tzinfo=clock.TZ)
    assert clock.now().utcoffset() == timedelta(hours=8)
    assert clock.today() == date(2025, 6, 16)


def test_a_pinned_date_keeps_the_real_time_of_day(monkeypatch):
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16")
    moment = clock.now()
    assert clock.today() == date(2025, 6, 16) == moment.date()
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(hours=8)
    real = datetime.now(clock.TZ)
    assert abs((moment.replace(year=real.year, month=real.month, day=real.day) - real).total_seconds()) < 60


def test_a_bad_pin_is_refused_clearly(monkeypatch):
    monkeypatch.setenv("XINYONG_TODAY", "16/06/2025")
    with pytest.raises(ValueError, match="XINYONG_TODAY must be a date"):
        clock.today()


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2025, 6, 15, 21, 30, tzinfo=timezone.utc), date(2025, 6, 16)),  # PostgreSQL in UTC: 05:30 CST
        (datetime(2025, 6, 16, 15, 50, tzinfo=timezone.utc), date(2025, 6, 16)),  # 23:50 CST
        (datetime(2025, 6, 16, 16, 10, tzinfo=timezone.utc), date(2025, 6, 17)),  # 00:10 CST the next day
        (datetime(2025, 6, 16, 5, 30, tzinfo=clock.TZ), date(2025, 6, 16)),
        (datetime(2025, 6, 16, 5, 30), date(2025, 6, 16)),  # naive (SQLite): the wall time written
        (datetime(2025, 6, 16, 23, 50), date(2025, 6, 16)),
    ],
)
def test_local_date(moment, day):
    assert clock.local_date(moment) == day


def test_a_stored_timestamp_comes_back_on_its_shanghai_day(engine, monkeypatch, ticks):
    """Read back on both databases, and computed by the database itself (the session's time zone)."""
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T05:30:00")
    probe = Table("clock_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", DateTime(timezone=True)))
    probe.create(engine)
    try:
        with engine.begin() as conn:
            conn.execute(probe.insert(), {"id": 1, "at": clock.now()})
            at = conn.execute(select(probe.c.at)).scalar_one()
            if engine.dialect.name == "postgresql":
                assert conn.execute(text("SHOW TimeZone")).scalar_one() == "Asia/Shanghai"
                sql_day = conn.execute(text("SELECT CAST(at AS DATE) FROM clock_probe")).scalar_one()
            else:
                sql_day = date.fromisoformat(conn.execute(text("SELECT date(at) FROM clock_probe")).scalar_one())
    finally:
        probe.drop(engine)
    assert clock.local_date(at) == date(2025, 6, 16) == sql_day
