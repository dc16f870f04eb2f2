from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import holidays
import pytest
import yaml

from xinyong.law import calendar
from xinyong.law.errors import LawError, UnknownCalendarYear

from .conftest import EXAMPLE_2027


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# ---------------------------------------------------------------------------------------------
# 2026, from the official package


def test_2026_spring_festival_and_national_day_spans():
    # Spring Festival 2026: 15–23 February off; National Day: 1–7 October off
    for day in _days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not calendar.is_workday(day), day
    for day in _days(date(2026, 10, 1), date(2026, 10, 7)):
        assert not calendar.is_workday(day), day
    assert calendar.holiday_name(date(2026, 2, 17)) == "Spring Festival"
    assert calendar.holiday_name(date(2026, 10, 6)) == "National Day"
    assert calendar.is_workday(date(2026, 2, 13)) and calendar.is_workday(date(2026, 2, 24))
    assert calendar.is_workday(date(2026, 9, 30)) and calendar.is_workday(date(2026, 10, 8))


def test_2026_in_lieu_working_days_are_weekends_that_work():
    in_lieu = sorted(d for d in chinese_calendar.workdays if d.year == 2026)
    assert in_lieu == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    for day in in_lieu:
        assert day.weekday() >= 5
        assert calendar.is_workday(day)
    # an ordinary weekend is not
    assert not calendar.is_workday(date(2026, 3, 7))
    assert calendar.is_workday(date(2026, 3, 9))


def test_2026_cross_checked_against_the_holidays_package():
    cn = holidays.CN(years=2026)
    weekday_holidays = sorted(d for d in cn if d.weekday() < 5)
    assert weekday_holidays  # the cross-check has something to check
    for day in weekday_holidays:
        assert not calendar.is_workday(day), (day, cn.get(day))
    for day in sorted(getattr(cn, "weekend_workdays", ())):
        if day.year == 2026:
            assert calendar.is_workday(day), day
    sample = [date(2026, 1, 1), date(2026, 2, 17), date(2026, 5, 1), date(2026, 6, 19), date(2026, 9, 25), date(2026, 10, 1)]
    for day in sample:
        assert day in cn and not calendar.is_workday(day)


# ---------------------------------------------------------------------------------------------
# unknown years fail closed; operator files add them


def test_unknown_year_fails_closed_naming_it():
    with pytest.raises(UnknownCalendarYear) as info:
        calendar.is_workday(date(2027, 1, 4))
    assert info.value.year == 2027
    assert "2027" in info.value.message
    assert "calendar add" in info.value.message


def test_adding_the_example_2027_file(calendar_dir: Path):
    notice = calendar.add_year_file(EXAMPLE_2027)
    assert notice.year == 2027
    assert "EXAMPLE" in notice.title
    assert (calendar_dir / "2027.yaml").is_file()
    assert not calendar.is_workday(date(2027, 1, 1))  # listed holiday
    assert calendar.is_workday(date(2027, 1, 4))  # ordinary Monday
    assert calendar.is_workday(date(2027, 2, 14))  # in-lieu Sunday
    assert not calendar.is_workday(date(2027, 2, 20))  # ordinary Saturday
    assert calendar.holiday_name(date(2027, 2, 8)) == "春节"
    years = calendar.known_years()
    assert 2027 in years and "EXAMPLE" in years[2027]
    assert years[2026].startswith("chinese_calendar")


def test_operator_file_for_a_year_the_package_knows_is_refused(tmp_path: Path):
    data = yaml.safe_load(EXAMPLE_2027.read_text(encoding="utf-8"))
    data["year"] = 2026
    path = tmp_path / "2026.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(LawError, match="authoritative"):
        calendar.add_year_file(path)


def test_adding_twice_needs_replace(with_example_2027: Path):
    with pytest.raises(LawError, match="already has a calendar file"):
        calendar.add_year_file(EXAMPLE_2027)
    assert calendar.add_year_file(EXAMPLE_2027, replace=True).year == 2027


def test_json_year_file(tmp_path: Path, calendar_dir: Path):
    data = yaml.safe_load(EXAMPLE_2027.read_text(encoding="utf-8"))
    path = tmp_path / "example-2027.json"
    path.write_text(json.dumps(data, default=str, ensure_ascii=False), encoding="utf-8")
    calendar.add_year_file(path)
    assert (calendar_dir / "2027.yaml").is_file()
    assert calendar.is_workday(date(2027, 9, 26))


def test_cache_is_reset_when_the_directory_changes(with_example_2027: Path, tmp_path: Path, monkeypatch):
    assert calendar.is_workday(date(2027, 1, 4))
    monkeypatch.setenv("XINYONG_CALENDAR_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(UnknownCalendarYear):
        calendar.is_workday(date(2027, 1, 4))


def test_calendar_dir_defaults(monkeypatch):
    monkeypatch.delenv("XINYONG_CALENDAR_DIR")
    monkeypatch.delenv("XINYONG_VAR_DIR", raising=False)
    assert calendar.calendar_dir() == Path("var/calendar")
    monkeypatch.setenv("XINYONG_VAR_DIR", "/srv/xinyong")
    assert calendar.calendar_dir() == Path("/srv/xinyong/calendar")


# ---------------------------------------------------------------------------------------------
# bad files


def _variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(EXAMPLE_2027.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _set(data, key, val):
    data[key] = val


BAD = [
    ("holiday outside the year", lambda d: d["holidays"].append({"name": "x", "date": date(2028, 1, 3)}), "is not in 2027"),
    ("in-lieu on a weekday", lambda d: d["in_lieu_workdays"].append(date(2027, 3, 3)), "is a Wednesday"),
    ("in-lieu also a holiday", lambda d: d["in_lieu_workdays"].append(date(2027, 2, 13)), "also listed as a holiday"),
    ("holiday twice", lambda d: d["holidays"].append({"name": "x", "date": date(2027, 1, 2)}), "listed twice"),
    ("in-lieu twice", lambda d: d["in_lieu_workdays"].append(date(2027, 10, 9)), "listed twice"),
    ("span reversed", lambda d: d["holidays"].append({"name": "x", "from": date(2027, 5, 5), "to": date(2027, 5, 1)}), "before from"),
    ("date and span", lambda d: d["holidays"].append({"name": "x", "date": date(2027, 5, 5), "from": date(2027, 5, 1), "to": date(2027, 5, 5)}), "either date"),
    ("no name", lambda d: d["holidays"].append({"date": date(2027, 5, 5)}), "name is required"),
    ("not a date", lambda d: d["holidays"].append({"name": "x", "date": "May Day"}), "is not a date"),
    ("no notice title", lambda d: d["notice"].pop("title"), "notice.title"),
    ("no document number", lambda d: d["notice"].update(document_number=""), "notice.document_number"),
    ("no notice date", lambda d: d["notice"].pop("published_on"), "notice.published_on"),
    ("implausible notice date", lambda d: d["notice"].update(published_on=date(2020, 1, 1)), "not plausible"),
    ("unknown key", lambda d: _set(d, "weekends", []), "unknown keys"),
    ("no holidays", lambda d: _set(d, "holidays", []), "non-empty"),
    ("missing year", lambda d: d.pop("year"), "missing keys"),
    ("year not a number", lambda d: _set(d, "year", "2027"), "is not a year"),
]


@pytest.mark.parametrize(("label", "change", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_bad_calendar_files_are_refused_with_clear_messages(tmp_path, calendar_dir, label, change, fragment):
    path = _variant(tmp_path, change)
    with pytest.raises(LawError) as info:
        calendar.add_year_file(path)
    assert fragment in info.value.message
    assert str(path) in info.value.message
    assert not (calendar_dir / "2027.yaml").exists()  # nothing installed


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(LawError, match="cannot be read"):
        calendar.add_year_file(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("year: [2027\n", encoding="utf-8")
    with pytest.raises(LawError, match="not valid YAML"):
        calendar.add_year_file(broken)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 2027-01-01\n", encoding="utf-8")
    with pytest.raises(LawError, match="expected a mapping"):
        calendar.add_year_file(listy)


def test_a_misnamed_file_in_the_directory_is_refused(calendar_dir: Path):
    calendar_dir.mkdir(parents=True)
    (calendar_dir / "2028.yaml").write_text(EXAMPLE_2027.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(LawError, match="named for 2028"):
        calendar.is_workday(date(2028, 1, 4))
