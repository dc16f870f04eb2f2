"""The application list (Art. 22), the measures' legal limits (Art. 29–32) and the check (Art. 28, 33).

Pure functions: the service gathers measures, records and list entries; these decide. What a check may
reveal is not decided here: it is the one visibility decision (``inquiry.rules.decide``) for the checking
organ and the context — grounds are only records and list entries that decision lets the organ see, and a
measure whose trigger it may not see is answered "cannot be evaluated", the same for every subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..errors import Forbidden, InvalidInput, RuleViolation, msg
from ..law.rules import rule
from ..unit.rules import check_purpose

INCENTIVE, PUNISHMENT, RESTRICTION = "incentive", "punishment", "restriction"
# kind → (article, number of items)
KINDS = {INCENTIVE: ("Art. 29", 5), PUNISHMENT: ("Art. 30", 6), RESTRICTION: ("Art. 31", 7)}
LEVELS = ("law", "administrative-regulation", "local-regulation", "policy")
SUBJECT_KINDS = ("natural_person", "organization", "government_organ")
COMPILERS = ("supervisor",)
BASIS_LEVELS_BY_LAW = ("law", "administrative-regulation")
IMPLEMENTING_CLASSES = {"context": "every administrative organ deciding in one of the measure's contexts"}
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
    code: str = ""
    implementing_units: frozenset[int] = frozenset()
    implementing_class: str | None = None
    check_basis: str | None = None
    check_basis_level: str | None = None
    announced_on: date | None = None  # the supervisor's official announcement (Art. 32.2)


@rule("Art. 22")
def may_compile(role: str) -> None:
    """The application list is compiled by the social credit supervisor, under its own identity."""
    if role not in COMPILERS:
        raise Forbidden("the application list is compiled by the social credit supervisor, under its own identity "
                        "(its token: the console acting for it is not the supervisor)", article="Art. 22")


@rule("Art. 22")
def implementing_named(units: list[int], cls: str | None) -> None:
    """A measure names its implementing organs: one or more organs, or a class of them."""
    if not units and not cls:
        raise RuleViolation("name the implementing organs: their USCCs, or the class 'context' (every organ "
                            "deciding in one of the measure's contexts)", article="Art. 22",
                            field="implementing_units")
    if cls is not None and cls not in IMPLEMENTING_CLASSES:
        raise InvalidInput(msg("an implementing class is one of: {implementing_classes}",
                               implementing_classes=", ".join(IMPLEMENTING_CLASSES)),
                           field="implementing_class")


@rule("Art. 22")
def implements(m: MeasureFacts, unit_id: int | None) -> bool:
    """An organ's check returns only the measures it implements."""
    return unit_id is not None and (unit_id in m.implementing_units or m.implementing_class == "context")


@rule("Art. 17.3")
def check_basis_valid(basis: str | None, level: str | None) -> None:
    """A measure's own check basis opens non-public triggers only when it is a law or an administrative regulation, named with its article."""
    if not (basis or "").strip() and not level:
        return
    if not (basis or "").strip() or level not in BASIS_LEVELS_BY_LAW:
        raise RuleViolation("a measure's check basis (the exception of Art. 17.3) is a law or an administrative "
                            "regulation obliging the organ to check, named with its article, and its level "
                            "(law | administrative-regulation)", article="Art. 17.3", field="check_basis")


@rule("Art. 31")
def restriction_triggers(kind: str, items: list[str], list_kinds: list[str]) -> None:
    """Art. 31 restrictions apply to the seriously untrustworthy only: triggered by lists of seriously untrustworthy subjects, never by a catalog record alone (platform policy)."""
    # The regulation does not say how the status 严重失信主体 is established; the platform knows it through an
    # entry on a list of seriously untrustworthy subjects (Art. 24, 25). Art. 30 measures may still rest on records.
    if kind != RESTRICTION:
        return
    if items:
        raise RuleViolation("an Art. 31 restriction applies to seriously untrustworthy subjects, whom the platform "
                            "knows by their entry on a list of seriously untrustworthy subjects (Art. 24, 25): it is "
                            "triggered by such lists, not by catalog records (platform policy)", article="Art. 31",
                            field="incident_items")
    if not list_kinds or any(k != "black" for k in list_kinds):
        raise RuleViolation("an Art. 31 restriction is triggered by lists of seriously untrustworthy subjects "
                            "(black lists) only", article="Art. 31", field="incident_lists")


@rule("Art. 17.2")
def triggers_visible(missing: list[tuple[str, str, str, str]]) -> None:
    """A measure is published only when each implementing organ may see each of its triggers for each of its contexts; an organ's inquiry list is not narrowed so as to orphan one."""
    if missing:
        shown = "; ".join(f"({organ}, {what}, {purpose})" for organ, what, purpose, _reason in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise RuleViolation(msg("an implementing organ may not see a trigger of the measure for one of its "
                                "contexts — (organ, item or list, purpose): {shown}{more}; put them on the organ's "
                                "published inquiry list first", shown=shown, more=more), article="Art. 17.2",
                            details=[{"organ": o, "trigger": w, "purpose": p, "reason": r}
                                     for o, w, p, r in missing])


def kind_article(kind: str, item: str | int | None) -> str:
    """``Art. 31(3)`` for a restriction under item (3); InvalidInput for an unknown kind or item."""
    if kind not in KINDS:
        raise InvalidInput(msg("a measure is one of {kinds}, not '{kind}'", kinds=", ".join(KINDS), kind=kind),
                           field="kind")
    article, count = KINDS[kind]
    m = _ITEM.match(str(item or "").strip())
    if not m or int(m.group(1)) > count:
        raise InvalidInput(msg("name the item of {article} (1)–({count})", article=article, count=count),
                           field="item", article=article)
    return f"{article}({m.group(1)})"


@rule("Art. 32.1")
def basis_named(basis_text: str, level: str) -> None:
    """A measure names its legal basis and that basis's level."""
    if not (basis_text or "").strip():
        raise RuleViolation("a measure names its legal basis (the basis is told to the subject)",
                            article="Art. 32.1", field="basis_text")
    if level not in LEVELS:
        raise RuleViolation(msg("the basis's level is one of {levels}", levels=", ".join(LEVELS)), article="Art. 32.1",
                            field="basis_level")


@rule("Art. 31")
def restriction_basis(kind: str, level: str) -> None:
    """A restriction on the seriously untrustworthy rests on a law or an administrative regulation."""
    if kind == RESTRICTION and level not in ("law", "administrative-regulation"):
        raise RuleViolation(msg("an Art. 31 restriction needs a law or an administrative regulation as its basis, "
                                "not a {level}", level=level), article="Art. 31", field="basis_level")


@rule("Art. 22")
def columns_complete(incident: str, items: list[str], lists: list[int], targets: list[str],
                     organ: str, contexts: list[str]) -> None:
    """A measure lists its specific incident, target, implementing organ (and the contexts it applies in)."""
    if not (incident or "").strip() or not (items or lists):
        raise RuleViolation("name the specific incident: the catalog items and/or lists that trigger the measure",
                            article="Art. 22", field="incident")
    bad = [t for t in targets if t not in SUBJECT_KINDS]
    if not targets or bad:
        raise RuleViolation(msg("name the target: subject kinds among {subject_kinds}",
                                subject_kinds=", ".join(SUBJECT_KINDS)), article="Art. 22",
                            field="targets")
    if not (organ or "").strip():
        raise RuleViolation("name the implementing organ", article="Art. 22", field="implementing_organ")
    if not contexts:
        raise RuleViolation("name the Art. 28 contexts the measure applies in", article="Art. 22", field="contexts")
    for c in contexts:
        check_purpose(c)


# Where the supervisor officially announces a measure (Art. 22): the city's gazette, the 信用上海 website, a
# national memorandum of joint rewards and punishments.
ANNOUNCED_IN = ("gazette", "credit-shanghai", "national-memorandum")


@rule("Art. 22")
def announcement_valid(where: str, document: str) -> None:
    """The official announcement names where it was made (the gazette, 信用上海, a national memorandum) and its document."""
    if where not in ANNOUNCED_IN:
        raise RuleViolation(msg("say where the measure was announced: one of {announced_in}",
                                announced_in=", ".join(ANNOUNCED_IN)),
                            article="Art. 22", field="announced_in")
    if not (document or "").strip():
        raise RuleViolation("name the document that announced the measure", article="Art. 22", field="document")


@rule("Art. 32.2")
def officially_announced(announced_on: date | None, on: date) -> bool:
    """A measure is announced only from the date of its official announcement (never before it, never without one)."""
    return announced_on is not None and announced_on <= on


@rule("Art. 32.2")
def announced(state: str, published_on: date | None, announced_on: date | None, on: date) -> bool:
    """A measure that has not been publicly announced is never applied (nor returned by a check): it is on the
    published application list (/measures) and its official announcement is dated on or before the day."""
    return (state == "published" and published_on is not None and published_on <= on
            and officially_announced(announced_on, on))


@rule("Art. 32.2")
def check_announced(state: str, published_on: date | None, announced_on: date | None, on: date) -> None:
    """Applying a measure that was not publicly announced is refused."""
    if not announced(state, published_on, announced_on, on):
        raise RuleViolation("this measure has not been publicly announced (published on the application list, "
                            "with its official announcement dated on or before today): it cannot be applied",
                            article="Art. 32.2")


@rule("Art. 28.1")
def may_check(role: str, officer: str | None, mandate: bool = False) -> None:
    """A pre-decision check is made by an administrative organ (or an Art. 28.2 organization), through a named officer."""
    if role != "administrative" and not mandate:
        raise Forbidden("checks before a decision are made by administrative organs (Art. 28.1) and the "
                        "organizations of Art. 28.2", article="Art. 28.1")
    if not officer:
        raise RuleViolation("an organ checks through one of its officers: use the officer's own token",
                            article="Art. 19(2)", status=403)


@rule("Art. 33")
def reaches_through_responsibility(m: MeasureFacts, list_id: int) -> bool:
    """A responsible person of a listed organization gets the measures whose target reaches responsible persons."""
    return m.reaches_responsible and list_id in m.incident_lists


@rule("Art. 32.1")
def grounds_for(m: MeasureFacts, subject_kind: str, context: str, on: date, records: list[dict],
                entries: list[dict]) -> list[dict]:
    """A measure applies only on grounds — the records and list entries that trigger it, of those the organ may see — which the answer cites."""
    if not announced(m.state, m.published_on, m.announced_on, on) or context not in m.contexts:
        return []
    grounds = []
    direct = subject_kind in m.targets
    if direct and m.kind != RESTRICTION:  # Art. 31: lists only (restriction_triggers)
        grounds += [r for r in records if r["item"] in m.incident_items]
    for e in entries:
        if e["relation"] == "subject" and direct and e["list_id"] in m.incident_lists:
            grounds.append(e)
        elif e["relation"] == "responsible" and reaches_through_responsibility(m, e["list_id"]):
            grounds.append(e)
    return grounds


def triggers_for(m: MeasureFacts, subject_kind: str) -> tuple[list[str], list[int]]:
    """The items and lists that could trigger the measure for a subject of this kind — what the organ must be
    able to see to evaluate it: a direct target's items (none for Art. 31) and lists; a responsible person's
    lists (Art. 33)."""
    if subject_kind in m.targets:
        return ([] if m.kind == RESTRICTION else sorted(m.incident_items)), sorted(m.incident_lists)
    if m.reaches_responsible and subject_kind == "natural_person":
        return [], sorted(m.incident_lists)
    return [], []


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
