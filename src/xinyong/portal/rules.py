"""Rules of the public portal: what is displayed proactively to the public (Art. 15).

Proactive public display differs from inquiry on request (Art. 17): the inquiry service decides what
the public may see at all (public items of legal persons and organizations, within the Art. 35
period); on top of that, administrative penalty information is displayed only during its publicity
period under the national credit-restoration rules (``domain.md`` §6), after which publication stops
by itself. Pure functions: no session, no request.
"""

from __future__ import annotations

from datetime import date

from ..law import parameters
from ..law.errors import ParameterNotInForce
from ..law.periods import add_months
from ..law.rules import rule

PENALTY_ITEM = "penalty"
SEVERITIES = ("slight", "general", "serious")
DEFAULT_SEVERITY = "general"
_MAX = "publicity.penalty.{}.max_months"


def _severity(raw: str | None) -> str:
    sev = (raw or "").strip().lower()
    return sev if sev in SEVERITIES else DEFAULT_SEVERITY


def _max_months(severity: str, decided_on: date) -> int:
    """The maximum publicity period (months) for a penalty of ``severity`` decided on ``decided_on``.

    The rule in force on the decision date governs (the period is counted from it). Fallbacks:

    * A rule that does not grade penalties by this severity (NDRC Order 58, in force until
      2026-03-31, knows only "general" and the special fields) treats every penalty as general.
    * Before the first national rule (2023-05-01) no publicity period was set at all. Publishing
      without end would be the worst reading for the subject, so the earliest rule's value is used —
      the period that rule gave penalties then still on display — as if it had applied from the
      decision date.
    """
    day = decided_on
    first = parameters.parameter(_MAX.format(DEFAULT_SEVERITY)).values[0].since
    if day < first:
        day = first  # before the first rule: the earliest rule's value (see the docstring)
    for sev in (severity, DEFAULT_SEVERITY):
        try:
            return int(parameters.value(_MAX.format(sev), day))
        except ParameterNotInForce:
            continue
    # No rule for "general" on a day after the first one: the parameters have a gap. Fail closed.
    return int(parameters.value(_MAX.format(DEFAULT_SEVERITY), day))


def penalty_publicity_end(decided_on: date, severity: str | None) -> date:
    """The last day a penalty decided on ``decided_on`` is displayed to the public (inclusive)."""
    sev = _severity(severity)
    return add_months(decided_on, _max_months(sev, decided_on))


@rule("Art. 15")
def publicly_displayed(item_code: str, decided_on: date, severity: str | None, day: date) -> bool:
    """Penalty information is displayed to the public only from its decision date until its maximum publicity period ends."""
    if item_code != PENALTY_ITEM:
        return True
    if day < decided_on:
        return False
    return day <= penalty_publicity_end(decided_on, severity)
