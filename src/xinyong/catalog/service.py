"""The catalog: listing items, and publishing or retiring them (the full Art. 10 workflow comes later)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import refcache
from ..audit import service as audit
from ..auth import Actor
from ..errors import NotFound, msg
from ..models import CatalogItem, Unit, UnitProvides
from . import rules


def list_items(session: Session) -> list[CatalogItem]:
    return list(session.scalars(select(CatalogItem).order_by(CatalogItem.code)))


def get_item(session: Session, code: str) -> CatalogItem:
    item = session.get(CatalogItem, code)
    if item is None:
        raise NotFound(
            msg("'{code}' is not an item of the public credit information catalog", code=code), field="catalog_item"
        )
    return item


def items_by_code(session: Session) -> dict[str, CatalogItem]:
    return {i.code: i for i in list_items(session)}


def publish(session: Session, *, code: str, on: date, actor: Actor) -> CatalogItem:
    rules.may_compile(actor.role)
    item = get_item(session, code)
    rules.check_transition(item.state, "published")
    item.state, item.published_on, item.retired_on = "published", on, None
    refcache.invalidate()
    audit.append(session, action="catalog:publish", actor=actor, object_type="catalog_item",
                 object_id=code, content=describe(item))
    return item


def retire(session: Session, *, code: str, on: date, actor: Actor) -> CatalogItem:
    rules.may_compile(actor.role)
    item = get_item(session, code)
    rules.check_transition(item.state, "retired")
    item.state, item.retired_on = "retired", on
    refcache.invalidate()
    audit.append(session, action="catalog:retire", actor=actor, object_type="catalog_item",
                 object_id=code, content=describe(item))
    return item


def describe(item: CatalogItem) -> dict:
    return {
        "code": item.code,
        "name_zh": item.name_zh,
        "name_en": item.name_en,
        "class": item.item_class,
        "untrustworthy": item.untrustworthy,
        "article": item.article,
        "legal_basis": item.legal_basis,
        "disclosure": item.disclosure,
        "record_format": item.record_format,
        # The fields (canonical import keys) a record of the item stores, Art. 11; None: the documented
        # columns of its record format (docs/import-format.md, "Declared fields").
        "fields": list(item.fields) if item.fields is not None else None,
        "providers": item.providers,
        "state": item.state,
        "published_on": item.published_on.isoformat() if item.published_on else None,
        "retired_on": item.retired_on.isoformat() if item.retired_on else None,
    }


def published_catalog(session: Session) -> list[dict]:
    """The catalog as published to everyone (Art. 10.2): every item with its fields, legal basis, disclosure level
    and the units that provide it (name and USCC, active units only)."""
    providing: dict[str, list[dict]] = {}
    for code, name, uscc in session.execute(
            select(UnitProvides.item_code, Unit.name, Unit.uscc).join(Unit, Unit.id == UnitProvides.unit_id)
            .where(Unit.active.is_(True)).order_by(UnitProvides.item_code, Unit.name)):
        providing.setdefault(code, []).append({"name": name, "uscc": uscc})
    return [{**describe(i), "providing_units": providing.get(i.code, [])} for i in list_items(session)]
