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
from ..errors import Conflict, InvalidInput, NotFound
from ..models import Officer, Unit, UnitInquiryItem, UnitProvides
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
    published_on: date,
    actor: Actor,
) -> tuple[Unit, str]:
    """Register a unit and issue its first bearer token (returned once; only the digest is kept)."""
    rules.check_kind(kind)
    name = name.strip()
    if not name:
        raise InvalidInput("the unit needs a name", field="name")
    code = parse_uscc(uscc, today=published_on).code
    provides, inquires, purposes = list(dict.fromkeys(provides)), list(dict.fromkeys(inquires)), list(dict.fromkeys(purposes))
    rules.check_may_be_provider(kind, provides)
    rules.check_inquiry_list_owner(kind, inquires, purposes)
    for p in purposes:
        rules.check_purpose(p)
    for item in [*provides, *inquires]:
        catalog.get_item(session, item)
    if session.scalar(select(Unit.id).where(Unit.uscc == code)) is not None:
        raise Conflict(f"a unit with USCC {code} is already registered", field="uscc")
    unit = Unit(name=name, kind=kind, uscc=code, active=True, created_at=now())
    unit.provides = [UnitProvides(item_code=i) for i in provides]
    unit.inquiry_items = [
        UnitInquiryItem(item_code=i, purpose=p, published_on=published_on)
        for i in inquires
        for p in purposes
    ]
    session.add(unit)
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
        raise Conflict(f"the unit already has an officer with staff number {staff_no}", field="staff_no")
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
        raise NotFound(f"no unit is registered with USCC {code}", field="unit")
    return unit


def list_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.id)))


def authenticate(session: Session, token: str) -> Actor:
    return tokens.authenticate(session, token)


def actor_for(unit: Unit) -> Actor:
    return Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc)


def describe(unit: Unit) -> dict:
    return {
        "name": unit.name,
        "kind": unit.kind,
        "uscc": unit.uscc,
        "active": unit.active,
        "provides": [p.item_code for p in unit.provides],
        "inquiry_list": [
            {"item": q.item_code, "purpose": q.purpose, "published_on": q.published_on.isoformat()}
            for q in unit.inquiry_items
        ],
    }
