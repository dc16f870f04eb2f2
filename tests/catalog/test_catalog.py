"""The default catalog and its lifecycle moves (both databases)."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.auth import CONSOLE, Actor

SUPERVISOR = Actor(role="supervisor")
from xinyong.catalog import rules, service
from xinyong.db import session_scope
from xinyong.errors import RuleViolation


@pytest.mark.article("Art. 9.2")
def test_default_catalog_has_every_untrustworthiness_item(engine):
    with session_scope(engine) as s:
        items = {i.code: i for i in service.list_items(s)}
    untrust = {i.article: c for c, i in items.items() if i.untrustworthy}
    assert set(untrust) == {f"Art. 9.2({n})" for n in range(1, 7)}
    assert items["penalty"].record_format == "CF" and items["licence"].record_format == "XK"
    assert items["penalty"].disclosure == items["licence"].disclosure == "public"
    assert items["arrears"].continuing and items["judgment-default"].continuing
    assert not items["penalty"].continuing


@pytest.mark.article("Art. 10.2")
def test_publish_and_retire(engine):
    with session_scope(engine) as s:
        item = service.publish(s, code="other-untrust", on=date(2025, 6, 1), actor=SUPERVISOR)
        assert (item.state, item.published_on) == ("published", date(2025, 6, 1))
        service.retire(s, code="other-untrust", on=date(2025, 6, 10), actor=SUPERVISOR)
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        service.retire(s, code="other-untrust", on=date(2025, 6, 11), actor=SUPERVISOR)
    assert exc.value.article == "Art. 10.2"


@pytest.mark.article("Art. 10.2")
def test_only_the_supervisor_under_its_own_identity_publishes_the_catalog(engine):
    from xinyong.errors import Forbidden

    with session_scope(engine) as s, pytest.raises(Forbidden) as exc:
        service.publish(s, code="other-untrust", on=date(2025, 6, 1), actor=CONSOLE)
    assert exc.value.article == "Art. 10.2"


@pytest.mark.article("Art. 10.2")
def test_transitions_are_a_lifecycle():
    rules.check_transition("approved", "published")
    with pytest.raises(RuleViolation):
        rules.check_transition("proposed", "retired")


@pytest.mark.article("Art. 11")
def test_only_published_items_in_force_are_aggregable():
    on = date(2025, 6, 16)
    rules.check_item_aggregable("penalty", "published", date(2017, 10, 1), None, on)
    for state, published, retired in [("proposed", None, None), ("published", date(2025, 7, 1), None),
                                      ("published", date(2017, 10, 1), date(2025, 6, 16))]:
        with pytest.raises(RuleViolation) as exc:
            rules.check_item_aggregable("x", state, published, retired, on)
        assert exc.value.article == "Art. 11"
