"""Working days on the official State Council calendar (国务院办公厅关于部分节假日安排的通知).

China's working days are not Monday–Friday: each year's notice sets the public holidays and
makes certain Saturdays and Sundays working days (调休, "in-lieu working days").

Sources, in order:

1. the ``chinese_calendar`` package, which carries the official notices year by year
   (2004–2026 in version 1.11.0) and is authoritative for every year it knows;
2. operator-supplied year files in :func:`calendar_dir` (``XINYONG_CALENDAR_DIR``, default
   ``$XINYONG_VAR_DIR/calendar``, i.e. ``var/calendar`` under the working directory), one per year
   the package does not know yet, transcribed from the State Council notice and added with
   ``xinyong law calendar add FILE`` (:func:`add_year_file`).

A day in a year neither source knows raises :class:`UnknownCalendarYear` naming the year: a
deadline is never guessed.

Year file format (YAML, or JSON with ISO date strings)::

    year: 2027
    notice:
      title: 国务院办公厅关于2027年部分节假日安排的通知
      document_number: 国办发明电〔2026〕N号
      published_on: 2026-11-01
      url: https://www.gov.cn/…          # optional
    holidays:                            # every day off the notice grants, weekends within a span included
      - {name: 元旦, date: 2027-01-01}
      - {name: 春节, from: 2027-02-06, to: 2027-02-12}
    in_lieu_workdays:                    # Saturdays/Sundays that are working days (调休上班)
      - {date: 2027-02-20, for: 春节}    # or simply 2027-02-20

A day is a working day when it is an in-lieu working day, or a Monday–Friday that is not a holiday.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

from .errors import LawError, UnknownCalendarYear, msg

PACKAGE_SOURCE = f"chinese_calendar {getattr(chinese_calendar, '__version__', '')}".strip()
_FILE_SUFFIXES = (".yaml", ".yml", ".json")
_TOP_KEYS = {"year", "notice", "holidays", "in_lieu_workdays"}
_NOTICE_KEYS = {"title", "document_number", "published_on", "url"}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class YearNotice:
    """One year's official holiday arrangements, from an operator-supplied file."""

    year: int
    title: str
    document_number: str
    published_on: date
    holidays: dict[date, str]
    in_lieu_workdays: frozenset[date]
    url: str | None = None
    path: Path | None = field(default=None, compare=False)

    def is_workday(self, day: date) -> bool:
        if day.year != self.year:
            raise ValueError(f"{day} is not in {self.year}")
        if day in self.in_lieu_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    @property
    def source(self) -> str:
        return f"{self.title} ({self.document_number}, {self.published_on.isoformat()})"


# --------------------------------------------------------------------------------------------
# Where the operator files live, and the cache


def calendar_dir() -> Path:
    """``XINYONG_CALENDAR_DIR``, else ``$XINYONG_VAR_DIR/calendar`` (default ``var/calendar``)."""
    env = os.environ.get("XINYONG_CALENDAR_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XINYONG_VAR_DIR", "var")) / "calendar"


_cache: dict[tuple[str, int], YearNotice | None] = {}


def reset_cache() -> None:
    """Forget loaded year files (after adding one, or when a test changes the directory)."""
    _cache.clear()


def package_knows(year: int) -> bool:
    """True when the ``chinese_calendar`` package carries the official notice for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _year_file(directory: Path, year: int) -> Path | None:
    for suffix in _FILE_SUFFIXES:
        candidate = directory / f"{year}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def _operator_year(year: int) -> YearNotice | None:
    directory = calendar_dir()
    key = (str(directory.resolve()), year)
    if key not in _cache:
        path = _year_file(directory, year)
        _cache[key] = load_year_file(path) if path is not None else None
        if _cache[key] is not None and _cache[key].year != year:  # type: ignore[union-attr]
            notice = _cache.pop(key)
            raise LawError(msg("calendar file {path} is named for {year} but is for {notice_year}",
                               path=path, year=year, notice_year=notice.year))  # type: ignore[union-attr]
    return _cache[key]


# --------------------------------------------------------------------------------------------
# Questions


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day on the official calendar; fails closed on unknown years."""
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {day!r}")
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        pass
    notice = _operator_year(day.year)
    if notice is None:
        raise UnknownCalendarYear(day.year)
    return notice.is_workday(day)


def holiday_name(day: date) -> str | None:
    """The name of the holiday ``day`` falls in, if the notice names one (None otherwise)."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        return name if on_holiday and name else None
    except NotImplementedError:
        pass
    notice = _operator_year(day.year)
    if notice is None:
        raise UnknownCalendarYear(day.year)
    return notice.holidays.get(day)


def known_years() -> dict[int, str]:
    """Every year the calendar can answer for, with its source."""
    years: dict[int, str] = {}
    for year in sorted({d.year for d in chinese_calendar.holidays}):
        if package_knows(year):
            years[year] = PACKAGE_SOURCE
    directory = calendar_dir()
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.suffix in _FILE_SUFFIXES and path.stem.isdigit():
                year = int(path.stem)
                if year in years:
                    continue
                notice = _operator_year(year)
                if notice is not None:
                    years[year] = f"{notice.source} [{path}]"
    return dict(sorted(years.items()))


# --------------------------------------------------------------------------------------------
# Operator year files


def _fail(path: Path | str, message: str) -> LawError:
    return LawError(msg("calendar file {path}: {message}", path=path, message=message))


def _date(raw: Any, path: Path | str, where: str) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise _fail(path, f"{where}: {raw!r} is not a date (YYYY-MM-DD)")


def _parse(data: Any, path: Path | str) -> YearNotice:  # noqa: C901 - one validation pass
    if not isinstance(data, dict):
        raise _fail(path, "expected a mapping with year, notice, holidays and in_lieu_workdays")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(path, f"unknown keys {sorted(unknown)} (allowed: {sorted(_TOP_KEYS)})")
    missing = {"year", "notice", "holidays"} - set(data)
    if missing:
        raise _fail(path, f"missing keys {sorted(missing)}")

    year = data["year"]
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 < year < 2200:
        raise _fail(path, f"year: {year!r} is not a year")
    if package_knows(year):
        raise _fail(
            path,
            f"{year} is already in the official calendar package ({PACKAGE_SOURCE}), which is "
            f"authoritative for that year; an operator file may only add a year the package does not know",
        )

    notice = data["notice"]
    if not isinstance(notice, dict):
        raise _fail(path, "notice: expected a mapping with title, document_number, published_on")
    unknown = set(notice) - _NOTICE_KEYS
    if unknown:
        raise _fail(path, f"notice: unknown keys {sorted(unknown)} (allowed: {sorted(_NOTICE_KEYS)})")
    for key in ("title", "document_number"):
        if not isinstance(notice.get(key), str) or not notice[key].strip():
            raise _fail(path, f"notice.{key}: required, the State Council notice's {key.replace('_', ' ')}")
    if "published_on" not in notice:
        raise _fail(path, "notice.published_on: required, the date of the State Council notice")
    published_on = _date(notice["published_on"], path, "notice.published_on")
    if not (year - 2 <= published_on.year <= year):
        raise _fail(path, f"notice.published_on: {published_on} is not plausible for the {year} notice")
    url = notice.get("url")
    if url is not None and not isinstance(url, str):
        raise _fail(path, "notice.url: expected text")

    def in_year(day: date, where: str) -> date:
        if day.year != year:
            raise _fail(path, f"{where}: {day} is not in {year}")
        return day

    raw_holidays = data["holidays"]
    if not isinstance(raw_holidays, list) or not raw_holidays:
        raise _fail(path, "holidays: expected a non-empty list of {name, date} or {name, from, to}")
    holidays: dict[date, str] = {}
    for i, entry in enumerate(raw_holidays):
        where = f"holidays[{i}]"
        if not isinstance(entry, dict):
            raise _fail(path, f"{where}: expected {{name, date}} or {{name, from, to}}")
        unknown = set(entry) - {"name", "date", "from", "to"}
        if unknown:
            raise _fail(path, f"{where}: unknown keys {sorted(unknown)}")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _fail(path, f"{where}: name is required (e.g. 春节)")
        if "date" in entry and not ({"from", "to"} & set(entry)):
            days = [in_year(_date(entry["date"], path, f"{where}.date"), f"{where}.date")]
        elif {"from", "to"} <= set(entry) and "date" not in entry:
            start = in_year(_date(entry["from"], path, f"{where}.from"), f"{where}.from")
            end = in_year(_date(entry["to"], path, f"{where}.to"), f"{where}.to")
            if end < start:
                raise _fail(path, f"{where}: to {end} is before from {start}")
            if (end - start).days > 15:
                raise _fail(path, f"{where}: {start}–{end} is longer than any holiday span")
            days = [start + timedelta(n) for n in range((end - start).days + 1)]
        else:
            raise _fail(path, f"{where}: give either date, or from and to")
        for day in days:
            if day in holidays:
                raise _fail(path, f"{where}: {day} is listed twice ({holidays[day]} and {name})")
            holidays[day] = name.strip()

    raw_in_lieu = data.get("in_lieu_workdays") or []
    if not isinstance(raw_in_lieu, list):
        raise _fail(path, "in_lieu_workdays: expected a list of dates")
    in_lieu: set[date] = set()
    for i, entry in enumerate(raw_in_lieu):
        where = f"in_lieu_workdays[{i}]"
        if isinstance(entry, dict):
            unknown = set(entry) - {"date", "for"}
            if unknown or "date" not in entry:
                raise _fail(path, f"{where}: expected {{date, for}} or a date")
            entry = entry["date"]
        day = in_year(_date(entry, path, where), where)
        if day.weekday() < 5:
            raise _fail(
                path,
                f"{where}: {day} is a {_WEEKDAY_NAMES[day.weekday()]}; in-lieu working days are "
                f"Saturdays or Sundays made working days",
            )
        if day in holidays:
            raise _fail(path, f"{where}: {day} is also listed as a holiday ({holidays[day]})")
        if day in in_lieu:
            raise _fail(path, f"{where}: {day} is listed twice")
        in_lieu.add(day)

    return YearNotice(
        year=year,
        title=notice["title"].strip(),
        document_number=notice["document_number"].strip(),
        published_on=published_on,
        holidays=dict(sorted(holidays.items())),
        in_lieu_workdays=frozenset(in_lieu),
        url=url,
        path=Path(path) if not isinstance(path, Path) else path,
    )


def load_year_file(path: str | Path) -> YearNotice:
    """Read and strictly validate one year file; raises LawError naming the file and the fault."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise _fail(path, f"is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None
    return _parse(data, path)


def add_year_file(path: str | Path, *, replace: bool = False) -> YearNotice:
    """Validate a year file and install it as ``<calendar_dir>/<year>.yaml``.

    Refuses a year the official package already knows, and (unless ``replace``) a year that
    already has an operator file.
    """
    notice = load_year_file(path)
    directory = calendar_dir()
    existing = _year_file(directory, notice.year)
    if existing is not None and not replace:
        raise _fail(
            path, f"{notice.year} already has a calendar file ({existing}); pass replace to overwrite it"
        )
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{notice.year}.yaml"
    source = Path(path)
    if source.suffix == ".json":
        data = json.loads(source.read_text(encoding="utf-8-sig"))
        target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    elif source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    if existing is not None and existing != target:
        existing.unlink()
    reset_cache()
    return _operator_year(notice.year) or notice
