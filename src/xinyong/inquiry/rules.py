"""The one visibility decision: who may learn what about a subject (Art. 6, 14.1, 15, 17, 19, 20, 28, 35,
37, 38). Every read path — inquiry, the pre-decision check, grades, reports, the portal, a provider's look-up
of its own records, console reads — reveals only what ``decide`` allows, for the same asker and purpose.

Pure functions. The service gathers the facts (the asker, the subject's kind, the catalog, the lists, the
organ's published inquiry list, the subject's authorizations) and ``decide`` returns, for every catalog item
and every list, whether the asker may see it and why (``Access``, with its article). ``servable`` then filters
each record at read time, ``entry_visible`` each list entry. The table the decision follows is in
``docs/visibility.md``; ``POLICY`` below is the same table, row by row, and ``decide`` consults it.

Two properties hold by construction and are tested with generated worlds (tests/inquiry/test_visibility_property.py):
* **monotone over public visibility**: whoever asks never sees less than the anonymous public does;
* **refusals disclose configuration only**: why an item or list is not visible depends on the asker, the
  purpose, the catalog, the published lists and the authorizations the asker holds — never on the subject's
  records, so an answer never tells that information the asker may not see exists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from ..catalog.rules import RESTRICTED_KINDS
from ..law.periods import inquiry_period_open
from ..law.rules import rule
from ..unit.rules import PURPOSES

# Actor roles (unit kinds and the platform's own roles) ------------------------------------------
ORGAN = "administrative"
JUDICIAL = "judicial"
OPERATOR = "operator"
SUPERVISOR = "supervisor"
CREDIT_SERVICE = "credit-service"
SUBJECT = "subject"
PUBLIC = "public"
CONSOLE = "console"
PLATFORM = "platform"  # another credit information platform receiving an export (Art. 12)

# Inquirer kinds: the rows of the policy table ---------------------------------------------------
K_SELF = "self"  # the subject itself, or its agent
K_ORGAN = "organ"  # an administrative organ (or an Art. 28.2 organization), within its published list
K_JUDICIAL = "judicial"  # a court or a procuratorate, for the case it names
K_CREDIT_SERVICE = "credit-service"  # a credit service establishment (Art. 14)
K_IDENTIFIED = "identified"  # any other identified inquirer (an enterprise, another subject …)
K_PUBLIC = "public"  # the anonymous public (the portal)
K_CENTER = "center"  # the Center (the operator, the console), on a case it handles
K_SUPERVISOR = "supervisor"  # the social credit supervisor: logs and breaches, not content
K_PROVIDER = "provider"  # a providing unit about the records it provided (Art. 11)
K_PLATFORM = "platform"  # another credit information platform, receiving an export (Art. 12)
INQUIRER_KINDS = (K_SELF, K_ORGAN, K_JUDICIAL, K_CREDIT_SERVICE, K_IDENTIFIED, K_PUBLIC, K_CENTER,
                  K_SUPERVISOR, K_PROVIDER, K_PLATFORM)

PERSON = "natural_person"
LEVELS_BY_LAW = ("law", "administrative-regulation")  # Art. 14.1, Art. 17.3: 法律、行政法规
_PURPOSE_SHAPE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")


# The policy table --------------------------------------------------------------------------------
# (inquirer kind, subject kind, disclosure) → (what opens it, article). "person" is a natural person,
# "organization" a legal person, unincorporated organization or government organ. Every kind also gets what
# the anonymous public gets (the floor), whatever its row says. Mirrors docs/visibility.md (a test holds the
# two together).

OPEN = "open"  # shown
LISTED = "listed"  # only the (item or list, purpose) pairs on the organ's published inquiry list
AUTHORIZED = "authorized"  # the subject's written authorization in force, or a law / administrative regulation
LISTED_AUTHORIZED = "listed+authorized"  # both
PUBLIC_BY_LAW = "public-by-law"  # made public by a law or administrative regulation; else as AUTHORIZED
PURPOSE = "stated-purpose"  # shown for a lawful purpose the inquirer states (logged)
OPENED = "opened"  # only an item or list opened on an external basis (a dated parameter)
CASE = "case"  # only within the case named
OWN_RECORDS = "own-records"  # only the records the asker provided
CLOSED = "closed"

POLICY: dict[tuple[str, str, str], tuple[str, str]] = {
    (K_SELF, "person", "public"): (OPEN, "Art. 17.1"),
    (K_SELF, "person", "non-public"): (OPEN, "Art. 17.1"),
    (K_SELF, "organization", "public"): (OPEN, "Art. 17.1"),
    (K_SELF, "organization", "non-public"): (OPEN, "Art. 17.1"),
    (K_ORGAN, "person", "public"): (LISTED, "Art. 17.2"),
    (K_ORGAN, "person", "non-public"): (LISTED_AUTHORIZED, "Art. 17.3"),
    (K_ORGAN, "organization", "public"): (OPEN, "Art. 15"),
    (K_ORGAN, "organization", "non-public"): (LISTED_AUTHORIZED, "Art. 17.3"),
    (K_JUDICIAL, "person", "public"): (CASE, "Art. 17.2"),
    (K_JUDICIAL, "person", "non-public"): (CASE, "Art. 17.3"),
    (K_JUDICIAL, "organization", "public"): (OPEN, "Art. 15"),
    (K_JUDICIAL, "organization", "non-public"): (CASE, "Art. 17.3"),
    (K_CREDIT_SERVICE, "person", "public"): (PUBLIC_BY_LAW, "Art. 14.1"),
    (K_CREDIT_SERVICE, "person", "non-public"): (AUTHORIZED, "Art. 17.3"),
    (K_CREDIT_SERVICE, "organization", "public"): (OPEN, "Art. 15"),
    (K_CREDIT_SERVICE, "organization", "non-public"): (AUTHORIZED, "Art. 17.3"),
    (K_IDENTIFIED, "person", "public"): (PURPOSE, "Art. 6.2"),
    (K_IDENTIFIED, "person", "non-public"): (AUTHORIZED, "Art. 17.3"),
    (K_IDENTIFIED, "organization", "public"): (OPEN, "Art. 15"),
    (K_IDENTIFIED, "organization", "non-public"): (AUTHORIZED, "Art. 17.3"),
    (K_PUBLIC, "person", "public"): (OPENED, "Art. 6.1"),
    (K_PUBLIC, "person", "non-public"): (CLOSED, "Art. 17.3"),
    (K_PUBLIC, "organization", "public"): (OPEN, "Art. 15"),
    (K_PUBLIC, "organization", "non-public"): (CLOSED, "Art. 17.3"),
    (K_CENTER, "person", "public"): (CASE, "Art. 20(1)"),
    (K_CENTER, "person", "non-public"): (CASE, "Art. 20(1)"),
    (K_CENTER, "organization", "public"): (OPEN, "Art. 15"),
    (K_CENTER, "organization", "non-public"): (CASE, "Art. 20(1)"),
    (K_SUPERVISOR, "person", "public"): (CLOSED, "Art. 20(1)"),
    (K_SUPERVISOR, "person", "non-public"): (CLOSED, "Art. 20(1)"),
    (K_SUPERVISOR, "organization", "public"): (OPEN, "Art. 15"),
    (K_SUPERVISOR, "organization", "non-public"): (CLOSED, "Art. 20(1)"),
    (K_PROVIDER, "person", "public"): (OWN_RECORDS, "Art. 11"),
    (K_PROVIDER, "person", "non-public"): (OWN_RECORDS, "Art. 11"),
    (K_PROVIDER, "organization", "public"): (OWN_RECORDS, "Art. 11"),
    (K_PROVIDER, "organization", "non-public"): (OWN_RECORDS, "Art. 11"),
    (K_PLATFORM, "person", "public"): (OPEN, "Art. 12"),
    (K_PLATFORM, "person", "non-public"): (CLOSED, "Art. 17.3"),
    (K_PLATFORM, "organization", "public"): (OPEN, "Art. 12"),
    (K_PLATFORM, "organization", "non-public"): (CLOSED, "Art. 17.3"),
}


def subject_class(kind: str) -> str:
    return "person" if kind == PERSON else "organization"


# Facts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFacts:
    code: str
    disclosure: str  # public | authorized | restricted
    untrustworthy: bool
    inquiry_law_basis: str | None = None  # a law under which its non-public information may be inquired (Art. 17.3)
    public_basis_level: str | None = None  # the level of the source that makes a public item public
    opened_for_persons: bool = False  # opened to the public for natural persons on an external basis
    # Its fields of a restricted kind of Art. 14.2, ((field, kind), …): about a natural person, a credit service
    # establishment is served them only under a consent of that grade (catalog_item.field_kinds).
    restricted_fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ListFacts:
    id: int
    code: str
    kind: str  # black | red
    disclosure: str  # public | organs
    public_basis_level: str | None = None
    opened_for_persons: bool = False


@dataclass(frozen=True)
class AuthorizationFacts:
    id: int
    unit_id: int
    items: frozenset[str]
    purpose: str
    valid_from: date
    valid_until: date
    withdrawn: bool = False
    grade: frozenset[str] = frozenset()  # the restricted kinds of Art. 14.2 it opens (``restricted_grade``)


@dataclass(frozen=True)
class MeasureBasis:
    """A measure whose own basis — a law or administrative regulation obliging the organ to check — is the
    exception of Art. 17.3 for its triggers (recorded on the measure: level and article)."""

    code: str
    level: str
    text: str
    items: frozenset[str]


@dataclass(frozen=True)
class Request:
    role: str  # the asker's kind: a unit kind, "subject", "public" or "console"
    target_id: int | None  # None: a subject the platform does not know (decided as one with no information)
    target_kind: str  # natural_person | organization | government_organ
    purpose: str | None
    unit_id: int | None = None
    asker_subject_id: int | None = None
    case_no: str | None = None
    officer: str | None = None  # the officer asking for the unit (staff number, or "console")
    officer_items: frozenset[str] | None = None  # None: all of the unit's
    officer_purposes: frozenset[str] | None = None
    unit_subkind: str | None = None  # court | procuratorate (judicial organs)
    mandate: bool = False  # an Art. 28.2 organization: inquires as an organ does
    own_records: bool = False  # a provider asking about the records it provided (records/find)
    # Open cases (objection, revocation, restoration) of the Center about this subject: case → records
    open_cases: Mapping[str, frozenset[int]] = field(default_factory=dict)
    measure_basis: MeasureBasis | None = None


@dataclass(frozen=True)
class Facts:
    """What the decision reads besides the request: reference data (cached) and the subject's authorizations
    for this asker."""

    items: Mapping[str, ItemFacts]
    organ_items: Mapping[tuple[str, str], date] = field(default_factory=dict)  # (item, purpose) → published on
    organ_lists: Mapping[tuple[int, str], date] = field(default_factory=dict)  # (list id, purpose) → published on
    lists: Mapping[int, ListFacts] = field(default_factory=dict)
    auths: Sequence[AuthorizationFacts] = ()
    day: date = date.min


@dataclass(frozen=True)
class Access:
    """Whether the asker may see one item's records or one list's entries, on what basis, and the article.
    A refusal's reason names configuration only (the item or list, the purpose, the published list)."""

    visible: bool
    article: str
    reason: str
    basis: str | None = None  # self | public | opened | list | authorization:N | law:item | law:judicial | measure:CODE | case


@dataclass(frozen=True)
class Decision:
    allowed: bool
    article: str
    reason: str
    items: frozenset[str] = frozenset()  # the items whose records may be revealed
    authorization_id: int | None = None
    self_view: bool = False
    record_ids: frozenset[int] | None = None  # restricts the answer to these records (a case)
    unit_records: int | None = None  # restricts the answer to the records this unit provided
    access: Mapping[str, Access] = field(default_factory=dict)  # per item
    list_access: Mapping[int, Access] = field(default_factory=dict)  # per list
    identity: bool = False  # may the answer say who the subject is (its name and surrogate id)
    kind: str = ""  # the inquirer kind
    # Per item, the fields of a restricted kind its records are served without (Art. 14.2): a credit service
    # establishment asking about a natural person without a consent of that grade.
    withheld: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def lists(self) -> frozenset[int]:
        return frozenset(i for i, a in self.list_access.items() if a.visible)

    def bases(self) -> dict[str, str] | None:
        """What opened information beyond the public and the published list, for the log (None: nothing)."""
        out = {f"item:{c}": a.basis for c, a in self.access.items()
               if a.visible and a.basis and a.basis.startswith(("authorization:", "law:", "measure:"))}
        out.update({f"withheld:{c}": ",".join(sorted(f)) for c, f in self.withheld.items()})
        return out or None


def _deny(article: str, reason: str, kind: str = "") -> Decision:
    return Decision(False, article, reason, kind=kind)


# The inquirer ------------------------------------------------------------------------------------


def inquirer_kind(req: Request) -> str:
    """The row of the policy table this request falls in."""
    if req.role == SUBJECT and req.asker_subject_id is not None and req.asker_subject_id == req.target_id:
        return K_SELF
    if req.own_records:
        return K_PROVIDER
    if req.role == ORGAN or (req.mandate and req.unit_id is not None):
        return K_ORGAN
    if req.role == JUDICIAL:
        return K_JUDICIAL
    if req.role == CREDIT_SERVICE:
        return K_CREDIT_SERVICE
    if req.role in (OPERATOR, CONSOLE):
        return K_CENTER
    if req.role == SUPERVISOR:
        return K_SUPERVISOR
    if req.role == PUBLIC:
        return K_PUBLIC
    if req.role == PLATFORM:
        return K_PLATFORM
    return K_IDENTIFIED


# Request-level rules (a refusal of the whole request) --------------------------------------------


@rule("Art. 19(2)")
def officer_named(req: Request) -> Decision | None:
    """A unit inquires through a named officer with query rights of their own."""
    if req.unit_id is not None and not req.officer and not req.own_records:
        return _deny("Art. 19(2)", "a unit inquires through one of its officers: use the officer's own "
                     "token, so that the inquiry names the officer as well as the unit")
    return None


@rule("Art. 28.1")
def organ_purpose(purpose: str | None) -> Decision | None:
    """An administrative organ inquires only for one of the occasions Art. 28 lists."""
    if purpose not in PURPOSES:
        return _deny("Art. 28.1", f"'{purpose}' is not an Art. 28 purpose; an administrative organ "
                     f"inquires for one of: {', '.join(PURPOSES)}")
    return None


@rule("Art. 17.3")
def stated_purpose(purpose: str | None) -> Decision | None:
    """An identified inquirer states the purpose of its inquiry (it is logged and shown to the subject)."""
    if not _PURPOSE_SHAPE.match((purpose or "").strip()):
        return _deny("Art. 17.3", "state the purpose of the inquiry (a short code such as "
                     "'credit-assessment'): it is logged and shown to the subject")
    return None


# Judicial organs name their case (platform policy implementing Art. 17.2's 依法) ----------------------
# A court by its case number in the national format in force since 2016 (最高人民法院《关于人民法院案件案号的
# 若干规定》): （year）court code, case-type characters, sequence, 号 — e.g. （2025）沪01民初1234号 — or the older
# 字第 form still seen in enforcement cases; a procuratorate by its document number, e.g. 沪浦检刑诉〔2025〕12号.

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼兵"
_COURT_NUMBER = re.compile(rf"^（(\d{{4}})）(?:最高法|[{_PROVINCES}]\d{{0,4}})[\u4e00-\u9fa5]{{1,8}}\d{{1,7}}号$")
_OLD_COURT_NUMBER = re.compile(r"^（(\d{4})）[\u4e00-\u9fa5\d（）]{1,24}字第\d{1,7}号$")
_PROCURATORATE_NUMBER = re.compile(r"^[\u4e00-\u9fa5]{0,10}检[\u4e00-\u9fa5]{0,8}〔(\d{4})〕\d{1,7}号$")
COURT, PROCURATORATE = "court", "procuratorate"
JUDICIAL_SUBKINDS = (COURT, PROCURATORATE)
CASE_FORMATS = ("a court names its case by its case number, e.g. （2025）沪01民初1234号 (the older form "
                "（2015）浦执字第1234号 is read too); a procuratorate by its document number, e.g. "
                "沪浦检刑诉〔2025〕12号")


def normalise_case_number(raw: str) -> str:
    """Full-width digits to ASCII, half-width parentheses to full-width, brackets of a year to 〔〕, no spaces."""
    text = unicodedata.normalize("NFKC", raw or "").replace(" ", "").replace("\u3000", "")
    text = text.replace("(", "（").replace(")", "）")
    return re.sub(r"[\[［【](\d{4})[\]］】]", r"〔\1〕", text)


@rule("Art. 17.2")
def judicial_case(subkind: str | None, case_no: str | None, today: date) -> str:
    """A judicial organ inquires by law, for a case it names in its kind's official numbering (platform policy implementing 依法)."""
    if subkind not in JUDICIAL_SUBKINDS:
        raise _CaseRefused("this judicial organ's kind (court or procuratorate) is not recorded on the platform: "
                           "the operator records it (xinyong unit add … --subkind court|procuratorate)")
    number = normalise_case_number(case_no or "")
    if not number:
        raise _CaseRefused(f"a judicial organ inquires for a case: name it (--case); {CASE_FORMATS}")
    if subkind == COURT:
        m = _COURT_NUMBER.match(number) or _OLD_COURT_NUMBER.match(number)
    else:
        bracketed = re.sub(r"^([\u4e00-\u9fa5]*检[\u4e00-\u9fa5]*)（(\d{4})）", r"\1〔\2〕", number)
        m = _PROCURATORATE_NUMBER.match(bracketed)
        number = bracketed if m else number
    if m is None or not 1949 < int(m.group(1)) <= today.year:
        raise _CaseRefused(f"'{number}' is not a {subkind}'s case number: {CASE_FORMATS}")
    return number


class _CaseRefused(Exception):
    pass


# Items and lists, one at a time ------------------------------------------------------------------


@rule("Art. 15")
def public_item_access(item: ItemFacts, subject_kind: str) -> Access:
    """The anonymous public sees the public items of legal persons and organizations; of natural persons only an item opened on an external basis (platform policy under Art. 6.1)."""
    if item.disclosure != "public":
        return Access(False, "Art. 17.3", f"item {item.code} is not public information")
    if subject_kind == PERSON:
        if item.opened_for_persons:
            return Access(True, "Art. 6.1", f"item {item.code} is opened to the public for natural persons on an "
                          "external basis (parameter disclosure.natural_person_public_items)", "opened")
        return Access(False, "Art. 6.1", "natural persons' credit information is not shown to the public "
                      "(platform policy under Art. 6.1: lawful and necessary)")
    return Access(True, "Art. 15", "public information", "public")


@rule("Art. 17.2")
def on_published_list(code: str, purpose: str | None, published_on: date | None, day: date,
                      officer_items: frozenset[str] | None, officer_purposes: frozenset[str] | None,
                      what: str = "item") -> Access | None:
    """An organ inquires only into the (item or list, purpose) pairs of its published inquiry list, from their publication, within its officer's rights."""
    if published_on is None:
        return Access(False, "Art. 17.2", f"{what} {code} is not on your published inquiry list for purpose "
                      f"'{purpose}': inquiring beyond it is inquiry beyond authority (Art. 20(1))")
    if published_on > day:
        return Access(False, "Art. 17.2", f"{what} {code} is on your inquiry list for '{purpose}' only from its "
                      f"publication on {published_on.isoformat()}")
    if (officer_items is not None and what == "item" and code not in officer_items) or (
            officer_purposes is not None and purpose not in officer_purposes):
        return Access(False, "Art. 19(2)", f"{what} {code} for '{purpose}' is not within this officer's query "
                      "rights")
    return None


def _in_force(a: AuthorizationFacts, unit_id: int | None, purpose: str | None, day: date) -> bool:
    return (not a.withdrawn and a.unit_id == unit_id and a.purpose == purpose
            and a.valid_from <= day <= a.valid_until)


@rule("Art. 17.3")
def nonpublic_basis(item: ItemFacts, auths: Sequence[AuthorizationFacts], unit_id: int | None,
                    purpose: str | None, day: date, measure: MeasureBasis | None = None,
                    article: str = "Art. 17.3") -> Access:
    """Non-public information needs the subject's written authorization in force, within its scope and purpose, or a law or administrative regulation providing otherwise."""
    if item.restricted_fields:  # the consent that opens most of its restricted fields first (Art. 14.2)
        kinds = {k for _f, k in item.restricted_fields}
        auths = sorted(auths, key=lambda a: -len(kinds & a.grade))
    for a in auths:
        if item.code in a.items and _in_force(a, unit_id, purpose, day):
            return Access(True, article, f"the subject's written authorization {a.id}", f"authorization:{a.id}")
    if item.inquiry_law_basis:
        return Access(True, "Art. 17.3", f"a law provides otherwise: {item.inquiry_law_basis}", "law:item")
    if measure is not None and item.code in measure.items and measure.level in LEVELS_BY_LAW:
        return Access(True, "Art. 17.3", f"measure {measure.code}'s basis obliges the check: {measure.text}",
                      f"measure:{measure.code}")
    return Access(False, article, f"item {item.code} is not public, and you hold no written authorization of "
                  f"the subject for it in force for '{purpose}', nor does a law or administrative regulation "
                  "provide otherwise")


@rule("Art. 14.1")
def person_public_for_market(item: ItemFacts, auths: Sequence[AuthorizationFacts], unit_id: int | None,
                             purpose: str | None, day: date) -> Access:
    """A credit service establishment receives a natural person's public information without the person's consent only where a law or administrative regulation makes it public."""
    if item.public_basis_level in LEVELS_BY_LAW:
        return Access(True, "Art. 14.1", f"item {item.code} is made public by a {item.public_basis_level}",
                      "public-by-law")
    found = nonpublic_basis(item, auths, unit_id, purpose, day, article="Art. 14.1")
    if found.visible:
        return found
    return Access(False, "Art. 14.1", f"item {item.code} is public by a {item.public_basis_level or 'source'} "
                  "that is not a law or administrative regulation: a natural person's consent in writing is "
                  "needed (no authorization of the subject for it is in force)")


def item_access(kind: str, req: Request, item: ItemFacts, facts: Facts, case_ok: bool) -> Access:
    """One item, for one request: the policy table's cell, never less than the public floor."""
    floor = public_item_access(item, req.target_kind)
    if kind == K_SELF:
        return Access(True, "Art. 17.1", "the subject's own information", "self")
    if kind == K_PROVIDER:
        return Access(True, "Art. 11", "the records this unit provided", "provider")
    if kind == K_PLATFORM:
        return platform_sharing(item, req.target_kind)
    if kind == K_ORGAN:  # its published list first (the log says the inquiry was within it), then the floor
        listed = on_published_list(item.code, req.purpose, facts.organ_items.get((item.code, req.purpose or "")),
                                   facts.day, req.officer_items, req.officer_purposes)
        if listed is None:
            if item.disclosure == "public":
                return Access(True, "Art. 17.2", f"published inquiry list, purpose '{req.purpose}'", "list")
            found = nonpublic_basis(item, facts.auths, req.unit_id, req.purpose, facts.day, req.measure_basis)
            return found if found.visible or not floor.visible else floor
        return floor if floor.visible else listed
    if floor.visible:
        return floor
    opens, article = POLICY[(kind, subject_class(req.target_kind), "public" if item.disclosure == "public"
                             else "non-public")]
    if opens == CASE:
        if kind == K_JUDICIAL and case_ok:
            return Access(True, article, f"judicial inquiry for case {req.case_no}: the law obliges units to "
                          "provide evidence (parameter basis.judicial_evidence)", "law:judicial")
        return Access(False, article, _CLOSED.get(kind, "a judicial organ sees this only for a case it names"))
    if opens == AUTHORIZED:
        return nonpublic_basis(item, facts.auths, req.unit_id, req.purpose, facts.day, req.measure_basis)
    if opens == PUBLIC_BY_LAW:
        return person_public_for_market(item, facts.auths, req.unit_id, req.purpose, facts.day)
    if opens == PURPOSE:
        return Access(True, article, f"public information, for the stated purpose '{req.purpose}'", "purpose")
    if opens == OPENED or article == floor.article:
        return floor
    return Access(False, article, _CLOSED.get(kind, floor.reason))


@rule("Art. 12")
def platform_sharing(item: ItemFacts, subject_kind: str) -> Access:
    """The platform shares public credit information with the national sharing platform and other provinces'
    platforms (Art. 7.2, 12): an item disclosed to the public goes to a recipient platform, for natural persons
    too (the recipient receives the number sealed to its key and publishes by its own rules); a non-public item
    never does — it needs the subject's written authorization (Art. 17.3), which names the unit it authorizes,
    not a platform that would pass it on."""
    if item.disclosure == "public":
        return Access(True, "Art. 12", f"item {item.code} is public information, shared with the recipient platform",
                      "exchange")
    return Access(False, "Art. 17.3", f"item {item.code} is not public: it is not shared with other platforms "
                  "(the subject's written authorization names the unit it authorizes)")


_CLOSED = {
    K_CENTER: "the Center sees record content only while handling a case about it (an objection, a revocation, "
              "a restoration): name the case",
    K_SUPERVISOR: "the supervisor oversees the logs and breaches; it does not inquire into record content",
}


@rule("Art. 25.3")
def public_list_access(lst: ListFacts, subject_kind: str) -> Access:
    """A list's entries are public when its rules publish them; a natural person's only when the list is opened on an external basis."""
    if lst.disclosure != "public":
        return Access(False, "Art. 17.2", f"list {lst.code} is not published: organs see its entries only when "
                      "their published inquiry list names it")
    if subject_kind == PERSON and not lst.opened_for_persons:
        return Access(False, "Art. 6.1", "natural persons on lists are not shown to the public (platform policy "
                      "under Art. 6.1)")
    return Access(True, "Art. 25.3", f"list {lst.code} is published", "public")


def list_access(kind: str, req: Request, lst: ListFacts, facts: Facts, case_ok: bool) -> Access:
    floor = public_list_access(lst, req.target_kind)
    if kind == K_SELF:
        return Access(True, "Art. 17.1", "the subject's own information", "self")
    if kind == K_ORGAN:
        listed = on_published_list(lst.code, req.purpose, facts.organ_lists.get((lst.id, req.purpose or "")),
                                   facts.day, req.officer_items, req.officer_purposes, what="list")
        if listed is None:
            return Access(True, "Art. 17.2", f"published inquiry list, purpose '{req.purpose}'", "list")
        return floor if floor.visible else listed
    if floor.visible:
        return floor
    if kind == K_JUDICIAL and case_ok:
        return Access(True, "Art. 17.2", f"judicial inquiry for case {req.case_no}", "law:judicial")
    if kind == K_CREDIT_SERVICE and req.target_kind == PERSON and lst.disclosure == "public" \
            and lst.public_basis_level in LEVELS_BY_LAW:
        return Access(True, "Art. 14.1", f"list {lst.code} is made public by a {lst.public_basis_level}",
                      "public-by-law")
    if kind == K_IDENTIFIED and req.target_kind == PERSON and lst.disclosure == "public":
        return Access(True, "Art. 6.2", f"published list, for the stated purpose '{req.purpose}'", "purpose")
    return floor


# The decision ------------------------------------------------------------------------------------


_MEMO: dict[tuple, tuple] = {}
_MEMO_MAX = 4096


def decide(req: Request, facts: Facts) -> Decision:
    """The one policy function: every read path is decided here.

    A decision that depends on configuration only — no authorizations of the subject in play, no case of the
    Center — is the same for every subject of the same kind: it is remembered (keyed by the request without its
    subject, and by the very reference-data objects it read, which the reference cache replaces when they
    change). The hot path then decides in a dictionary look-up; the decision itself stays this pure function.
    """
    if facts.auths or req.open_cases:
        return _decide(req, facts)
    key = (req.role, req.target_kind, req.purpose, req.unit_id, req.case_no, req.officer is None,
           req.officer_items, req.officer_purposes, req.unit_subkind, req.mandate, req.own_records,
           req.measure_basis, req.role == SUBJECT and req.asker_subject_id is not None
           and req.asker_subject_id == req.target_id, facts.day,
           id(facts.items), id(facts.organ_items), id(facts.organ_lists), id(facts.lists))
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is facts.items and hit[1] is facts.organ_items and hit[2] is facts.organ_lists \
            and hit[3] is facts.lists:
        return hit[4]
    decision = _decide(req, facts)
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[key] = (facts.items, facts.organ_items, facts.organ_lists, facts.lists, decision)
    return decision


def _decide(req: Request, facts: Facts) -> Decision:
    kind = inquirer_kind(req)
    unnamed = officer_named(req)
    if unnamed is not None and kind != K_SELF:
        return unnamed
    case_ok = False
    record_ids = None
    if kind == K_ORGAN:
        denied = organ_purpose(req.purpose)
        if denied:
            return denied
    elif kind == K_CREDIT_SERVICE or (kind == K_IDENTIFIED and req.target_kind == PERSON):
        denied = stated_purpose(req.purpose)
        if denied:
            return denied
    elif kind == K_JUDICIAL:
        try:
            judicial_case(req.unit_subkind, req.case_no, facts.day)
        except _CaseRefused as exc:
            return _deny("Art. 17.2", str(exc), kind)
        case_ok = True
    elif kind == K_CENTER and (req.case_no or "").strip():
        center = center_case(req)
        if not center.allowed:
            return center
        record_ids = center.record_ids
    access = {code: item_access(kind, req, item, facts, case_ok) for code, item in facts.items.items()}
    lists = {i: list_access(kind, req, lst, facts, case_ok) for i, lst in facts.lists.items()}
    items = frozenset(c for c, a in access.items() if a.visible)
    listed = frozenset(i for i, a in lists.items() if a.visible)
    auth_id = next((int(a.basis.split(":")[1]) for a in access.values()
                    if a.visible and a.basis and a.basis.startswith("authorization:")), None)
    if kind == K_SELF:
        return Decision(True, "Art. 17.1", "the subject's own information", items, None, True,
                        access=access, list_access=lists, identity=True, kind=kind)
    if kind == K_PROVIDER:
        return Decision(True, "Art. 11", "the records this unit provided", items, unit_records=req.unit_id,
                        access=access, list_access=lists, identity=True, kind=kind)
    if record_ids is not None:
        return Decision(True, "Art. 20(1)", f"handling case {req.case_no}", items, None,
                        record_ids=record_ids, access=access, list_access=lists, identity=True, kind=kind)
    if not items and not listed:
        first = _first_refusal(kind, access, lists)
        return Decision(False, first.article, first.reason, access=access, list_access=lists, kind=kind)
    article, reason = _allowed_because(kind, req, access, lists, auth_id)
    beyond_floor = any(a.visible and a.basis not in ("public",) for a in (*access.values(), *lists.values()))
    identity = req.target_kind != PERSON or beyond_floor
    withheld = withheld_fields(kind, req.target_kind, facts.items, access, facts.auths)
    return Decision(True, article, reason, items, auth_id, access=access, list_access=lists,
                    identity=identity, kind=kind, withheld=withheld)


_REFUSAL_ORDER = {
    K_ORGAN: ("Art. 19(2)", "Art. 17.3", "Art. 17.2"),
    K_PUBLIC: ("Art. 6.1", "Art. 17.3"),
    K_CREDIT_SERVICE: ("Art. 14.1", "Art. 17.3", "Art. 6.1"),
    K_IDENTIFIED: ("Art. 17.3", "Art. 6.1"),
}


def _first_refusal(kind: str, access: Mapping[str, Access], lists: Mapping[int, Access]) -> Access:
    """The refusal an answer names when nothing may be shown: an item's before a list's, the most telling
    article for the asker first (an organ: its officer's rights, then a listed item that is not public, then
    its list)."""
    order = _REFUSAL_ORDER.get(kind, ())
    refused = [(0, a) for a in access.values() if not a.visible] + [(1, a) for a in lists.values() if not a.visible]
    refused.sort(key=lambda ia: (ia[0], order.index(ia[1].article) if ia[1].article in order else len(order)))
    return refused[0][1] if refused else Access(False, "Art. 17.2", "there is no information that may be shown")


def _allowed_because(kind: str, req: Request, access: Mapping[str, Access], lists: Mapping[int, Access],
                     auth_id: int | None) -> tuple[str, str]:
    bases = {a.basis for a in (*access.values(), *lists.values()) if a.visible}
    if kind == K_JUDICIAL:
        return "Art. 17.2", f"judicial inquiry for case {normalise_case_number(req.case_no or '')}"
    if auth_id is not None:
        return "Art. 17.3", "written authorization of the subject"
    if any(b and b.startswith("measure:") for b in bases):
        return "Art. 17.3", "a law or administrative regulation obliges the check (the measure's basis)"
    if "list" in bases:
        return "Art. 17.2", f"published inquiry list, purpose '{req.purpose}'"
    if any(b and b.startswith("law:") for b in bases):
        return "Art. 17.3", "a law provides otherwise"
    if "public-by-law" in bases:
        return "Art. 14.1", "public information made public by a law or administrative regulation"
    if "purpose" in bases:
        return "Art. 6.2", f"public information, for the stated purpose '{req.purpose}'"
    if "opened" in bases:
        return "Art. 6.1", "information opened to the public on an external basis"
    return "Art. 15", "public information"


@rule("Art. 20(1)")
def center_case(req: Request) -> Decision:
    """The Center sees a record's content only while handling a case about it."""
    case = (req.case_no or "").strip()
    records = req.open_cases.get(case)
    if records is None:
        return _deny("Art. 20(1)", f"'{case}' is not an open case about this subject: the Center sees record "
                     "content only while handling a case about it (an objection, a revocation, a restoration)",
                     K_CENTER)
    return Decision(True, "Art. 20(1)", f"handling case {case}", record_ids=records, kind=K_CENTER)


# Records and entries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordFacts:
    id: int
    item_code: str
    untrustworthy: bool
    ended_on: date | None
    status: str
    objection_open: bool
    unit_id: int | None = None


@rule("Art. 35.2")
def within_inquiry_period(untrustworthy: bool, ended_on: date | None, today: date, item_code: str | None = None) -> bool:
    """Untrustworthiness information is served for 5 years (or its item's own period) from the day the conduct or event ended."""
    return not untrustworthy or inquiry_period_open(ended_on, today, item_code=item_code)


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
    if not decision.allowed:
        return False, ()
    if decision.unit_records is not None:  # a provider sees its own records as they stand, but revoked ones
        if rec.unit_id != decision.unit_records or not not_revoked(rec.status):
            return False, ()
        return True, _markers(rec)
    if decision.record_ids is not None:
        in_scope = rec.id in decision.record_ids or rec.item_code in decision.items
    else:
        in_scope = rec.item_code in decision.items
    if not (in_scope and not_revoked(rec.status) and not_withdrawn(rec.status)
            and visible_after_restoration(rec.status, decision.self_view)
            and within_inquiry_period(rec.untrustworthy, rec.ended_on, today, rec.item_code)):
        return False, ()
    return True, _markers(rec)


def _markers(rec: RecordFacts) -> tuple[str, ...]:
    markers = []
    if rec.objection_open:
        markers.append("under_objection")
    if rec.status == "restored":
        markers.append("restored")
    return tuple(markers)


def entry_visible(list_id: int, decision: Decision) -> bool:
    """Whether a list entry (of the subject, or naming it as a responsible person, Art. 33) may be revealed."""
    if not decision.allowed or decision.unit_records is not None:
        return False
    return decision.self_view or list_id in decision.lists


def with_measure_basis(req: Request, basis: MeasureBasis) -> Request:
    """The request as a check of one measure makes it: the measure's own basis may open its triggers (Art. 17.3)."""
    from dataclasses import replace

    return replace(req, measure_basis=basis)


# Consent (Art. 14.2, 14.3, 17.3) ------------------------------------------------------------------
# The restricted kinds of Art. 14.2: collected about a natural person only with the person's written consent,
# after being told plainly of the possible adverse consequences.
# RESTRICTED_KINDS: the catalog's (it marks its fields with them), imported above.
WRITTEN = "written"
CONSENT_FORMS = (WRITTEN, "other")


@rule("Art. 14.2")
def check_restricted_consent(restricted_kinds: Sequence[str], form: str | None, adverse_told: bool) -> None:
    """An authorization naming a restricted kind (income, deposits, securities, commercial insurance, real
    estate, tax amounts) is valid only in writing and when the subject was told the adverse consequences."""
    from ..errors import RuleViolation, msg

    unknown = [k for k in restricted_kinds if k not in RESTRICTED_KINDS]
    if unknown:
        raise RuleViolation(msg("not restricted kinds of Art. 14.2: {unknown}", unknown=", ".join(unknown)),
                           article="Art. 14.2", field="restricted_kinds")
    if form is not None and form not in CONSENT_FORMS:
        raise RuleViolation(msg("unknown form of consent: {form}", form=form), article="Art. 14.2", field="form")
    if restricted_kinds and (form or WRITTEN) != WRITTEN:
        raise RuleViolation("consent to income, deposits, securities, commercial insurance, real estate or tax "
                           "amounts must be in writing", article="Art. 14.2", field="form")
    if restricted_kinds and not adverse_told:
        raise RuleViolation("consent to income, deposits, securities, commercial insurance, real estate or tax "
                           "amounts needs the subject to have been told the possible adverse consequences",
                           article="Art. 14.2", field="adverse_consequences_told")


@rule("Art. 14.3")
def check_scope_not_prohibited(names: Sequence[str]) -> None:
    """Religious faith, genes, fingerprints, blood type, illness and medical history are never collected: no
    authorization's scope, catalog field or inquiry object may name them, whatever the consent."""
    from ..errors import RuleViolation, msg
    from ..record.rules import prohibited_kind

    for name in names:
        kind = prohibited_kind(name)
        if kind is not None:
            raise RuleViolation(msg("{kind} information must never be collected, whatever the consent",
                                    kind=kind), article="Art. 14.3", field="items")


def restricted_grade(restricted_kinds: Sequence[str] | None, form: str | None, adverse_told: bool) -> frozenset[str]:
    """The restricted kinds a consent record opens: none unless written and the adverse consequences told."""
    if not restricted_kinds or (form or WRITTEN) != WRITTEN or not adverse_told:
        return frozenset()
    return frozenset(k for k in restricted_kinds if k in RESTRICTED_KINDS)


@rule("Art. 14.2")
def check_restricted_only_for_persons(subject_kind: str, restricted_kinds: Sequence[str]) -> None:
    """The restricted kinds protect natural persons: an organization's authorization names none (nothing of an
    enterprise is graded: its tax arrears, say, are not restricted)."""
    if restricted_kinds and subject_kind != PERSON:
        from ..errors import RuleViolation

        raise RuleViolation("income, deposits, securities, commercial insurance, real estate and tax amounts are "
                            "restricted for natural persons only: an organization's authorization names none of "
                            "them", article="Art. 14.2", field="restricted_kinds")


@rule("Art. 14.2")
def withheld_fields(kind: str, subject_kind: str, items: Mapping[str, ItemFacts], access: Mapping[str, Access],
                    auths: Sequence[AuthorizationFacts]) -> dict[str, frozenset[str]]:
    """A credit service establishment is served a natural person's field of a restricted kind (income, deposits,
    securities, commercial insurance, real estate, tax amounts) only when the authorization its access rests on
    has that kind in its grade (written, the adverse consequences told); otherwise the record without it.
    Organizations' fields, and every other asker, are not affected. Configuration only: what the catalog marks
    and the consents the asker holds, never the subject's records."""
    if kind != K_CREDIT_SERVICE or subject_kind != PERSON:
        return {}
    grades = {a.id: a.grade for a in auths}
    out: dict[str, frozenset[str]] = {}
    for code, item in items.items():
        a = access.get(code)
        if not item.restricted_fields or a is None or not a.visible:
            continue
        grade: frozenset[str] = frozenset()
        if a.basis and a.basis.startswith("authorization:"):
            grade = grades.get(int(a.basis.split(":", 1)[1]), frozenset())
        hidden = frozenset(f for f, k in item.restricted_fields if k not in grade)
        if hidden:
            out[code] = hidden
    return out


def withheld_of(item_code: str, decision: Decision) -> frozenset[str]:
    """The fields a record of this item is served without, under this decision (``withheld_fields``)."""
    return decision.withheld.get(item_code, frozenset())


def served_content(content: Mapping | None, hidden: frozenset[str]) -> Mapping | None:
    """A record's content as served: without the withheld fields (and what is derived from them)."""
    if not hidden or not isinstance(content, Mapping):
        return content
    return {k: v for k, v in content.items() if k not in hidden}
