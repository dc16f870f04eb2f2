"""Credit restoration (信用修复): the rules of an application and of the organ's decision (Art. 38).

Art. 38: within the inquiry period of untrustworthiness information, a subject that reduced the loss and
removed the adverse effect (by fulfilling its obligations on its own initiative, applying for a deferral,
explaining itself …) may obtain from the unit that provided the information a written proof of credit
restoration; the platform removes the information from its inquiry interface within 3 working days of
receiving it (``restoration.hide_working_days``).

The national rules (domain.md §6) add minimum publicity periods of administrative penalty information before
restoration of its *public display* may be applied for (``publicity.penalty.<severity>.min_months``, dated:
NDRC Order 58 until 2026-03-31, Order 36 from 2026-04-01). They govern proactive public display only: an
application under Art. 38 is never refused for them. The platform computes the day the minimum period ends
and shows it to the subject and to the deciding organ (``publicity_minimum``). Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..errors import InvalidInput, RuleViolation, msg
from ..law import parameters
from ..law.errors import ParameterNotInForce
from ..law.periods import add_months
from ..law.rules import rule

# How the subject reduced the loss and removed the adverse effect (Art. 38's examples, and others).
MEASURES = ("fulfilled", "deferral", "explanation", "other")
OUTCOMES = ("granted", "refused")
OPEN = ("applied",)
PENALTY_ITEM = "penalty"
SEVERITIES = ("slight", "general", "serious")
DEFAULT_SEVERITY = "general"
MIN_PARAMETER = "publicity.penalty.{}.min_months"
CLOSED_RECORD = ("restored", "revoked", "withdrawn")
CENTER_ROLES = ("operator", "console")  # the Center follows every application


@rule("Art. 38")
def check_application(*, record_subject_id: int, applicant_subject_id: int | None, untrustworthy: bool,
                      record_status: str, in_inquiry_period: bool, measure: str, reason: str,
                      open_application: bool) -> None:
    """A subject applies, about its own untrustworthiness information within its inquiry period, saying how
    it reduced the loss and removed the adverse effect; one open application per record."""
    if applicant_subject_id is None or applicant_subject_id != record_subject_id:
        raise RuleViolation("a subject applies for the restoration of its own information only",
                            article="Art. 38", status=403, field="record")
    if not untrustworthy:
        raise RuleViolation("credit restoration applies to untrustworthiness information only",
                            article="Art. 38", field="record")
    if record_status in CLOSED_RECORD:
        raise RuleViolation(msg("the record is {record_status}: there is nothing to restore",
                                record_status=record_status), article="Art. 38",
                            status=409, field="record")
    if not in_inquiry_period:
        raise RuleViolation("the record's inquiry period has ended: it is no longer served, so there is nothing "
                            "to restore", article="Art. 38", status=409, field="record")
    if measure not in MEASURES:
        raise InvalidInput(msg("how the adverse effect was removed is one of {measures}",
                               measures=", ".join(MEASURES)),
                           article="Art. 38", field="measure")
    if not (reason or "").strip():
        raise RuleViolation("say how the loss was reduced and the adverse effect removed (Art. 38)",
                            article="Art. 38", field="reason")
    if open_application:
        raise RuleViolation("an application for this record is already with the deciding organ",
                            article="Art. 38", status=409, field="record")


@rule("Art. 38")
def check_decider(actor_unit_id: int | None, record_unit_id: int) -> None:
    """The unit that provided the information, and only it, decides and issues the written proof."""
    if actor_unit_id is None or actor_unit_id != record_unit_id:
        raise RuleViolation("only the unit that provided the information decides on its restoration",
                            article="Art. 38", status=403)


@rule("Art. 38")
def check_decision(status: str, outcome: str, document: str, reason: str) -> None:
    """An application is decided once, on a written document; a refusal gives its reasons."""
    if status not in OPEN:
        raise RuleViolation(msg("the application is already {status}", status=status), article="Art. 38", status=409)
    if outcome not in OUTCOMES:
        raise InvalidInput(msg("the outcome is one of {outcomes}", outcomes=", ".join(OUTCOMES)), field="outcome")
    if not (document or "").strip():
        raise RuleViolation("name the written document of the decision (for a grant: the written proof of "
                            "credit restoration)", article="Art. 38", field="document")
    if outcome == "refused" and not (reason or "").strip():
        raise RuleViolation("a refusal gives its reasons in writing", article="Art. 38", field="reason")


@dataclass(frozen=True)
class PublicityMinimum:
    until: date  # the first day restoration of the public display may be applied for under national rules
    parameter: str
    months: int


@rule("Art. 38")
def publicity_minimum(item_code: str, decided_on: date, severity: str | None) -> PublicityMinimum | None:
    """The national minimum publicity period of penalty information (dated parameters; the rule in force on the
    decision date governs): informative only, since Art. 38 binds the platform whatever it says. None: not penalty
    information, or no national rule on the decision date."""
    if item_code != PENALTY_ITEM:
        return None
    sev = (severity or "").strip().lower()
    sev = sev if sev in SEVERITIES else DEFAULT_SEVERITY
    for candidate in dict.fromkeys((sev, DEFAULT_SEVERITY)):  # Order 58 grades no severity: all general
        name = MIN_PARAMETER.format(candidate)
        try:
            months = int(parameters.value(name, decided_on))
        except ParameterNotInForce:
            continue
        return PublicityMinimum(add_months(decided_on, months), name, months)
    return None
