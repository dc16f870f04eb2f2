"""Rules about information subjects (Art. 2): the strict identifier checks live in ``identifiers``.

Imported here so that the rule registry (``xinyong law map``) finds them with every domain's rules.

The life of a subject (issue 13 §6): a change of name or identifier, a deregistration, a merger or a split is
information about the subject that a providing unit provides accurately, completely and with its document
(Art. 11); a merger or a split joins or divides subjects only by the operator's recorded decision on the
registration authority's document. Which actor may record what is platform policy (said where it is).
"""

from __future__ import annotations

import re
from datetime import date

from ..errors import Conflict, Forbidden, InvalidInput, RuleViolation, msg
from ..law.rules import rule
from .identifiers import check_ric, check_uscc, org_code_check_char, parse_identifier, ric_check_char  # noqa: F401

ACCURACY = "Art. 11"

# What a providing unit records; a merger or a split is the operator's decision (platform policy).
UNIT_KINDS = ("name_changed", "identifier_changed", "former_identifier", "deregistered")
DECISION_KINDS = ("merged_into", "merged_from", "split_from", "split_into")
KINDS = UNIT_KINDS + DECISION_KINDS

_ORG_CODE = re.compile(r"^([0-9A-Z]{8})[-－—‐]?([0-9X])$")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@rule(ACCURACY)
def check_change_document(doc_no: str | None, doc_date: date | None, doc_org: str | None, *, today: date) -> None:
    """A change of a subject is provided with the document behind it: its number, date and issuing authority;
    a document dated after today does not exist yet."""
    for name, value in (("doc_no", doc_no), ("doc_date", doc_date), ("doc_org", doc_org)):
        if _blank(value):
            raise RuleViolation("the document is incomplete: its number, date and issuing authority are required",
                                article=ACCURACY, field=name)
    if doc_date > today:
        raise RuleViolation("the document is dated after today", article=ACCURACY, field="doc_date")


@rule(ACCURACY)
def check_provider(provides_any: bool) -> None:
    """Only a providing unit (registered to provide catalog items) provides a change of a subject."""
    if not provides_any:
        raise RuleViolation("only a providing unit records a change of a subject", article=ACCURACY,
                            field="unit")


@rule(ACCURACY)
def check_new_name(old: str, new: str | None) -> str:
    """A new name is given, and differs from the name the platform holds. Returns it, stripped."""
    name = (new or "").strip()
    if not name:
        raise RuleViolation("the new name is required", article=ACCURACY, field="new_name")
    if len(name) > 200:
        raise RuleViolation("the new name is longer than 200 characters", article=ACCURACY, field="new_name")
    if name == old:
        raise RuleViolation("the new name is the name the platform holds", article=ACCURACY, field="new_name")
    return name


def normalise_org_code(raw: str) -> str | None:
    """A GB 11714 organization code (``XXXXXXXX-X`` or without the dash) as its 9 characters, or None."""
    text = "".join((raw or "").split()).upper()
    m = _ORG_CODE.match(text)
    return m.group(1) + m.group(2) if m else None


@rule(ACCURACY)
def check_org_code_of_uscc(org_code_raw: str, uscc: str) -> str:
    """A former organization code is that of the subject's USCC: a GB 11714 code passing its check, equal to
    the USCC's characters 9-17 (GB 32100-2015). Returns the 9 characters."""
    code = normalise_org_code(org_code_raw)
    if code is None or org_code_check_char(code[:8]) != code[8]:
        raise RuleViolation("the former identifier is not a valid organization code (GB 11714)",
                            article=ACCURACY, field="former_identifier")
    if uscc[8:17] != code:
        raise RuleViolation(msg("organization code {code} is not the one in the subject's USCC (characters "
                                "9-17: {embedded})", code=f"{code[:8]}-{code[8]}",
                                embedded=f"{uscc[8:16]}-{uscc[16]}"),
                            article=ACCURACY, field="former_identifier")
    return code


def eighteen_of_fifteen(fifteen: str) -> str:
    """The 18-digit form of a 15-digit resident ID number (GB 11643-1999): the century 19 inserted before
    the two-digit year, and the check character appended."""
    first17 = fifteen[:6] + "19" + fifteen[6:]
    return first17 + ric_check_char(first17)


@rule(ACCURACY)
def check_ric_reissue(fifteen_raw: str, eighteen: str) -> str:
    """A former 15-digit resident ID number is the subject's: its 18-digit form (determined by GB 11643-1999)
    is the subject's number. Returns the 15 digits."""
    fifteen = "".join((fifteen_raw or "").split())
    if len(fifteen) != 15 or not fifteen.isascii() or not fifteen.isdigit():
        raise RuleViolation("the former identifier is not a 15-digit resident ID number", article=ACCURACY,
                            field="former_identifier")
    if eighteen_of_fifteen(fifteen) != eighteen:  # never echoed: both are a person's numbers
        raise RuleViolation("the 18-digit form of the former 15-digit number is not the subject's number",
                            article=ACCURACY, field="former_identifier")
    return fifteen


@rule(ACCURACY)
def check_identifier_change(old_kind: str, new_kind: str, old_digest: str, new_digest: str) -> None:
    """A subject's new identifier is of the same kind (a person's number for a person, a USCC for an
    organization) and is not the one the platform holds."""
    if old_kind != new_kind:
        raise RuleViolation(msg("the new identifier is a {new}'s, the subject is a {old}",
                                new=new_kind.replace("_", " "), old=old_kind.replace("_", " ")),
                            article=ACCURACY, field="new_identifier")
    if old_digest == new_digest:
        raise RuleViolation("the new identifier is the one the platform holds", article=ACCURACY,
                            field="new_identifier")


def check_identifier_free(taken_by: int | None, subject_id: int) -> None:
    """Platform policy: an identifier that already names another subject is not given to this one (that would
    join two subjects); only a recorded merger decision does (``merge``)."""
    if taken_by is not None and taken_by != subject_id:
        raise Conflict("the identifier already names another subject: two subjects are joined only by a "
                       "recorded merger decision", field="new_identifier")


def check_not_deregistered(deregistered_on: date | None) -> None:
    """Platform policy: a deregistered subject changes no more (its records and history stay); a merger or a
    split decision naming it is still recorded."""
    if deregistered_on is not None:
        raise Conflict("the subject is deregistered: no further change is recorded for it", field="subject")


@rule(ACCURACY)
def check_decision(reason: str | None) -> str:
    """A merger or a split is recorded on the registration authority's document with the decision's reason
    (information kept accurate and complete: never inferred from a name). Returns the reason, stripped."""
    text = (reason or "").strip()
    if not text:
        raise RuleViolation("a merger or split decision states its reason", article=ACCURACY, field="reason")
    return text


def check_decider(role: str) -> None:
    """Platform policy: only the operator (the Center running the platform, Art. 11) records a merger or a
    split decision; no unit, no import, no automatic match ever joins or divides subjects."""
    if role not in ("operator", "console"):
        raise Forbidden("only the operator records a merger or split decision", field="actor")


def check_distinct(a: int, b: int) -> None:
    """Platform policy: a subject is not merged with or split into itself."""
    if a == b:
        raise InvalidInput("the two subjects of a merger or split are the same subject", field="other")
