"""Units: kinds, what they may provide, organs' published inquiry lists, tokens (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from xinyong.auth import CONSOLE, token_digest
from xinyong.db import session_scope
from xinyong.errors import Conflict, InvalidInput, NotFound, RuleViolation, Unauthorized
from xinyong.models import AuditEvent, UnitToken
from xinyong.unit import service

from ..factories import uscc
from ..helpers import TODAY

ORGAN = uscc(1, prefix="11310000")


def add(engine, **kw):
    args = dict(name="上海市某局", kind="administrative", uscc=ORGAN, published_on=TODAY, actor=CONSOLE)
    args.update(kw)
    with session_scope(engine) as s:
        unit, token = service.add_unit(s, **args)
        return service.describe(unit), token


@pytest.mark.article("Art. 17.2")
def test_inquiry_list_is_every_item_with_every_purpose(engine):
    info, _ = add(engine, inquires=["penalty", "licence"], purposes=["permit", "procurement"])
    assert {(q["item"], q["purpose"]) for q in info["inquiry_list"]} == {
        ("licence", "permit"), ("licence", "procurement"), ("penalty", "permit"), ("penalty", "procurement")}
    assert {q["published_on"] for q in info["inquiry_list"]} == {TODAY.isoformat()}


@pytest.mark.article("Art. 17.2")
def test_only_administrative_organs_publish_inquiry_lists(engine):
    with pytest.raises(RuleViolation) as exc:
        add(engine, kind="credit-service", uscc=uscc(2), inquires=["penalty"], purposes=["permit"])
    assert exc.value.article == "Art. 17.2"
    with pytest.raises(RuleViolation):
        add(engine, inquires=["penalty"], purposes=[])


@pytest.mark.article("Art. 28.1")
def test_purposes_are_the_art_28_occasions(engine):
    with pytest.raises(RuleViolation) as exc:
        add(engine, inquires=["penalty"], purposes=["curiosity"])
    assert exc.value.article == "Art. 28.1" and "curiosity" in exc.value.message


@pytest.mark.article("Art. 8.2")
def test_only_public_credit_information_providers_provide(engine):
    with pytest.raises(RuleViolation) as exc:
        add(engine, kind="enterprise", uscc=uscc(3), provides=["penalty"])
    assert exc.value.article == "Art. 8.2"
    info, _ = add(engine, kind="judicial", uscc=uscc(4, prefix="11310000"), provides=["judgment-default"],
                  subkind="court")
    assert info["provides"] == ["judgment-default"]


@pytest.mark.article("Art. 17.2")
def test_a_judicial_organ_is_registered_as_a_court_or_a_procuratorate(engine):
    with pytest.raises(RuleViolation) as exc:
        add(engine, kind="judicial", uscc=uscc(4, prefix="11310000"))
    assert exc.value.article == "Art. 17.2" and exc.value.field == "subkind"
    with pytest.raises(InvalidInput):
        add(engine, subkind="court")  # an administrative organ has no subkind
    info, token = add(engine, kind="judicial", uscc=uscc(4, prefix="11310000"), subkind="procuratorate")
    assert info["subkind"] == "procuratorate"
    with session_scope(engine) as s:
        assert service.authenticate(s, token).unit_subkind == "procuratorate"


@pytest.mark.article("Art. 28.2")
def test_an_organization_with_a_public_affairs_mandate_publishes_an_inquiry_list(engine):
    with pytest.raises(RuleViolation) as exc:
        add(engine, kind="public-institution", uscc=uscc(5, prefix="12310000"), inquires=["penalty"],
            purposes=["permit"])
    assert exc.value.article == "Art. 17.2"
    with pytest.raises(RuleViolation) as exc:
        add(engine, kind="enterprise", uscc=uscc(6), mandate="《某条例》第五条")
    assert exc.value.article == "Art. 28.2"
    info, token = add(engine, kind="public-institution", uscc=uscc(5, prefix="12310000"), inquires=["penalty"],
                      purposes=["permit"], mandate="《上海市某条例》第十二条（授权管理公共事务）")
    assert info["mandate"] and info["inquiry_list"]
    with session_scope(engine) as s:
        assert service.authenticate(s, token).mandate is True


@pytest.mark.article("Art. 17.2")
def test_an_organ_publishes_its_list_of_lists_and_a_new_list_replaces_the_old(engine):
    from datetime import date

    from xinyong.listing import service as listing
    from xinyong.models import Unit

    add(engine, inquires=["penalty"], purposes=["permit"])
    with session_scope(engine) as s:
        unit = service.get_by_uscc(s, ORGAN)
        organ = service.actor_for(unit, officer="console")
        lst = listing.define(s, code="BL-9", name="名单", kind="black", keeper_organ="某局", entry_standard="标准",
                             legal_basis="依据", entry_requirements="列入", removal_requirements="移出",
                             remedy_paths="复议", actor=organ)
        service.publish_inquiry_list(s, unit=unit, items=["penalty", "licence"], lists=["BL-9"],
                                     purposes=["permit"], published_on=date(2025, 6, 20), actor=organ)
        info = service.describe(s.get(Unit, unit.id), s)
    pairs = {(q["item"], q["purpose"], q["published_on"]) for q in info["inquiry_list"]}
    assert pairs == {("penalty", "permit", TODAY.isoformat()), ("licence", "permit", "2025-06-20")}
    assert info["inquiry_lists"] == [{"list_id": lst.id, "purpose": "permit", "published_on": "2025-06-20"}]
    with session_scope(engine) as s, pytest.raises(RuleViolation):
        service.publish_inquiry_list(s, unit=service.get_by_uscc(s, ORGAN), items=["penalty"], lists=[],
                                     purposes=["gossip"], published_on=TODAY, actor=organ)


@pytest.mark.article("Art. 19(2)")
def test_the_console_acts_for_a_unit_only_with_a_reason():
    from xinyong.unit import rules

    with pytest.raises(RuleViolation) as exc:
        rules.console_reason("  ")
    assert exc.value.article == "Art. 19(2)"
    assert rules.console_reason(" 窗口代办 ") == "窗口代办"


def test_unknown_item_kind_or_bad_uscc(engine):
    with pytest.raises(NotFound):
        add(engine, provides=["no-such-item"])
    with pytest.raises(InvalidInput):
        add(engine, kind="ministry")
    with pytest.raises(InvalidInput) as exc:
        add(engine, uscc="11310000MB2F11209X")
    assert exc.value.article == "Art. 2"


def test_one_unit_per_uscc(engine):
    add(engine)
    with pytest.raises(Conflict):
        add(engine, name="another name")


def test_token_stored_as_digest_and_authenticates(engine):
    info, token = add(engine)
    with session_scope(engine) as s:
        stored = s.scalars(select(UnitToken.token_digest)).all()
        assert stored == [token_digest(token)] and token not in stored
        actor = service.authenticate(s, token)
        assert (actor.role, actor.unit_uscc) == ("administrative", ORGAN)
        with pytest.raises(Unauthorized):
            service.authenticate(s, token + "x")
        tok = s.scalars(select(UnitToken)).one()
        tok.revoked_at = tok.created_at
    with session_scope(engine) as s, pytest.raises(Unauthorized):
        service.authenticate(s, token)
    with session_scope(engine) as s:
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert [a for a in actions if not a.startswith("row:")] == ["unit:create", "token:issue"]
        assert token not in str(s.scalars(select(AuditEvent.details)).all())
