"""The rules of a subject's declaration or commitment and of the accepting unit's acts (Art. 13.2, 11, 34.1).

Art. 13.2 encourages subjects to provide their own credit information to the platform by declaration,
self-report or public commitment, *guaranteeing it lawful, true and complete*: the guarantee is a condition
of filing, not a formality. The national credit-commitment record (domain.md §4) gives the types, the
fulfilment states and the disclosure choices below, and the code: the accepting unit's 6-digit region, the
day (YYYYMMDD) and a 6-digit serial. Pure functions.
"""

from __future__ import annotations

from datetime import date

from ..errors import Forbidden, InvalidInput, RuleViolation, msg
from ..law.rules import rule

ITEM = "commitment"  # the catalog item a commitment becomes on acceptance
FORMS = ("commitment", "declaration", "self_report")
# The national types of credit commitment, with the words of the national record.
KINDS = {
    "approval_substitute": "审批替代型", "deficiency_accepted": "容缺受理型", "certification": "证明事项型",
    "restoration": "信用修复型", "industry_self_discipline": "行业自律型", "voluntary": "主动型", "other": "其他",
}
FORM_WORDS = {"commitment": "信用承诺", "declaration": "声明", "self_report": "自主申报"}
DISCLOSURES = {"public": "公开", "scope": "部分公开", "not_public": "不公开"}
OUTCOMES = {"fulfilled": "已履约", "partly_fulfilled": "部分履约", "not_fulfilled": "未履约"}
PENDING_FULFILMENT = "履约中"
OPEN = ("declared",)
ACCEPTED = ("accepted",)


@rule("Art. 13.2")
def check_declaration(*, form: str, kind: str, reason: str, content: str, liability: str, guaranteed: bool,
                      made_on: date, valid_until: date | None, disclosure: str, today: date) -> None:
    """A declaration or commitment says what it is, its content and (for a commitment) its type and the
    liability accepted for a breach; and the subject guarantees it lawful, true and complete."""
    if not guaranteed:
        raise RuleViolation("the subject guarantees that what it provides is lawful, true and complete",
                            article="Art. 13.2", field="guaranteed")
    if form not in FORMS:
        raise InvalidInput(msg("the form is one of {forms}", forms=", ".join(FORMS)), field="form")
    if form == "commitment" and kind not in KINDS:
        raise InvalidInput(msg("a commitment's type is one of {kinds}", kinds=", ".join(KINDS)), field="kind")
    if not content.strip():
        raise InvalidInput("say what is declared or committed", field="content")
    if not reason.strip():
        raise InvalidInput("say why (the matter the commitment is made for)", field="reason")
    if form == "commitment" and not liability.strip():
        raise RuleViolation("a credit commitment states the liability accepted for breaking it",
                            article="Art. 13.2", field="liability")
    if disclosure not in DISCLOSURES:
        raise InvalidInput(msg("the disclosure is one of {choices}", choices=", ".join(DISCLOSURES)),
                           field="disclosure")
    if made_on > today:
        raise InvalidInput("a commitment is made on or before today", field="made_on")
    if valid_until is not None and valid_until < made_on:
        raise InvalidInput("the commitment is valid until a day on or after the day it is made",
                           field="valid_until")


@rule("Art. 11")
def check_accepting_unit(*, provides_item: bool) -> None:
    """Only a unit registered to provide the catalog item ``commitment`` accepts commitments: what it accepts
    becomes a record of that item, and only an item's providers put it on the platform (Art. 11)."""
    if not provides_item:
        raise RuleViolation("this unit does not accept credit commitments on the platform: it is not registered to "
                            "provide the catalog item 'commitment'", article="Art. 11", field="accepting_unit")


@rule("Art. 13.2")
def check_act_of_accepting_unit(*, actor_unit_id: int | None, accepting_unit_id: int, status: str,
                                wanted: tuple[str, ...]) -> None:
    """The unit the commitment was made to, and no other, accepts it and records its fulfilment, in order."""
    if actor_unit_id != accepting_unit_id:
        raise Forbidden("only the unit the commitment was made to acts on it", article="Art. 13.2")
    if status not in wanted:
        raise RuleViolation(msg("the commitment is {status}: this step is not open", status=status),
                            article="Art. 13.2", status=409, field="status")


@rule("Art. 34.1")
def check_documented(*, document: str, reason: str, needs_reason: bool) -> None:
    """The unit's act names its document (and, where it refuses or records a breach, its reasons)."""
    if not document.strip():
        raise RuleViolation("the act names its document", article="Art. 34.1", field="document")
    if needs_reason and not reason.strip():
        raise RuleViolation("the act gives its reasons", article="Art. 34.1", field="reason")


def check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise InvalidInput(msg("the fulfilment is one of {outcomes}", outcomes=", ".join(OUTCOMES)),
                           field="outcome")


def commitment_code(region: str, day: date, serial: int) -> str:
    """The national code: 6-digit region, YYYYMMDD, 6-digit serial (20 characters)."""
    if len(region) != 6 or not region.isdigit():
        raise InvalidInput("the accepting unit's region is not a 6-digit code", field="accepting_unit")
    if not 0 < serial < 1_000_000:
        raise InvalidInput("no serial left for this region and day", field="code")
    return f"{region}{day:%Y%m%d}{serial:06d}"


def region_of_uscc(uscc: str) -> str:
    """A USCC's characters 3–8 are its registration authority's administrative division (GB 32100)."""
    return uscc[2:8]


def remarks(disclosure: str, fulfilment: str) -> str:
    """The record's remarks as the national record words them (what the demo's files carry too)."""
    return f"履约状态：{fulfilment}；公开方式：{DISCLOSURES[disclosure]}"
