"""Who may ask what (Art. 15, 17, 19, 20, 28), and which records an answer may contain (Art. 35, 37, 38).

Pure functions: the service gathers the facts (the asker, the subject, the catalog, the unit's
published inquiry list, the subject's authorizations) and ``decide`` returns allow or deny with its
article. ``servable`` then filters each record at read time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..law.periods import inquiry_period_open
from ..law.rules import rule
from ..unit.rules import PURPOSES

ORGAN = "administrative"
JUDICIAL = "judicial"
OPERATOR = "operator"
SUPERVISOR = "supervisor"
SUBJECT = "subject"
PUBLIC = "public"
CONSOLE = "console"
_PURPOSE_SHAPE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")


@dataclass(frozen=True)
class ItemFacts:
    code: str
    disclosure: str  # public | authorized | restricted
    untrustworthy: bool
    inquiry_law_basis: str | None = None


@dataclass(frozen=True)
class AuthorizationFacts:
    id: int
    unit_id: int
    items: frozenset[str]
    purpose: str
    valid_from: date
    valid_until: date
    withdrawn: bool = False


@dataclass(frozen=True)
class Request:
    role: str  # the asker's kind: a unit kind, "subject", "public" or "console"
    target_id: int
    target_kind: str  # natural_person | organization | government_organ
    purpose: str | None
    unit_id: int | None = None
    asker_subject_id: int | None = None
    case_no: str | None = None
    officer: str | None = None  # the officer asking for the unit (staff number, or "console")
    officer_items: frozenset[str] | None = None  # None: all of the unit's
    officer_purposes: frozenset[str] | None = None
    # Open cases (objection, revocation, restoration) of the Center about this subject: case → records
    open_cases: dict[str, frozenset[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    article: str
    reason: str
    items: frozenset[str] = frozenset()
    authorization_id: int | None = None
    self_view: bool = False
    record_ids: frozenset[int] | None = None  # restricts the answer to these records (a case)


def _deny(article: str, reason: str) -> Decision:
    return Decision(False, article, reason)


def _in_force(a: AuthorizationFacts, unit_id: int | None, purpose: str | None, today: date) -> bool:
    return (not a.withdrawn and a.unit_id == unit_id and a.purpose == purpose
            and a.valid_from <= today <= a.valid_until)


@rule("Art. 17.3")
def nonpublic_basis(item: ItemFacts, auths: list[AuthorizationFacts], unit_id: int | None,
                    purpose: str | None, today: date) -> int | str | None:
    """Non-public information needs the subject's written authorization in force, within its scope and purpose, or a law naming it."""
    if item.disclosure == "public":
        return "public"
    for a in auths:
        if item.code in a.items and _in_force(a, unit_id, purpose, today):
            return a.id
    if item.inquiry_law_basis:
        return "law"
    return None


def _with_nonpublic(candidates: set[str], items: dict[str, ItemFacts], req: Request,
                    auths: list[AuthorizationFacts], today: date) -> tuple[set[str], int | None, set[str]]:
    allowed: set[str] = set()
    used_auth: int | None = None
    refused: set[str] = set()
    for code in sorted(candidates):
        basis = nonpublic_basis(items[code], auths, req.unit_id, req.purpose, today)
        if basis is None:
            refused.add(code)
            continue
        allowed.add(code)
        if isinstance(basis, int) and not isinstance(basis, bool):
            used_auth = basis
    return allowed, used_auth, refused


@rule("Art. 17.1")
def self_inquiry(req: Request, items: dict[str, ItemFacts]) -> Decision | None:
    """A subject may inquire into all of its own information, public or not."""
    if req.role == SUBJECT and req.asker_subject_id == req.target_id:
        return Decision(True, "Art. 17.1", "the subject's own information", frozenset(items),
                        self_view=True)
    return None


@rule("Art. 28.1")
def organ_purpose(purpose: str | None) -> Decision | None:
    """An administrative organ inquires only for one of the occasions Art. 28 lists."""
    if purpose not in PURPOSES:
        return _deny("Art. 28.1", f"'{purpose}' is not an Art. 28 purpose; an administrative organ "
                     f"inquires for one of: {', '.join(PURPOSES)}")
    return None


@rule("Art. 17.2")
def organ_inquiry(req: Request, items: dict[str, ItemFacts], unit_list: frozenset[tuple[str, str]],
                  auths: list[AuthorizationFacts], today: date) -> Decision:
    """An administrative organ inquires only into the (item, purpose) pairs of its published list."""
    denied = organ_purpose(req.purpose)
    if denied:
        return denied
    listed = {i for i, p in unit_list if p == req.purpose and i in items}
    if req.officer_items is not None:
        listed &= req.officer_items
    if req.officer_purposes is not None and req.purpose not in req.officer_purposes:
        listed = set()
    if not listed:
        return _deny("Art. 17.2", f"the purpose '{req.purpose}' is not on this organ's published "
                     "inquiry list (or not within this officer's rights): inquiring beyond it is "
                     "inquiry beyond authority (Art. 20(1))")
    allowed, auth_id, refused = _with_nonpublic(listed, items, req, auths, today)
    if not allowed:
        return _deny("Art. 17.3", "the listed items are not public and the subject has given this "
                     f"organ no written authorization in force for '{req.purpose}' "
                     f"({', '.join(sorted(refused))})")
    return Decision(True, "Art. 17.2", f"published inquiry list, purpose '{req.purpose}'",
                    frozenset(allowed), auth_id)


@rule("Art. 17.2")
def judicial_inquiry(req: Request, items: dict[str, ItemFacts]) -> Decision:
    """A judicial organ inquires by law, for the case it names."""
    if not (req.case_no or "").strip():
        return _deny("Art. 17.2", "a judicial organ inquires for a case: name it (--case)")
    return Decision(True, "Art. 17.2", f"judicial inquiry for case {req.case_no}", frozenset(items))


@rule("Art. 20(1)")
def operator_inquiry(req: Request) -> Decision:
    """The Center sees a record's content only while handling a case about it."""
    case = (req.case_no or "").strip()
    if not case:
        return _deny("Art. 20(1)", "the Center sees record content only while handling a case about "
                     "it (an objection, a revocation, a restoration): name the case")
    records = req.open_cases.get(case)
    if records is None:
        return _deny("Art. 20(1)", f"'{case}' is not an open case about this subject")
    return Decision(True, "Art. 20(1)", f"handling case {case}", frozenset(), record_ids=records)


@rule("Art. 20(1)")
def supervisor_inquiry(req: Request) -> Decision:
    """The supervisor sees the logs and breaches, not record content."""
    return _deny("Art. 20(1)", "the supervisor oversees the logs and breaches; it does not inquire "
                 "into record content")


@rule("Art. 15")
def public_inquiry(req: Request, items: dict[str, ItemFacts]) -> Decision:
    """The public sees the public information of legal persons and organizations."""
    if req.target_kind == "natural_person":
        return _deny("Art. 6.2", "natural persons' credit information is not shown to the public")
    public = {c for c, i in items.items() if i.disclosure == "public"}
    return Decision(True, "Art. 15", "public information", frozenset(public))


@rule("Art. 17.3")
def market_inquiry(req: Request, items: dict[str, ItemFacts], auths: list[AuthorizationFacts],
                   today: date) -> Decision:
    """Anyone else sees public items; non-public ones only under the subject's written authorization."""
    purpose = (req.purpose or "").strip()
    if not _PURPOSE_SHAPE.match(purpose):
        return _deny("Art. 17.3", "state the purpose of the inquiry (a short code such as "
                     "'credit-assessment')")
    allowed, auth_id, _refused = _with_nonpublic(set(items), items, req, auths, today)
    return Decision(True, "Art. 17.3" if auth_id else "Art. 15",
                    "written authorization of the subject" if auth_id else "public information only",
                    frozenset(allowed), auth_id)


@rule("Art. 19(2)")
def officer_named(req: Request) -> Decision | None:
    """A unit inquires through a named officer with query rights of their own."""
    if req.unit_id is not None and not req.officer:
        return _deny("Art. 19(2)", "a unit inquires through one of its officers: use the officer's own "
                     "token, so that the inquiry names the officer as well as the unit")
    return None


def decide(req: Request, items: dict[str, ItemFacts], unit_list: frozenset[tuple[str, str]],
           auths: list[AuthorizationFacts], today: date) -> Decision:
    """The one policy function: every inquiry is decided here."""
    own = self_inquiry(req, items)
    if own is not None:
        return own
    unnamed = officer_named(req)
    if unnamed is not None:
        return unnamed
    if req.role == ORGAN:
        return organ_inquiry(req, items, unit_list, auths, today)
    if req.role == JUDICIAL:
        return judicial_inquiry(req, items)
    if req.role in (OPERATOR, CONSOLE):
        return operator_inquiry(req)
    if req.role == SUPERVISOR:
        return supervisor_inquiry(req)
    if req.role in (PUBLIC, SUBJECT):
        return public_inquiry(req, items)
    return market_inquiry(req, items, auths, today)


@dataclass(frozen=True)
class RecordFacts:
    id: int
    item_code: str
    untrustworthy: bool
    ended_on: date | None
    status: str
    objection_open: bool


@rule("Art. 35.2")
def within_inquiry_period(untrustworthy: bool, ended_on: date | None, today: date) -> bool:
    """Untrustworthiness information is served for 5 years from the day the conduct or event ended."""
    return not untrustworthy or inquiry_period_open(ended_on, today)


@rule("Art. 37")
def not_revoked(status: str) -> bool:
    """A record whose designation was revoked is never served."""
    return status != "revoked"


@rule("Art. 11")
def not_withdrawn(status: str) -> bool:
    """A record its provider withdrew is never served."""
    return status != "withdrawn"


@rule("Art. 38")
def visible_after_restoration(status: str, self_view: bool) -> bool:
    """A restored record leaves the inquiry interface; only its subject still sees it, marked."""
    return status != "restored" or self_view


def servable(rec: RecordFacts, decision: Decision, today: date) -> tuple[bool, tuple[str, ...]]:
    """Whether the record may be in this answer, and the markers it carries."""
    if decision.record_ids is not None:
        in_scope = rec.id in decision.record_ids
    else:
        in_scope = rec.item_code in decision.items
    if not (in_scope and not_revoked(rec.status) and not_withdrawn(rec.status)
            and visible_after_restoration(rec.status, decision.self_view)
            and within_inquiry_period(rec.untrustworthy, rec.ended_on, today)):
        return False, ()
    markers = []
    if rec.objection_open:
        markers.append("under_objection")
    if rec.status == "restored":
        markers.append("restored")
    return True, tuple(markers)
