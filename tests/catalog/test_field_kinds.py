"""Catalog field marks (Art. 14.2) and no field of a prohibited kind (Art. 14.3), both databases."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.auth import Actor
from xinyong.catalog import rules, service
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.models import CatalogItem
from xinyong.record.fields import declared_fields
from xinyong.record.rules import prohibited_kind

SUPERVISOR = Actor(role="supervisor")


@pytest.mark.article("Art. 14.3")
def test_no_field_of_the_shipped_catalog_is_of_a_prohibited_kind(engine):
    with session_scope(engine) as s:
        items = service.list_items(s)
        assert items
        for item in items:
            names = sorted(declared_fields(item.fields, item.record_format))
            rules.check_fields_not_prohibited(item.code, names, item.field_kinds, prohibited_kind)
            service.check_fields(item, prohibited_kind)
    # the rule does refuse a prohibited field, by its name in either language
    for fields, kinds in ((["facts", "血型"], None), (["facts"], {"medical_history": "income"})):
        with pytest.raises(RuleViolation) as exc:
            rules.check_fields_not_prohibited("x", fields, kinds, prohibited_kind)
        assert exc.value.article == "Art. 14.3"


@pytest.mark.article("Art. 14.2")
def test_field_marks_are_only_of_the_restricted_kinds():
    rules.check_field_kinds("x", None)
    rules.check_field_kinds("x", {"amount_yuan": "income", "remarks": "tax-amount"})
    for bad in ({"amount_yuan": "shoe-size"}, {"amount_yuan": "blood type"}, {"": "income"}):
        with pytest.raises(RuleViolation) as exc:
            rules.check_field_kinds("x", bad)
        assert exc.value.article == "Art. 14.2"


def _item(s, code: str, **kw) -> CatalogItem:
    item = CatalogItem(code=code, name_zh="个人收入信息", name_en="Personal income", item_class="neutral",
                       untrustworthy=False, article="Art. 14.2", legal_basis="测试", disclosure="authorized",
                       record_format="general", providers="测试", state="proposed",
                       fields=["content", "amount_yuan"], **kw)
    s.add(item)
    s.flush()
    return item


@pytest.mark.article("Art. 14.2")
def test_an_item_with_a_restricted_field_is_marked_in_the_catalog_and_its_api(engine):
    with session_scope(engine) as s:
        _item(s, "income-test", field_kinds={"amount_yuan": "income"})
        service.publish(s, code="income-test", on=date(2025, 6, 1), actor=SUPERVISOR, kind_of=prohibited_kind)
    with session_scope(engine) as s:
        published = {i["code"]: i for i in service.published_catalog(s)}
    assert published["income-test"]["field_kinds"] == {"amount_yuan": "income"}
    assert published["penalty"]["field_kinds"] == {}  # shipped items: no restricted field
    assert all(i["field_kinds"] == {} for c, i in published.items() if c != "income-test")


@pytest.mark.article("Art. 14.3")
def test_publishing_an_item_with_a_prohibited_or_wrongly_marked_field_is_refused(engine):
    with session_scope(engine) as s:
        _item(s, "blood-test", field_kinds=None).fields = ["content", "blood type"]
        _item(s, "badmark-test", field_kinds={"amount_yuan": "religion"})
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        service.publish(s, code="blood-test", on=date(2025, 6, 1), actor=SUPERVISOR, kind_of=prohibited_kind)
    assert exc.value.article == "Art. 14.3"
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        service.publish(s, code="badmark-test", on=date(2025, 6, 1), actor=SUPERVISOR)
    assert exc.value.article == "Art. 14.2"
    with session_scope(engine) as s:
        assert {s.get(CatalogItem, c).state for c in ("blood-test", "badmark-test")} == {"proposed"}
