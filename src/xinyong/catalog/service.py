"""The catalog: listing items, and publishing or retiring them (the full Art. 10 workflow comes later)."""

from __future__ import annotations

from collections.abc import Callable
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


def check_fields(item: CatalogItem, kind_of: Callable[[str], str | None] | None = None) -> None:
    """An item's declared fields and their marks are lawful: marks only of the restricted kinds of Art. 14.2, and no
    field of a prohibited kind (Art. 14.3; ``kind_of``: the matcher, ``rules.prohibited_kind`` unless a test gives
    another). Checked when an item is published; the shipped catalog by a test."""
    rules.check_field_kinds(item.code, item.field_kinds)
    rules.check_fields_not_prohibited(item.code, item.fields, item.field_kinds, kind_of or rules.prohibited_kind)


def publish(session: Session, *, code: str, on: date, actor: Actor,
            kind_of: Callable[[str], str | None] | None = None) -> CatalogItem:
    rules.may_compile(actor.role)
    item = get_item(session, code)
    rules.check_transition(item.state, "published")
    check_fields(item, kind_of)
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
        # Its fields of a restricted kind of Art. 14.2 ({field: kind}): about a natural person, a credit service
        # establishment sees them only under a written consent of that grade. {}: none.
        "field_kinds": dict(item.field_kinds or {}),
        # Art. 9.3: law → the articles whose conduct the item records (a row citing the law cites one). {}: none.
        "conduct_laws": {law: list(articles) for law, articles in (item.conduct_laws or {}).items()},
        "providers": item.providers,
        "state": item.state,
        "published_on": item.published_on.isoformat() if item.published_on else None,
        "retired_on": item.retired_on.isoformat() if item.retired_on else None,
    }


def published_catalog(session: Session) -> list[dict]:
    """The catalog as published to everyone (Art. 10.2): every item with its fields, legal basis, disclosure level
    and the units that provide it (name and USCC, active units only); a retired item with the day and the version
    of the catalog that retired it (None: retired before the catalog's versions were kept)."""
    from .compilation import retirements

    retired = retirements(session)
    providing: dict[str, list[dict]] = {}
    for code, name, uscc in session.execute(
            select(UnitProvides.item_code, Unit.name, Unit.uscc).join(Unit, Unit.id == UnitProvides.unit_id)
            .where(Unit.active.is_(True)).order_by(UnitProvides.item_code, Unit.name)):
        providing.setdefault(code, []).append({"name": name, "uscc": uscc})
    return [{**describe(i), "providing_units": providing.get(i.code, []),
             "retired_in_version": (retired.get(i.code) or {}).get("version") if i.state == "retired" else None}
            for i in list_items(session)]


def set_conduct_laws(session: Session, *, code: str, law: str, articles: list[str], document: str, actor: Actor
                     ) -> CatalogItem:
    """Record that ``law`` names the conduct of its field that the item records (Art. 9.3): from now on a row citing
    the law (``basis_law``) is aggregated only for one of ``articles``; no articles: the law no longer limits the
    item. The supervisor's act, on a document (the law's own text or the catalog's approval), audited."""
    from ..errors import InvalidInput
    from .rules import article_key, law_key

    rules.may_compile(actor.role)
    item = get_item(session, code)
    if not law_key(law):
        raise InvalidInput("name the law (its title)", field="law", article="Art. 9.3")
    if not document.strip():
        raise InvalidInput("name the document the list of conduct rests on", field="document", article="Art. 9.3")
    unreadable = [a for a in articles if article_key(a) is None]
    if unreadable:
        raise InvalidInput(msg("not articles: {articles} (write 第N条 or N, with 第M款 or .M)",
                               articles=", ".join(unreadable)), field="articles", article="Art. 9.3")
    laws = {name: list(listed) for name, listed in (item.conduct_laws or {}).items() if law_key(name) != law_key(law)}
    if articles:
        laws[law.strip()] = list(dict.fromkeys(a.strip() for a in articles))
    before = dict(item.conduct_laws or {})
    item.conduct_laws = laws or None
    refcache.invalidate()
    audit.append(session, action="catalog:conduct_laws", actor=actor, object_type="catalog_item", object_id=code,
                 details={"article": "Art. 9.3", "law": law.strip(), "articles": list(articles),
                          "document": document.strip(), "before": before})
    return item
