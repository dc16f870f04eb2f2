"""Units: registration, look-up by USCC, tokens, authentication."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import service as audit
from .. import refcache, tokens
from ..auth import Actor
from ..catalog import service as catalog
from ..clock import now
from ..errors import Conflict, InvalidInput, NotFound, msg
from ..models import CreditList, Officer, Unit, UnitInquiryItem, UnitInquiryList, UnitProvides
from ..subject.identifiers import parse_uscc
from . import rules


def add_unit(
    session: Session,
    *,
    name: str,
    kind: str,
    uscc: str,
    provides: list[str] = (),
    inquires: list[str] = (),
    purposes: list[str] = (),
    lists: list[str | int] = (),
    subkind: str | None = None,
    mandate: str | None = None,
    published_on: date,
    actor: Actor,
) -> tuple[Unit, str]:
    """Register a unit and issue its first bearer token (returned once; only the digest is kept).

    ``inquires`` and ``lists`` × ``purposes`` are the organ's published inquiry list (Art. 17.2), published on
    ``published_on``; ``subkind`` a judicial organ's kind (court | procuratorate); ``mandate`` the law or
    regulation giving a non-administrative unit public-affairs functions (Art. 28.2)."""
    rules.check_kind(kind)
    name = name.strip()
    if not name:
        raise InvalidInput("the unit needs a name", field="name")
    code = parse_uscc(uscc, today=published_on).code
    provides, inquires, purposes = list(dict.fromkeys(provides)), list(dict.fromkeys(inquires)), list(dict.fromkeys(purposes))
    mandate = (mandate or "").strip() or None
    subkind = rules.check_subkind(kind, (subkind or "").strip() or None)
    rules.check_mandate(kind, mandate)
    rules.check_may_be_provider(kind, provides)
    rules.check_inquiry_list_owner(kind, [*inquires, *map(str, lists)], purposes, mandate)
    list_ids = [_list_id(session, x) for x in dict.fromkeys(lists)]
    for p in purposes:
        rules.check_purpose(p)
    for item in [*provides, *inquires]:
        catalog.get_item(session, item)
    if session.scalar(select(Unit.id).where(Unit.uscc == code)) is not None:
        raise Conflict(msg("a unit with USCC {code} is already registered", code=code), field="uscc")
    unit = Unit(name=name, kind=kind, uscc=code, active=True, created_at=now(), subkind=subkind, mandate=mandate)
    unit.provides = [UnitProvides(item_code=i) for i in provides]
    unit.inquiry_items = [
        UnitInquiryItem(item_code=i, purpose=p, published_on=published_on)
        for i in inquires
        for p in purposes
    ]
    session.add(unit)
    session.flush()
    session.add_all([UnitInquiryList(unit_id=unit.id, list_id=i, purpose=p, published_on=published_on)
                     for i in list_ids for p in purposes])
    session.flush()
    refcache.invalidate()
    audit.append(
        session,
        action="unit:create",
        actor=actor,
        object_type="unit",
        object_id=unit.id,
        content=describe(unit),
    )
    token = issue_token(session, unit=unit, label="initial", actor=actor)
    return unit, token


def issue_token(session: Session, *, unit: Unit, label: str, actor: Actor) -> str:
    return tokens.issue(session, actor=actor, label=label, unit=unit)[1]


def add_officer(
    session: Session,
    *,
    unit: Unit,
    staff_no: str,
    name: str,
    items: list[str] | None,
    purposes: list[str] | None,
    expires_at: datetime | None,
    actor: Actor,
) -> tuple[Officer, str]:
    """An officer with query rights within the unit's own (Art. 19(2)), and their token."""
    staff_no, name = staff_no.strip(), name.strip()
    if not staff_no or not name:
        raise InvalidInput("an officer needs a staff number and a name", field="staff_no")
    rules.check_officer_rights(
        [(q.item_code, q.purpose) for q in unit.inquiry_items], items or None, purposes or None)
    if session.scalar(select(Officer.id).where(Officer.unit_id == unit.id, Officer.staff_no == staff_no)):
        raise Conflict(msg("the unit already has an officer with staff number {staff_no}", staff_no=staff_no),
                       field="staff_no")
    officer = Officer(unit_id=unit.id, staff_no=staff_no, name=name, items=items or None,
                      purposes=purposes or None, active=True, created_at=now())
    session.add(officer)
    session.flush()
    audit.append(session, action="officer:create", actor=actor, object_type="officer",
                 object_id=officer.id, content={"unit_id": unit.id, "staff_no": staff_no, "name": name,
                                                "items": items, "purposes": purposes})
    _, token = tokens.issue(session, actor=actor, label=f"officer {staff_no}", officer=officer,
                            expires_at=expires_at)
    return officer, token


def get_by_uscc(session: Session, uscc: str) -> Unit:
    code = uscc.strip().upper()
    unit = session.scalar(select(Unit).where(Unit.uscc == code))
    if unit is None:
        from ..logmask import mask_text

        raise NotFound(msg("no unit is registered with USCC {code}", code=mask_text(code)), field="unit")
    return unit


def list_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.id)))


def authenticate(session: Session, token: str) -> Actor:
    return tokens.authenticate(session, token)


def actor_for(unit: Unit, *, officer: str | None = None) -> Actor:
    return Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer=officer, unit_subkind=unit.subkind,
                 mandate=unit.mandate is not None)


def _list_id(session: Session, ident: str | int) -> int:
    text = str(ident).strip()
    found = (session.get(CreditList, int(text)) if text.isdigit()
             else session.scalar(select(CreditList).where(CreditList.code == text)))
    if found is None:
        raise NotFound(msg("no list {ident}", ident=ident), field="lists")
    return found.id


def inquiry_lists_of(session: Session, unit_id: int) -> list[UnitInquiryList]:
    return list(session.scalars(select(UnitInquiryList).where(UnitInquiryList.unit_id == unit_id)
                                .order_by(UnitInquiryList.list_id, UnitInquiryList.purpose)))


# Later domains that rely on an organ's published list (measures it implements) check a new list before it
# replaces the old one: ``guard(session, unit, items, lists, day)`` raises to refuse (Art. 17.2).
InquiryListGuard = "Callable[[Session, Unit, dict, dict, date], None]"
_inquiry_list_guards: list = []


def register_inquiry_list_guard(guard) -> None:
    _inquiry_list_guards.append(guard)


def publish_inquiry_list(session: Session, *, unit: Unit, items: list[str], lists: list[str | int],
                         purposes: list[str], published_on: date, actor: Actor) -> Unit:
    """Replace the organ's published inquiry list by (items ∪ lists) × purposes, published on ``published_on``
    (pairs already on it keep their date). Refused when it would leave a published measure the organ
    implements unable to see one of its triggers (the guards, Art. 17.2)."""
    purposes = list(dict.fromkeys(purposes))
    for p in purposes:
        rules.check_purpose(p)
    rules.check_inquiry_list_owner(unit.kind, [*items, *map(str, lists)], purposes, unit.mandate)
    for item in items:
        catalog.get_item(session, item)
    list_ids = [_list_id(session, x) for x in dict.fromkeys(lists)]
    old_items = {(q.item_code, q.purpose): q.published_on for q in unit.inquiry_items}
    old_lists = {(q.list_id, q.purpose): q.published_on for q in inquiry_lists_of(session, unit.id)}
    new_items = {(i, p): old_items.get((i, p), published_on) for i in dict.fromkeys(items) for p in purposes}
    new_lists = {(i, p): old_lists.get((i, p), published_on) for i in list_ids for p in purposes}
    for guard in _inquiry_list_guards:
        guard(session, unit, new_items, new_lists, published_on)
    unit.inquiry_items = [UnitInquiryItem(item_code=i, purpose=p, published_on=d) for (i, p), d in new_items.items()]
    session.flush()
    session.execute(UnitInquiryList.__table__.delete().where(UnitInquiryList.unit_id == unit.id))
    session.add_all([UnitInquiryList(unit_id=unit.id, list_id=i, purpose=p, published_on=d)
                     for (i, p), d in new_lists.items()])
    session.flush()
    refcache.invalidate()
    audit.append(session, action="unit:inquiry-list", actor=actor, object_type="unit", object_id=unit.id,
                 content=describe(unit, session), details={"published_on": published_on.isoformat()})
    return unit


def describe(unit: Unit, session: Session | None = None) -> dict:
    out = {
        "name": unit.name,
        "kind": unit.kind,
        "subkind": unit.subkind,
        "uscc": unit.uscc,
        "active": unit.active,
        "mandate": unit.mandate,
        "provides": [p.item_code for p in unit.provides],
        "inquiry_list": [
            {"item": q.item_code, "purpose": q.purpose, "published_on": q.published_on.isoformat()}
            for q in unit.inquiry_items
        ],
    }
    if session is not None:
        out["inquiry_lists"] = [{"list_id": q.list_id, "purpose": q.purpose, "published_on": q.published_on.isoformat()}
                                for q in inquiry_lists_of(session, unit.id)]
    return out


# --------------------------------------------------------------------------------------------
# the unit's officers: list, limit, deactivate (the unit's own token; Art. 19(2))


def officers_of(session: Session, unit_id: int) -> list[Officer]:
    return list(session.scalars(select(Officer).where(Officer.unit_id == unit_id).order_by(Officer.id)))


def _officer_of(session: Session, unit: Unit, officer_id: int) -> Officer:
    officer = session.get(Officer, officer_id)
    if officer is None or officer.unit_id != unit.id:  # another unit's officer reads as no officer
        raise NotFound(msg("the unit has no officer {officer_id}", officer_id=officer_id), field="officer")
    return officer


def limit_officer(session: Session, *, unit: Unit, officer_id: int, items: list[str] | None,
                  purposes: list[str] | None, actor: Actor) -> Officer:
    """Set an officer's query rights (None or empty: all of the unit's), within the unit's list (Art. 19(2))."""
    officer = _officer_of(session, unit, officer_id)
    items, purposes = list(dict.fromkeys(items or ())) or None, list(dict.fromkeys(purposes or ())) or None
    rules.check_officer_rights([(q.item_code, q.purpose) for q in unit.inquiry_items], items, purposes)
    officer.items, officer.purposes = items, purposes
    session.flush()
    audit.append(session, action="officer:limit", actor=actor, object_type="officer", object_id=officer.id,
                 content={"unit_id": unit.id, "staff_no": officer.staff_no, "items": items, "purposes": purposes})
    return officer


def deactivate_officer(session: Session, *, unit: Unit, officer_id: int, actor: Actor) -> Officer:
    """Revoke an officer: inactive from now, and every token of theirs revoked (they no longer sign in)."""
    from ..models import UnitToken

    officer = _officer_of(session, unit, officer_id)
    if officer.active:
        officer.active = False
        session.flush()
        audit.append(session, action="officer:deactivate", actor=actor, object_type="officer",
                     object_id=officer.id, content={"unit_id": unit.id, "staff_no": officer.staff_no})
    for token_id in list(session.scalars(select(UnitToken.id).where(UnitToken.officer_id == officer.id,
                                                                  UnitToken.revoked_at.is_(None)))):
        tokens.revoke(session, token_id=token_id, actor=actor)
    return officer
