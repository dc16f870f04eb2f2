"""Periods and deadlines, counted as the law counts them.

Counting (Civil Code Art. 201–203; Administrative Penalty Law Art. 85): the day of the event
(receipt of the materials, the end of the conduct) is not counted.

* "within N working days" of receipt ends at the end of the N-th working day strictly after the
  day of receipt — even when the day of receipt was itself a holiday or a weekend
  (:func:`add_working_days`). We count with our own loop on :func:`calendar.is_workday`, never
  ``chinese_calendar.find_workday`` (one day too many when the start is not a working day).
* A period of N years ends on the same month and day N years later, or on the last day of that
  month when it has no such day — 29 February → 28 February (:func:`add_years`).
"""

from __future__ import annotations

import calendar as _stdcal
from dataclasses import dataclass
from datetime import date, timedelta

from . import calendar
from .errors import UnknownCalendarYear
from .parameters import generation, has_parameter, parameter, value

# A safety bound: no legal deadline is anywhere near this many calendar days per working day.
_MAX_SPAN_PER_DAY = 40


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day strictly after ``start`` (``start`` itself never counts).

    Raises UnknownCalendarYear when the count runs into a year the calendar does not know.
    """
    if not isinstance(start, date):
        raise TypeError(f"expected a date, got {start!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the number of working days must be a positive whole number, not {n!r}")
    day, counted = start, 0
    limit = start + timedelta(days=n * _MAX_SPAN_PER_DAY)
    while counted < n:
        day += timedelta(days=1)
        if day > limit:  # pragma: no cover - only a corrupt calendar gets here
            raise RuntimeError(f"no {n} working days found between {start} and {limit}")
        if calendar.is_workday(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie in (start, end] — 0 when end ≤ start."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return count


def add_years(day: date, n: int) -> date:
    """Same month and day ``n`` years later (or earlier); the month's last day when it has none.

    ``add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)``.
    """
    year = day.year + n
    last = _stdcal.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))


def add_months(day: date, n: int) -> date:
    """Same day ``n`` months later (or earlier); the month's last day when it has no such day."""
    index = day.year * 12 + (day.month - 1) + n
    year, month0 = divmod(index, 12)
    last = _stdcal.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


# --------------------------------------------------------------------------------------------
# The inquiry period of untrustworthiness information (Art. 35)

INQUIRY_PERIOD = "inquiry.untrustworthy_period_years"


def item_period_parameter(item_code: str) -> str:
    """The name of an item's own inquiry period: ``inquiry.untrustworthy_period_years.<item_code>``."""
    return f"{INQUIRY_PERIOD}.{item_code}"


def inquiry_period_years(item_code: str | None, day: date) -> int:
    """The inquiry period in years for information of ``item_code``, under the law in force on ``day``.

    Art. 35.1: five years, "法律、法规和国家另有规定的除外" — a law, a regulation or a national
    provision may set an item's own period. Such a period is the dated, sourced parameter
    ``inquiry.untrustworthy_period_years.<item_code>`` (its source's level recorded); when the item
    has one in force on ``day`` it governs, otherwise the 5-year default does.
    """
    if item_code:
        name = item_period_parameter(item_code)
        if has_parameter(name):
            own = parameter(name)
            if any(pv.holds_on(day) for pv in own.values):
                return int(own.value(day))
    return int(value(INQUIRY_PERIOD, day))


def untrustworthy_inquiry_end(ended_on: date, item_code: str | None = None, *, as_of: date | None = None) -> date:
    """The last day untrustworthiness information may be served (Art. 35).

    The period runs from the day the untrustworthy conduct or event ended (失信行为或者事件终止之日),
    that day not counted, so a period of 5 years ends at the end of the same calendar date 5 years
    later: conduct that ended on 2020-03-10 may be served up to and including 2025-03-10 and not
    from 2025-03-11. A 29 February end date ends on 28 February of a common year.

    ``item_code``: the catalog item, whose own period (:func:`inquiry_period_years`) replaces the
    default where a law, a regulation or a national provision sets one. Without it, the default.

    Which law: the duty "must not provide inquiry" binds the act of serving, so the period in force
    on the day of the inquiry governs — pass ``as_of`` (the inquiry day) when deciding one. Without
    it, the period in force on the day the conduct ended is used, or on the day the regulation took
    effect (2017-10-01) for conduct that ended before it. Today both give 5 years.

    The Civil Code's extension of a period ending on a holiday (Art. 203) concerns the last day for
    doing an act, not how long information may be served; it does not apply here.
    """
    if as_of is None:
        in_force: date = parameter("regulation.in_force_from").values[0].value
        as_of = max(ended_on, in_force)
    return add_years(ended_on, inquiry_period_years(item_code, as_of))


_open_memo: dict[tuple, bool] = {}
_OPEN_MEMO_MAX = 100_000


def inquiry_period_open(ended_on: date | None, today: date, item_code: str | None = None) -> bool:
    """Whether untrustworthiness information (of ``item_code``, when given) may be served on ``today`` (Art. 35).

    ``ended_on`` None means the conduct continues (arrears, refusal to perform): the period has
    not begun, so it is open. Every record served asks this: the answer is remembered per (parameters in
    force, end day, day, item) — a pure function of those.
    """
    if ended_on is None:
        return True
    key = (generation(), ended_on, today, item_code)
    found = _open_memo.get(key)
    if found is None:
        found = today <= untrustworthy_inquiry_end(ended_on, item_code, as_of=today)
        if len(_open_memo) >= _OPEN_MEMO_MAX:
            _open_memo.clear()
        _open_memo[key] = found
    return found


# --------------------------------------------------------------------------------------------
# Working-day deadlines from parameters


@dataclass(frozen=True)
class Deadline:
    """A working-day deadline, with the basis it was computed from (stored with it)."""

    due: date  # the last day on which the act is still in time
    basis_parameter: str
    value: int
    article: str  # canonical "Art. N.P(I)"
    start: date  # the day of receipt (not counted)

    def overdue_on(self, day: date) -> bool:
        return day > self.due

    def as_dict(self) -> dict[str, str | int]:
        return {
            "due": self.due.isoformat(),
            "basis_parameter": self.basis_parameter,
            "value": self.value,
            "article": self.article,
            "start": self.start.isoformat(),
        }


def deadline(name: str, start: date) -> Deadline:
    """The deadline set by working-day parameter ``name`` for an event on ``start``.

    The parameter is looked up on ``start`` (the law in force on the day of receipt governs the
    time allowed), e.g. ``deadline("objection.center.decide_working_days", received_on)``.
    """
    param = parameter(name)
    if param.unit != "working_days":
        raise ValueError(f"parameter {name} is in {param.unit}, not working days")
    pv = param.at(start)
    return Deadline(
        due=add_working_days(start, int(pv.value)),
        basis_parameter=name,
        value=int(pv.value),
        article=pv.article.canonical,
        start=start,
    )


def deadline_fields(name: str, start: date) -> dict:
    """A deadline as it is stored beside a step: ``due_on`` (None when the working-day calendar of a
    year it needs is unknown — noted, never guessed), the parameter, its value and its article."""
    try:
        d = deadline(name, start)
    except UnknownCalendarYear as exc:
        pv = parameter(name).at(start)
        return {"due_on": None, "basis_parameter": name, "basis_value": int(pv.value),
                "basis_article": pv.article.canonical, "note": exc.message}
    return {"due_on": d.due, "basis_parameter": name, "basis_value": d.value, "basis_article": d.article,
            "note": None}
