"""The console's calendar warning starts on the day ``ops.calendar_warning_days`` sets (the day /healthz warns
from), not on a date of its own."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.law.parameters import load_parameters, overlaid
from xinyong.ops import health
from xinyong.oversight import operations

# 2026 is the last year the packaged calendar knows: in 2026 the next year is missing
_30_DAYS = load_parameters(
    "ops.calendar_warning_days:\n  description: d\n  unit: days\n  article: Art. 36.2(1)\n"
    "  kind: platform-policy\n  source: s\n  values: [{value: 30, since: 2017-10-01}]\n")


@pytest.mark.article("Art. 36.2(1)")
def test_the_console_warns_from_the_parameters_day():
    assert operations.calendar_status(on=date(2026, 10, 31))["next_year_missing_warning"] is False
    packaged = operations.calendar_status(on=date(2026, 11, 1))  # 61 days before 1 January
    assert packaged["next_year_missing_warning"] and packaged["warning_from"] == "2026-11-01"
    with overlaid(_30_DAYS):
        for day, warned in ((date(2026, 12, 1), False), (date(2026, 12, 2), True)):
            status = operations.calendar_status(on=day)
            assert status["next_year_missing_warning"] is warned and status["warning_from"] == "2026-12-02"
            assert (health.calendar_warning(day) is not None) is warned  # the same day as /healthz
