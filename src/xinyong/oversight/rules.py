"""The oversight register's rules (Art. 49–51): who records a decision on a possible breach, and what the
regulation lets that decision be. Pure functions; the table they read is ``oversight.register.TABLE``.

Art. 50.2: organs failing their Art. 9, 10, 11, 17 duties — an interview, and by severity an order to correct,
a warning or circulated criticism. Art. 51.1: the Center's unchecked or unlawful inquiries — a fine within
``fine.center_improper_inquiry_yuan``. Art. 51.2: information-security duties (Art. 19) — an order to correct
within a time limit. Art. 51.3: the Center or a credit service establishment breaching Art. 36–38 — an order
to correct by a date; only if it refuses to correct, a fine within ``fine.rights_breach_not_corrected_yuan``.
"""

from __future__ import annotations

from datetime import date

from ..errors import InvalidInput, RuleViolation, msg
from ..law.rules import rule

OUTCOMES = ("no_breach", "interview", "order_to_correct", "warning", "circulated_criticism", "fine", "corrected",
            "referred")
DECIDER_ROLES = ("supervisor",)


@rule("Art. 51")
def check_decider(role: str) -> None:
    """Only the supervisor records the competent authority's decisions: the Center (operator, console) is a party
    the register watches and cannot edit it."""
    if role not in DECIDER_ROLES:
        raise RuleViolation("only the social credit supervisor records decisions on the oversight register: the "
                            "Center and the units it watches cannot edit it", article="Art. 51", status=403)


@rule("Art. 50.2")
def check_outcome(outcome: str, *, allowed: tuple[str, ...], article: str, document: str, reasons: str) -> None:
    """A decision is one the regulation attaches to that breach (Art. 50.2: interview, order to correct, warning,
    circulated criticism; Art. 51: as each paragraph says), on a document; "no breach" gives its reasons."""
    if outcome not in OUTCOMES:
        raise InvalidInput(msg("the outcome is one of {outcomes}", outcomes=", ".join(OUTCOMES)), field="outcome")
    if not allowed:
        raise RuleViolation("a refused inquiry is an attempt: nothing was disclosed, and no sanction attaches to it",
                            article=article, status=409, field="outcome")
    if outcome not in allowed:
        raise RuleViolation(msg("for this breach {article} attaches only: {allowed}", article=article,
                                allowed=", ".join(allowed)), article=article, field="outcome")
    if not (document or "").strip():
        raise InvalidInput("a decision names its document", field="document", article=article)
    if outcome == "no_breach" and not (reasons or "").strip():
        raise InvalidInput("a finding of no breach gives its reasons", field="reasons", article=article)


@rule("Art. 51.2")
def check_order_deadline(deadline: date | None, decided_on: date) -> None:
    """An order to correct sets a time limit: its deadline is after the day of the decision (限期改正)."""
    if deadline is None or deadline <= decided_on:
        raise InvalidInput("an order to correct sets its deadline after the day of the decision",
                           field="deadline", article="Art. 51.2")


@rule("Art. 51.1")
def check_fine_range(amount_yuan: int | None, *, low: int, high: int, article: str) -> None:
    """A fine lies within the range the regulation sets, as in force on the day of the decision (the dated
    parameter: Art. 51.1 10,000–100,000 yuan; Art. 51.3 10,000–50,000 yuan)."""
    if amount_yuan is None or not (low <= amount_yuan <= high):
        raise RuleViolation(msg("a fine under {article} is between {low} and {high} yuan", article=article,
                                low=f"{low:,}", high=f"{high:,}"), article=article, field="amount_yuan")


@rule("Art. 51.3")
def check_refused_to_correct(history: list[tuple[str, date | None]], decided_on: date) -> None:
    """Art. 51.3's fine only after an order to correct whose deadline passed with no correction recorded ("拒不改正").
    ``history``: the entry's earlier decisions (outcome, deadline), oldest first."""
    order: date | None = None
    for outcome, deadline in history:
        if outcome == "order_to_correct":
            order = deadline
        elif outcome == "corrected":
            order = None
    if order is None or decided_on <= order:
        raise RuleViolation("a fine under Art. 51.3 only when the party refused to correct: after an order to "
                            "correct whose deadline has passed with no correction", article="Art. 51.3",
                            status=409, field="outcome")


@rule("Art. 51.3", id="oversight.check_correction_closes_an_order")
def check_correction(history: list[tuple[str, date | None]]) -> None:
    """A correction closes an order to correct: there must be one still open."""
    open_order = False
    for outcome, _ in history:
        if outcome == "order_to_correct":
            open_order = True
        elif outcome == "corrected":
            open_order = False
    if not open_order:
        raise RuleViolation("a correction closes an order to correct, and none is open on this entry",
                            article="Art. 51.3", status=409, field="outcome")
