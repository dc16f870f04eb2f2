"""The application list (Art. 22), the measures' legal limits (Art. 29–32) and the check (Art. 28, 33).

Pure functions: the service gathers measures, records and list entries; these decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..errors import Forbidden, InvalidInput, RuleViolation
from ..law.rules import rule
from ..unit.rules import check_purpose

INCENTIVE, PUNISHMENT, RESTRICTION = "incentive", "punishment", "restriction"
# kind → (article, number of items)
KINDS = {INCENTIVE: ("Art. 29", 5), PUNISHMENT: ("Art. 30", 6), RESTRICTION: ("Art. 31", 7)}
LEVELS = ("law", "administrative-regulation", "local-regulation", "policy")
SUBJECT_KINDS = ("natural_person", "organization", "government_organ")
COMPILERS = ("supervisor", "console")
_ITEM = re.compile(r"^\(?([1-7])\)?$")


@dataclass(frozen=True)
class MeasureFacts:
    id: int
    kind: str
    state: str
    published_on: date | None
    targets: frozenset[str]
    contexts: frozenset[str]
    incident_items: frozenset[str]
    incident_lists: frozenset[int]
    reaches_responsible: bool


@rule("Art. 22")
def may_compile(role: str) -> None:
    """The application list is compiled by the social credit supervisor."""
    if role not in COMPILERS:
        raise Forbidden("the application list is compiled by the social credit supervisor (Art. 22)")


def kind_article(kind: str, item: str | int | None) -> str:
    """``Art. 31(3)`` for a restriction under item (3); InvalidInput for an unknown kind or item."""
    if kind not in KINDS:
        raise InvalidInput(f"a measure is one of {', '.join(KINDS)}, not '{kind}'", field="kind")
    article, count = KINDS[kind]
    m = _ITEM.match(str(item or "").strip())
    if not m or int(m.group(1)) > count:
        raise InvalidInput(f"name the item of {article} (1)–({count})", field="item", article=article)
    return f"{article}({m.group(1)})"


@rule("Art. 32.1")
def basis_named(basis_text: str, level: str) -> None:
    """A measure names its legal basis and that basis's level."""
    if not (basis_text or "").strip():
        raise RuleViolation("a measure names its legal basis (the basis is told to the subject)",
                            article="Art. 32.1", field="basis_text")
    if level not in LEVELS:
        raise RuleViolation(f"the basis's level is one of {', '.join(LEVELS)}", article="Art. 32.1",
                            field="basis_level")


@rule("Art. 31")
def restriction_basis(kind: str, level: str) -> None:
    """A restriction on the seriously untrustworthy rests on a law or an administrative regulation."""
    if kind == RESTRICTION and level not in ("law", "administrative-regulation"):
        raise RuleViolation(f"an Art. 31 restriction needs a law or an administrative regulation as its basis, "
                            f"not a {level}", article="Art. 31", field="basis_level")


@rule("Art. 22")
def columns_complete(incident: str, items: list[str], lists: list[int], targets: list[str],
                     organ: str, contexts: list[str]) -> None:
    """A measure lists its specific incident, target, implementing organ (and the contexts it applies in)."""
    if not (incident or "").strip() or not (items or lists):
        raise RuleViolation("name the specific incident: the catalog items and/or lists that trigger the measure",
                            article="Art. 22", field="incident")
    bad = [t for t in targets if t not in SUBJECT_KINDS]
    if not targets or bad:
        raise RuleViolation(f"name the target: subject kinds among {', '.join(SUBJECT_KINDS)}", article="Art. 22",
                            field="targets")
    if not (organ or "").strip():
        raise RuleViolation("name the implementing organ", article="Art. 22", field="implementing_organ")
    if not contexts:
        raise RuleViolation("name the Art. 28 contexts the measure applies in", article="Art. 22", field="contexts")
    for c in contexts:
        check_purpose(c)


@rule("Art. 32.2")
def announced(state: str, published_on: date | None, on: date) -> bool:
    """A measure that has not been publicly announced is never applied (nor returned by a check)."""
    return state == "published" and published_on is not None and published_on <= on


@rule("Art. 32.2")
def check_announced(state: str, published_on: date | None, on: date) -> None:
    """Applying a measure that was not publicly announced is refused."""
    if not announced(state, published_on, on):
        raise RuleViolation("this measure has not been publicly announced: it cannot be applied",
                            article="Art. 32.2")


@rule("Art. 28.1")
def may_check(role: str, officer: str | None) -> None:
    """A pre-decision check is made by an administrative organ, through a named officer."""
    if role not in ("administrative", "console"):
        raise Forbidden("checks before a decision are made by administrative organs (Art. 28.1)")
    if role == "administrative" and not officer:
        raise RuleViolation("an organ checks through one of its officers: use the officer's own token",
                            article="Art. 19(2)", status=403)


@rule("Art. 33")
def reaches_through_responsibility(m: MeasureFacts, list_id: int) -> bool:
    """A responsible person of a listed organization gets the measures whose target reaches responsible persons."""
    return m.reaches_responsible and list_id in m.incident_lists


@rule("Art. 32.1")
def grounds_for(m: MeasureFacts, subject_kind: str, context: str, on: date, records: list[dict],
                entries: list[dict]) -> list[dict]:
    """A measure applies only on grounds — the records and list entries that trigger it — which the answer cites."""
    if not announced(m.state, m.published_on, on) or context not in m.contexts:
        return []
    grounds = []
    direct = subject_kind in m.targets
    if direct:
        grounds += [r for r in records if r["item"] in m.incident_items]
    for e in entries:
        if e["relation"] == "subject" and direct and e["list_id"] in m.incident_lists:
            grounds.append(e)
        elif e["relation"] == "responsible" and reaches_through_responsibility(m, e["list_id"]):
            grounds.append(e)
    return grounds


@rule("Art. 17.2")
def ground_view(ground: dict, visible: bool) -> dict:
    """A record ground the organ may not see through the inquiry policy shows only its item and article."""
    if ground["type"] != "record" or visible:
        return ground
    return {"type": "record", "item": ground["item"], "article": ground["article"], "hidden": True}


@rule("Art. 32.1")
def application_grounds(returned: dict | None, measure_id: int) -> list:
    """A measure is applied only as the check returned it, with its grounds."""
    grounds = (returned or {}).get(str(measure_id))
    if not grounds:
        raise RuleViolation("this check did not return that measure for that subject: a measure is applied "
                            "on its grounds, as the check returned them", article="Art. 32.1")
    return grounds


@rule("Art. 32.1")
def grounds_still_hold(grounds: list[dict], records_in_force: set[int], entries_listed: set[int]) -> list[dict]:
    """A measure is applied on the grounds that still hold when it is applied: a record revoked or ended,
    or a list entry removed or revoked, since the check no longer grounds it. None left: refused."""
    holding = [g for g in grounds
               if (g.get("type") == "record" and g.get("record_id") in records_in_force)
               or (g.get("type") == "list-entry" and g.get("entry_id") in entries_listed)]
    if not holding:
        raise RuleViolation("none of the grounds this check returned still holds (a record or list entry was "
                            "revoked, withdrawn or ended since): check again", article="Art. 32.1")
    return holding
