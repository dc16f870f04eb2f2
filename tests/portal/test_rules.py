"""The publicity period of administrative penalty information on the public page (Art. 15)."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.law.rules import REGISTRY
from xinyong.portal.rules import penalty_publicity_end, publicly_displayed

TODAY = date(2025, 6, 16)


@pytest.mark.article("Art. 15")
def test_the_rule_is_registered_under_article_15():
    assert REGISTRY["portal.publicly_displayed"].article == "Art. 15"


@pytest.mark.article("Art. 15")
@pytest.mark.parametrize(("decided", "severity", "end"), [
    # NDRC Order 58 (2023-05-01 – 2026-03-31): 36 months, whatever the severity (it did not grade them)
    (date(2023, 6, 16), "general", date(2026, 6, 16)),
    (date(2024, 5, 20), None, date(2027, 5, 20)),
    (date(2024, 5, 20), "serious", date(2027, 5, 20)),
    (date(2024, 5, 20), "slight", date(2027, 5, 20)),
    (date(2024, 5, 20), "nonsense", date(2027, 5, 20)),
    (date(2026, 3, 31), "general", date(2029, 3, 31)),
    # NDRC Order 36 (from 2026-04-01): slight 3, general 12, serious 36 months
    (date(2026, 4, 1), "slight", date(2026, 7, 1)),
    (date(2026, 4, 1), "general", date(2027, 4, 1)),
    (date(2026, 4, 1), " Serious ", date(2029, 4, 1)),
    (date(2026, 4, 1), None, date(2027, 4, 1)),
    # before the first national rule (2023-05-01): the earliest rule's 36 months, from the decision date
    (date(2021, 3, 1), "general", date(2024, 3, 1)),
    (date(2022, 9, 1), "serious", date(2025, 9, 1)),
    (date(2023, 4, 30), "slight", date(2026, 4, 30)),
    # month ends: the last day of the month when it has no such day
    (date(2024, 2, 29), "general", date(2027, 2, 28)),
])
def test_penalty_publicity_end(decided, severity, end):
    assert penalty_publicity_end(decided, severity) == end


@pytest.mark.article("Art. 15")
def test_a_penalty_is_displayed_up_to_and_including_the_last_day_then_leaves_by_itself():
    decided = date(2022, 6, 16)  # ends 2025-06-16
    assert publicly_displayed("penalty", decided, "general", date(2025, 6, 16))
    assert not publicly_displayed("penalty", decided, "general", date(2025, 6, 17))
    assert publicly_displayed("penalty", date(2023, 6, 16), "general", TODAY)  # 2 years old
    assert not publicly_displayed("penalty", date(2021, 3, 1), "general", TODAY)  # before the rule, 36 months over


@pytest.mark.article("Art. 15")
def test_a_penalty_is_not_displayed_before_its_decision_date():
    assert not publicly_displayed("penalty", date(2025, 6, 17), "general", TODAY)
    assert publicly_displayed("penalty", TODAY, "general", TODAY)


@pytest.mark.article("Art. 15")
def test_a_slight_penalty_under_the_2025_rule_leaves_after_three_months():
    decided = date(2026, 4, 15)
    assert publicly_displayed("penalty", decided, "slight", date(2026, 7, 15))
    assert not publicly_displayed("penalty", decided, "slight", date(2026, 7, 16))
    assert publicly_displayed("penalty", decided, "general", date(2026, 7, 16))


@pytest.mark.article("Art. 15")
@pytest.mark.parametrize("item", ["licence", "commendation", "judgment-default", "market-ban"])
def test_other_public_items_have_no_publicity_limit_here(item):
    assert publicly_displayed(item, date(2010, 1, 1), None, TODAY)
