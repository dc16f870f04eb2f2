from __future__ import annotations

from datetime import date

import pytest

from xinyong.law.errors import LawError, ParameterNotInForce, UnknownCalendarYear
from xinyong.law.periods import (
    Deadline,
    add_months,
    add_working_days,
    add_years,
    deadline,
    inquiry_period_open,
    untrustworthy_inquiry_end,
    working_days_between,
)


# ---------------------------------------------------------------------------------------------
# add_working_days: the start day never counts


def test_ordinary_week():
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)  # Mon → Tue
    assert add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)  # Fri → Mon
    assert add_working_days(date(2026, 3, 9), 5) == date(2026, 3, 16)


def test_start_on_a_holiday_is_not_counted():
    # received on National Day (a holiday): the first working day after it is 8 October
    assert add_working_days(date(2026, 10, 1), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 3), 2) == date(2026, 10, 9)
    # received on a plain Sunday
    assert add_working_days(date(2026, 3, 8), 1) == date(2026, 3, 9)


def test_across_an_in_lieu_saturday():
    # 9 Oct 2026 is a Friday, 10 Oct a Saturday made a working day (调休)
    assert add_working_days(date(2026, 10, 8), 2) == date(2026, 10, 10)
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert add_working_days(date(2026, 10, 9), 2) == date(2026, 10, 12)
    # Spring Festival 2026: Sat 14 Feb works, 15–23 Feb off
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_start_on_an_in_lieu_working_day_is_not_counted():
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_not_chinese_calendar_find_workday_off_by_one():
    # find_workday(1, holiday) would give the second working day after a holiday start
    assert add_working_days(date(2026, 10, 1), 1) == date(2026, 10, 8)


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 9), 0)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 9), -1)


def test_running_into_an_unknown_year_fails_closed():
    with pytest.raises(UnknownCalendarYear) as info:
        add_working_days(date(2026, 12, 30), 3)
    assert info.value.year == 2027
    assert "2027" in info.value.message


def test_with_the_example_2027_file(with_example_2027):
    # 31 Dec 2026 (Thu); 1–3 Jan 2027 off in the EXAMPLE file; Mon 4 Jan is the first working day
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
    # the example's in-lieu Sunday 14 Feb 2027 counts
    assert add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 14)


def test_working_days_between():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3  # 8, 9, 10 Oct
    assert working_days_between(date(2026, 10, 10), date(2026, 10, 1)) == 0


# ---------------------------------------------------------------------------------------------
# years and months


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2024, 2, 29), 5, date(2029, 2, 28)),
        (date(2020, 3, 10), 5, date(2025, 3, 10)),
        (date(2023, 12, 31), 5, date(2028, 12, 31)),
        (date(2024, 2, 29), -1, date(2023, 2, 28)),
    ],
)
def test_add_years_end_of_month_rule(day, n, expected):
    assert add_years(day, n) == expected


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 15), 3, date(2026, 4, 15)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2026, 4, 1), 12, date(2027, 4, 1)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_add_months(day, n, expected):
    assert add_months(day, n) == expected


# ---------------------------------------------------------------------------------------------
# Art. 35: the inquiry period


@pytest.mark.article("Art. 35.2")
def test_inquiry_period_ends_on_the_same_date_five_years_later():
    assert untrustworthy_inquiry_end(date(2020, 3, 10)) == date(2025, 3, 10)
    assert inquiry_period_open(date(2020, 3, 10), date(2025, 3, 10))
    assert not inquiry_period_open(date(2020, 3, 10), date(2025, 3, 11))


@pytest.mark.article("Art. 35.2")
def test_inquiry_period_from_29_february():
    assert untrustworthy_inquiry_end(date(2024, 2, 29)) == date(2029, 2, 28)
    assert inquiry_period_open(date(2024, 2, 29), date(2029, 2, 28))
    assert not inquiry_period_open(date(2024, 2, 29), date(2029, 3, 1))


@pytest.mark.article("Art. 35.2")
def test_continuing_conduct_has_not_started_its_period():
    assert inquiry_period_open(None, date(2040, 1, 1))


@pytest.mark.article("Art. 35.1")
def test_conduct_that_ended_before_the_regulation():
    # the period in force when the regulation took effect applies
    assert untrustworthy_inquiry_end(date(2015, 6, 1)) == date(2020, 6, 1)
    assert inquiry_period_open(date(2015, 6, 1), date(2018, 1, 1))
    # an inquiry cannot be decided for a day before the regulation was in force
    with pytest.raises(ParameterNotInForce):
        inquiry_period_open(date(2015, 6, 1), date(2017, 9, 30))


# ---------------------------------------------------------------------------------------------
# deadlines from parameters


@pytest.mark.article("Art. 36.2(1)")
def test_center_decision_deadline():
    d = deadline("objection.center.decide_working_days", date(2026, 9, 28))
    assert d == Deadline(
        due=date(2026, 10, 10),  # 29, 30 Sep, 8, 9 Oct, Sat 10 Oct (in-lieu)
        basis_parameter="objection.center.decide_working_days",
        value=5,
        article="Art. 36.2(1)",
        start=date(2026, 9, 28),
    )
    assert not d.overdue_on(date(2026, 10, 10))
    assert d.overdue_on(date(2026, 10, 11))
    assert d.as_dict()["due"] == "2026-10-10"


@pytest.mark.article("Art. 36.2")
def test_note_deadline_from_a_holiday_receipt():
    d = deadline("objection.center.note_working_days", date(2026, 10, 1))
    assert (d.due, d.value, d.article) == (date(2026, 10, 8), 1, "Art. 36.2")


@pytest.mark.article("Art. 36.2(2)")
def test_transfer_and_provider_deadlines():
    assert deadline("objection.center.transfer_working_days", date(2026, 2, 12)).due == date(2026, 2, 14)
    d = deadline("objection.provider.decide_working_days", date(2026, 2, 14))
    assert d.due == date(2026, 2, 28)  # 24, 25, 26, 27 Feb and Sat 28 Feb (in-lieu) is the 5th


@pytest.mark.article("Art. 36.3")
def test_credit_service_deadline():
    d = deadline("objection.credit_service.decide_working_days", date(2026, 3, 2))
    assert (d.due, d.value, d.article) == (date(2026, 3, 11), 7, "Art. 36.3")


@pytest.mark.article("Art. 37")
def test_revocation_deadline():
    # Labour Day 2026: 1–5 May off → 6, 7, 8 May
    assert deadline("revocation.delete_working_days", date(2026, 4, 30)).due == date(2026, 5, 8)


@pytest.mark.article("Art. 38")
def test_restoration_deadline():
    d = deadline("restoration.hide_working_days", date(2026, 5, 8))
    assert d.due == date(2026, 5, 12)  # Sat 9 May works (in-lieu), 11, 12 May
    assert d.article == "Art. 38"


def test_deadline_before_the_regulation_raises():
    with pytest.raises(ParameterNotInForce):
        deadline("revocation.delete_working_days", date(2017, 9, 1))


def test_deadline_needs_a_working_day_parameter():
    with pytest.raises(ValueError):
        deadline("inquiry.untrustworthy_period_years", date(2026, 3, 2))
    with pytest.raises(LawError):
        deadline("no.such.parameter", date(2026, 3, 2))


# ---------------------------------------------------------------------------------------------
# Art. 35.1: "法律、法规和国家另有规定的除外" — an item's own inquiry period

_ITEM_PERIODS = """
inquiry.untrustworthy_period_years.TAX_SERIOUS:
  description: an item's own inquiry period (a test file, not a real provision)
  unit: years
  article: Art. 35.1
  level: national-provision
  source: a national provision (test)
  values:
    - value: 3
      since: 2020-01-01
      until: 2030-12-31
inquiry.untrustworthy_period_years.LONG:
  description: a longer period set by a law (a test file)
  unit: years
  article: Art. 35.1
  level: law
  source: a law (test)
  values:
    - value: 7
      since: 2017-10-01
"""


@pytest.fixture
def item_periods():
    from xinyong.law.parameters import load_parameters, overlaid

    with overlaid(load_parameters(_ITEM_PERIODS)):
        yield


@pytest.mark.article("Art. 35.1")
def test_an_items_own_period_overrides_the_default_while_in_force(item_periods):
    from xinyong.law.periods import inquiry_period_years

    assert inquiry_period_years("TAX_SERIOUS", date(2024, 6, 3)) == 3
    assert inquiry_period_years("LONG", date(2024, 6, 3)) == 7
    # another item, no item, or a day the override does not hold: the 5-year default
    assert inquiry_period_years("CF", date(2024, 6, 3)) == 5
    assert inquiry_period_years(None, date(2024, 6, 3)) == 5
    assert inquiry_period_years("TAX_SERIOUS", date(2019, 12, 31)) == 5
    assert inquiry_period_years("TAX_SERIOUS", date(2031, 1, 1)) == 5


@pytest.mark.article("Art. 35.2")
def test_an_items_own_period_decides_the_end_and_whether_it_is_open(item_periods):
    ended = date(2021, 3, 10)
    assert untrustworthy_inquiry_end(ended, "TAX_SERIOUS") == date(2024, 3, 10)
    assert untrustworthy_inquiry_end(ended, item_code="LONG") == date(2028, 3, 10)
    assert untrustworthy_inquiry_end(ended) == date(2026, 3, 10)  # backward compatible: the default
    assert inquiry_period_open(ended, date(2024, 3, 10), item_code="TAX_SERIOUS")
    assert not inquiry_period_open(ended, date(2024, 3, 11), item_code="TAX_SERIOUS")
    assert inquiry_period_open(ended, date(2024, 3, 11))  # without the item: 5 years
    assert inquiry_period_open(ended, date(2027, 1, 1), "LONG")
    assert not inquiry_period_open(ended, date(2026, 3, 11), "CF")
    # the period in force on the inquiry day governs: after the override lapses, the default is back
    assert untrustworthy_inquiry_end(date(2027, 1, 1), "TAX_SERIOUS", as_of=date(2031, 1, 1)) == date(2032, 1, 1)


@pytest.mark.article("Art. 35.1")
def test_no_item_period_is_shipped_without_a_source():
    from xinyong.law.parameters import LEVELS, all_parameters

    for p in all_parameters():
        if p.name.startswith("inquiry.untrustworthy_period_years."):
            assert p.level in LEVELS and p.source and p.article.article == 35
