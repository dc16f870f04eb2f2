"""Who may do which step of an objection, in which order, and what a decision must say (Art. 36).

Pure functions: the service gathers the facts (the objection's state, the asker, the records) and
these decide, raising ``RuleViolation`` with the article.

Parties: the Center is the operator (a unit of kind ``operator``, or the operator's console); the
providing unit decides only what the Center transferred to it; a credit service establishment
handles only objections addressed to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ..errors import InvalidInput, RuleViolation, msg
from ..law.rules import rule

KINDS = ("error", "omission", "unlawful-collection", "rights")
RECORD_OUTCOMES = ("corrected", "upheld", "deleted")
NO_RECORD_OUTCOMES = ("resolved", "rejected")
NOT_CORRECTED = ("upheld", "rejected")
PATHS = ("center", "provider")
CENTER_ROLES = ("operator", "console")
CREDIT_SERVICE = "credit-service"
OPEN = ("filed", "noted", "transferred", "decided")
MAX_EVIDENCE = 50


def is_center(role: str) -> bool:
    return role in CENTER_ROLES


@rule("Art. 36.1")
def check_filing(kind: str, reason: str, evidence: Iterable[str], record_subjects: dict[int, int],
                 subject_id: int) -> None:
    """A subject objects, with its reasons, to errors, omissions or unlawful collection or provision of its own information."""
    if kind not in KINDS:
        raise InvalidInput(msg("the kind of objection is one of {kinds}, not '{kind}'",
                               kinds=", ".join(KINDS), kind=kind),
                           article="Art. 36.1", field="kind")
    if not (reason or "").strip():
        raise RuleViolation("an objection states its reason", article="Art. 36.1", field="reason")
    evidence = list(evidence)
    if len(evidence) > MAX_EVIDENCE or any(not str(e).strip() or len(str(e)) > 500 for e in evidence):
        raise InvalidInput(msg("evidence: at most {max_evidence} non-empty references of up to 500 characters",
                               max_evidence=MAX_EVIDENCE),
                           article="Art. 36.1", field="evidence")
    foreign = sorted(r for r, s in record_subjects.items() if s != subject_id)
    if foreign:
        raise RuleViolation(msg("a subject objects only to its own information: record(s) {foreign} are not about "
                                "this subject", foreign=", ".join(map(str, foreign))),
                            article="Art. 36.1", field="record_ids", status=403)
    if kind == "error" and not record_subjects:
        raise RuleViolation("an objection to an error names the record(s) concerned", article="Art. 36.1",
                            field="record_ids")


@rule("Art. 36.2")
def check_receipt(received_on: date | None, today: date, role: str, addressee: str) -> date:
    """The deadlines count from the day the materials were received: a past day or today, never a later one; online, the day of filing."""
    article = "Art. 36.3" if addressee == CREDIT_SERVICE else "Art. 36.2"
    if received_on is None:
        return today
    if role == "subject" and received_on != today:
        raise RuleViolation("a subject filing online is received the day it files; only the Center records "
                            "another day of receipt (materials received by post or at a window)",
                            article=article, field="received_on")
    if received_on > today:
        raise RuleViolation(msg("the day the materials were received ({received_on}) is after today ({today}): a "
                                "receipt cannot be recorded in advance",
                                received_on=received_on.isoformat(), today=today.isoformat()),
                            article=article, field="received_on")
    return received_on


@rule("Art. 36.3")
def check_credit_service_addressee(unit_kind: str) -> None:
    """An objection not addressed to the Center goes to a credit service establishment."""
    if unit_kind != CREDIT_SERVICE:
        raise RuleViolation(msg("an objection is addressed to the Center or to a credit service establishment; "
                                "this unit is of kind '{unit_kind}'", unit_kind=unit_kind),
                            article="Art. 36.3", field="to_uscc")


@rule("Art. 36.2")
def check_note(status: str, role: str, path: str | None) -> None:
    """The Center notes an objection to it (marker confirmed, path chosen) before anything else happens."""
    if not is_center(role):
        raise RuleViolation("only the Center notes an objection addressed to it", article="Art. 36.2",
                            status=403)
    if status != "filed":
        raise RuleViolation(msg("this objection was already noted (it is {status})", status=status),
                            article="Art. 36.2",
                            status=409)
    if path not in PATHS:
        raise InvalidInput("choose the path: 'center' (the Center's own scope, Art. 36.2(1)) or 'provider' "
                           "(the providing unit's scope, Art. 36.2(2))", article="Art. 36.2", field="path")


@rule("Art. 36.3")
def check_credit_service_party(actor_unit_id: int | None, to_unit_id: int | None) -> None:
    """Only the credit service establishment an objection was addressed to handles it."""
    if actor_unit_id is None or actor_unit_id != to_unit_id:
        raise RuleViolation("this objection was addressed to a credit service establishment: only that "
                            "establishment handles it", article="Art. 36.3", status=403)


@rule("Art. 36.3")
def check_credit_service_note(status: str) -> None:
    """The establishment notes an objection once, within 1 working day of receipt."""
    if status != "filed":
        raise RuleViolation(msg("this objection was already noted (it is {status})", status=status),
                            article="Art. 36.3",
                            status=409)


@rule("Art. 36.2(2)")
def check_transfer(status: str, path: str | None, role: str, provider_units: set[int]) -> int:
    """The Center transfers an objection within the providing unit's scope to that one unit, after noting it."""
    if not is_center(role):
        raise RuleViolation("only the Center transfers an objection", article="Art. 36.2(2)", status=403)
    if status == "filed":
        raise RuleViolation("note the objection (and choose the providing unit's path) before transferring it",
                            article="Art. 36.2")
    if status != "noted" or path != "provider":
        raise RuleViolation(msg("only an objection noted as within the providing unit's scope is transferred, once "
                                "(it is {status}, path {path})", status=status, path=path),
                            article="Art. 36.2(2)", status=409)
    if len(provider_units) != 1:
        raise RuleViolation("the objection's records come from more than one providing unit (or none): "
                            "decide it within the Center's scope or ask the subject to object per unit",
                            article="Art. 36.2(2)")
    return next(iter(provider_units))


@rule("Art. 36.2(1)")
def center_decides(status: str, path: str | None) -> None:
    """The Center decides an objection within its own scope, once it has noted it."""
    if status == "filed":
        raise RuleViolation("the Center notes the objection and chooses its path before deciding it",
                            article="Art. 36.2")
    if status in ("decided", "closed"):
        raise RuleViolation("this objection has been decided", article="Art. 36.2", status=409)
    if path != "center":
        raise RuleViolation("this objection is within the providing unit's scope: the Center transfers it and "
                            "the providing unit decides", article="Art. 36.2(2)", status=403)


@rule("Art. 36.2(2)")
def provider_decides(status: str, handler_unit_id: int | None, actor_unit_id: int | None) -> None:
    """A providing unit decides only an objection the Center transferred to it."""
    if status in ("decided", "closed"):
        raise RuleViolation("this objection has been decided", article="Art. 36.2(2)", status=409)
    if status != "transferred" or actor_unit_id is None or actor_unit_id != handler_unit_id:
        raise RuleViolation("a unit decides only an objection the Center transferred to it",
                            article="Art. 36.2(2)", status=403)


@rule("Art. 36.3")
def credit_service_decides(status: str) -> None:
    """The establishment decides after noting the objection, within 7 working days."""
    if status == "filed":
        raise RuleViolation("note the objection before deciding it", article="Art. 36.3")
    if status != "noted":
        raise RuleViolation("this objection has been decided", article="Art. 36.3", status=409)


def decision_article(decider: str) -> str:
    return {"center": "Art. 36.2(1)", "provider": "Art. 36.2(2)", "credit-service": "Art. 36.3"}[decider]


@rule("Art. 36.3")
def check_decision(decider: str, outcome: str, has_records: bool, document: str, reason: str,
                   information_source: str | None, changes: dict) -> None:
    """A decision names its outcome and document; not correcting needs reasons in writing; an establishment states the source."""
    article = decision_article(decider)
    allowed = RECORD_OUTCOMES if has_records else NO_RECORD_OUTCOMES
    if outcome not in allowed:
        raise InvalidInput(msg("the outcome is one of {allowed}, not '{outcome}'",
                               allowed=", ".join(allowed), outcome=outcome), article=article,
                           field="outcome")
    if not (document or "").strip():
        raise RuleViolation("a decision names its deciding document", article=article, field="document")
    if not (reason or "").strip():
        raise RuleViolation("a decision gives its reasons in writing"
                            + (" — required when it does not correct" if outcome in NOT_CORRECTED else ""),
                            article="Art. 36.3" if decider == CREDIT_SERVICE else article, field="reason")
    if decider == CREDIT_SERVICE and not (information_source or "").strip():
        raise RuleViolation("a credit service establishment tells the objector the source of the information",
                            article="Art. 36.3", field="information_source")
    if outcome == "corrected" and decider != CREDIT_SERVICE and not changes:
        raise InvalidInput("a correction states what changes (--set FIELD=VALUE)", article=article,
                           field="changes")


@rule("Art. 36.2(2)")
def check_inform(status: str, path: str | None, role: str) -> None:
    """The Center tells the objector the providing unit's decision, promptly."""
    if not is_center(role):
        raise RuleViolation("the Center informs the objector", article="Art. 36.2(2)", status=403)
    if path != "provider" or status != "decided":
        raise RuleViolation(msg("the Center informs the objector of a providing unit's decision once it is made "
                                "(this objection is {status})", status=status), article="Art. 36.2(2)", status=409)


def may_view(role: str, actor_unit_id: int | None, actor_subject_id: int | None, subject_id: int,
             to_unit_id: int | None, handler_unit_id: int | None) -> bool:
    """The objector, the Center (objections to it) and the handling unit see an objection; no one else."""
    if actor_subject_id is not None:
        return actor_subject_id == subject_id
    if is_center(role):
        return to_unit_id is None or role == "console"
    return actor_unit_id is not None and actor_unit_id in (to_unit_id, handler_unit_id)
