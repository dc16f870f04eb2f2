"""Lists of seriously untrustworthy subjects (Art. 24, 25, 33) and positive lists: pure rules.

The minimum public comment period for the standard of a list is not in the regulation: it is the
platform-policy parameter ``listing.comment_min_days`` (``law/parameters.yaml``, with its source),
looked up for the day concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..errors import InvalidInput, RuleViolation, msg
from ..law import parameters
from ..law.rules import rule

BLACK, RED = "black", "red"
KINDS = (BLACK, RED)
# Art. 25.2 items (1)–(4)
GROUNDS = {
    "(1)": "严重损害自然人身体健康和生命安全的行为",
    "(2)": "严重破坏市场公平竞争秩序和社会正常秩序的行为",
    "(3)": "有履行能力但拒不履行、逃避执行法定义务，情节严重的行为",
    "(4)": "拒不履行国防义务，危害国防利益，破坏国防设施的行为",
}
PERSON_ROLES = ("legal-representative", "principal", "directly-responsible")
DECIDERS = ("organ", "reconsideration", "court")
COMMENT_PARAMETER = "listing.comment_min_days"
COMMENT_SOURCE = f"{COMMENT_PARAMETER}: {parameters.parameter(COMMENT_PARAMETER).source}"


def comment_min_days(day: date) -> int:
    """The minimum comment period (days) in force on ``day`` (platform policy, Art. 24)."""
    return int(parameters.value(COMMENT_PARAMETER, day))


@dataclass(frozen=True)
class ListFacts:
    kind: str
    state: str
    entry_standard: str
    legal_basis: str
    entry_requirements: str
    removal_requirements: str
    remedy_paths: str
    comment_from: date | None
    comment_to: date | None


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(msg("a list is 'black' (seriously untrustworthy) or 'red' (positive), not '{kind}'",
                               kind=kind),
                           field="kind")
    return kind


@rule("Art. 25.3")
def publishable(facts: ListFacts) -> None:
    """A list is published together with its entry standard, legal basis, entry and removal requirements and remedy paths."""
    missing = [name for name, v in (("entry standard", facts.entry_standard), ("legal basis", facts.legal_basis),
                                    ("entry requirements", facts.entry_requirements),
                                    ("removal requirements", facts.removal_requirements),
                                    ("remedy paths", facts.remedy_paths)) if not (v or "").strip()]
    if missing:
        raise RuleViolation(msg("a list is published with its entry and removal requirements and remedy paths; "
                                "missing: {missing}", missing=", ".join(missing)), article="Art. 25.3")
    if facts.state != "draft":
        raise RuleViolation(msg("the list is {state}, not a draft", state=facts.state), article="Art. 25.3", status=409)


@rule("Art. 24")
def comment_period_held(facts: ListFacts, on: date, min_days: int) -> None:
    """The standard for serious untrustworthiness is put out for public comment before a black list is published."""
    if facts.kind != BLACK:
        return
    if facts.comment_from is None or facts.comment_to is None:
        raise RuleViolation("the standard for entry must be put out for public comment first: give the "
                            "comment period", article="Art. 24")
    days = (facts.comment_to - facts.comment_from).days + 1
    if days < min_days:
        raise RuleViolation(msg("the comment period lasted {days} days; at least {min_days} are required "
                                "({comment_source})", days=days, min_days=min_days, comment_source=COMMENT_SOURCE),
                            article="Art. 24")
    if facts.comment_to >= on:
        raise RuleViolation(msg("the comment period runs until {comment_to}: publish after it ends",
                                comment_to=facts.comment_to),
                            article="Art. 24")


@rule("Art. 25.3")
def takes_entries(state: str, published_on: date | None, on: date) -> None:
    """A list takes entries only once it is published with its requirements and remedies."""
    if state != "published" or published_on is None or published_on > on:
        raise RuleViolation("the list is not published with its entry and removal requirements and remedy "
                            "paths: it cannot take entries", article="Art. 25.3")


@rule("Art. 25.2")
def black_ground(kind: str, ground: str | None) -> str | None:
    """An entry on a black list rests on one of the grounds of Art. 25.2 (1)–(4)."""
    if kind != BLACK:
        return None
    g = (ground or "").strip()
    if g and not g.startswith("("):
        g = f"({g})"
    if g not in GROUNDS:
        raise RuleViolation("an entry on a list of seriously untrustworthy subjects rests on one of the "
                            "grounds of Art. 25.2: (1), (2), (3) or (4)", article="Art. 25.2", field="ground")
    return g


@rule("Art. 33")
def responsible_persons(kind: str, subject_kind: str, persons: list[tuple[str, str]]) -> None:
    """An organization on a black list is recorded with the natural persons responsible for the act."""
    if persons and subject_kind == "natural_person":
        raise RuleViolation("responsible persons are recorded for a legal person or organization, not for a "
                            "natural person", article="Art. 33")
    for role, person_kind in persons:
        if role not in PERSON_ROLES:
            raise InvalidInput(msg("a responsible person is one of {person_roles}, not '{role}'",
                                   person_roles=", ".join(PERSON_ROLES), role=role),
                               field="persons", article="Art. 33")
        if person_kind != "natural_person":
            raise RuleViolation("a responsible person is a natural person (resident identity card number)",
                                article="Art. 33")
    if kind == BLACK and subject_kind != "natural_person" and not persons:
        raise RuleViolation("when an organization is entered on a list of seriously untrustworthy subjects, "
                            "its legal representative, principal responsible person and other directly "
                            "responsible persons are recorded", article="Art. 33")


@rule("Art. 25.3")
def removable(status: str, document: str) -> None:
    """An entry is removed when the removal requirements are met, on a written document."""
    if status != "listed":
        raise RuleViolation(msg("the entry is {status}, not listed", status=status), article="Art. 25.3", status=409)
    if not (document or "").strip():
        raise RuleViolation("name the document that finds the removal requirements met", article="Art. 25.3")


@rule("Art. 25.3")
def remedy_allowed(entry_subject_id: int, applicant_subject_id: int | None, status: str) -> None:
    """The listed subject, and only it, may apply for remedy against its entry."""
    if applicant_subject_id != entry_subject_id:
        raise RuleViolation("only the listed subject applies for remedy against its entry", article="Art. 25.3",
                            status=403)
    if status != "listed":
        raise RuleViolation(msg("the entry is {status}", status=status), article="Art. 25.3", status=409)


@rule("Art. 25.3")
def remedy_pending(status: str) -> None:
    """A remedy is decided once: an outcome already entered is not decided again."""
    if status != "pending":
        raise RuleViolation(msg("the remedy is already {status}", status=status), article="Art. 25.3", status=409)


@rule("Art. 25.3")
def remedy_outcome(decided_by: str, outcome: str, document: str) -> None:
    """A remedy is decided by the listing organ, a reconsideration organ or a court, on a document."""
    if decided_by not in DECIDERS:
        raise RuleViolation(msg("a remedy is decided by {deciders}", deciders=", ".join(DECIDERS)), article="Art. 25.3")
    if outcome not in ("upheld", "revoked"):
        raise InvalidInput("the outcome is 'upheld' or 'revoked'", field="outcome")
    if not (document or "").strip():
        raise RuleViolation("name the deciding document", article="Art. 25.3")


DISCLOSURES = ("public", "organs")
BASIS_LEVELS = ("law", "administrative-regulation", "judicial-interpretation", "departmental-rule",
                "local-regulation", "policy")


@rule("Art. 25.3")
def check_disclosure(disclosure: str, basis: str | None, level: str | None) -> None:
    """A list's entries are public only when the rules it rests on publish them (that source and its level named); otherwise only organs whose published inquiry list names it see them."""
    if disclosure not in DISCLOSURES:
        raise InvalidInput(msg("a list's disclosure is one of {disclosures}, not '{disclosure}'",
                               disclosures=", ".join(DISCLOSURES), disclosure=disclosure),
                           field="disclosure")
    if disclosure == "public" and (not basis or level not in BASIS_LEVELS):
        raise RuleViolation(msg("a list whose entries are public names the rule that publishes them and its level "
                                "({basis_levels})", basis_levels=", ".join(BASIS_LEVELS)),
                            article="Art. 25.3", field="public_basis")
    if disclosure == "organs" and basis:
        raise InvalidInput("a list seen by organs only has no public basis", field="public_basis")


@rule("Art. 24")
def comment_in_period(received_on: date, comment_from: date | None, comment_to: date | None) -> None:
    """A comment on a list's standard is one received while the standard was put out for public comment."""
    if comment_from is None or comment_to is None:
        raise RuleViolation("the list's standard was not put out for public comment: there is no comment period "
                            "to record comments for", article="Art. 24", field="received_on")
    if not comment_from <= received_on <= comment_to:
        raise RuleViolation(msg("a comment received on {received_on} is outside the comment period ({comment_from} "
                                "to {comment_to})",
                                received_on=received_on, comment_from=comment_from, comment_to=comment_to),
                            article="Art. 24", field="received_on")
