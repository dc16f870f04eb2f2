"""The inquiry policy, role by role, and what an answer may contain (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.inquiry import rules
from xinyong.inquiry.rules import AuthorizationFacts, ItemFacts, RecordFacts, Request

TODAY = date(2025, 6, 16)
ITEMS = {
    "penalty": ItemFacts("penalty", "public", True),
    "licence": ItemFacts("licence", "public", False),
    "arrears": ItemFacts("arrears", "authorized", True),
    "other-untrust": ItemFacts("other-untrust", "restricted", True),
}
LIST = frozenset({("penalty", "permit"), ("arrears", "permit"), ("licence", "procurement")})
ORG, PERSON = 10, 11


def req(role, **kw):
    base = dict(role=role, target_id=ORG, target_kind="organization", purpose="permit", unit_id=1,
                officer="A-001")
    base.update(kw)
    return Request(**base)


def auth(**kw):
    base = dict(id=7, unit_id=1, items=frozenset({"arrears"}), purpose="permit",
                valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    base.update(kw)
    return AuthorizationFacts(**base)


@pytest.mark.article("Art. 17.1")
def test_subject_sees_all_of_its_own():
    d = rules.decide(req("subject", unit_id=None, asker_subject_id=ORG, purpose=None), ITEMS, frozenset(), [], TODAY)
    assert d.allowed and d.self_view and d.items == frozenset(ITEMS) and d.article == "Art. 17.1"


@pytest.mark.article("Art. 17.2")
def test_organ_only_its_published_pairs():
    d = rules.decide(req("administrative"), ITEMS, LIST, [], TODAY)
    assert d.allowed and d.items == {"penalty"} and d.article == "Art. 17.2"  # arrears needs authorization
    d = rules.decide(req("administrative", purpose="procurement"), ITEMS, LIST, [], TODAY)
    assert d.items == {"licence"}
    d = rules.decide(req("administrative", purpose="recruitment"), ITEMS, LIST, [], TODAY)
    assert not d.allowed and d.article == "Art. 17.2"


@pytest.mark.article("Art. 28.1")
def test_organ_purpose_must_be_an_art_28_occasion():
    d = rules.decide(req("administrative", purpose="curiosity"), ITEMS, LIST, [], TODAY)
    assert not d.allowed and d.article == "Art. 28.1"


@pytest.mark.article("Art. 17.3")
def test_nonpublic_needs_authorization_in_force_scope_and_purpose():
    d = rules.decide(req("administrative"), ITEMS, LIST, [auth()], TODAY)
    assert d.items == {"penalty", "arrears"} and d.authorization_id == 7
    for bad in (auth(withdrawn=True), auth(valid_until=date(2025, 6, 15)), auth(purpose="funding"),
                auth(items=frozenset({"licence"})), auth(unit_id=2), auth(valid_from=date(2025, 6, 17))):
        assert rules.decide(req("administrative"), ITEMS, LIST, [bad], TODAY).items == {"penalty"}
    only_arrears = frozenset({("arrears", "permit")})
    d = rules.decide(req("administrative"), ITEMS, only_arrears, [], TODAY)
    assert not d.allowed and d.article == "Art. 17.3"


@pytest.mark.article("Art. 17.3")
def test_a_law_named_by_the_item_replaces_authorization():
    items = {**ITEMS, "arrears": ItemFacts("arrears", "authorized", True, "《税收征收管理法》第四十五条")}
    assert "arrears" in rules.decide(req("administrative"), items, LIST, [], TODAY).items


@pytest.mark.article("Art. 19(2)")
def test_officer_rights_narrow_the_units():
    d = rules.decide(req("administrative", officer_items=frozenset({"licence"})), ITEMS, LIST, [], TODAY)
    assert not d.allowed
    d = rules.decide(req("administrative", officer_purposes=frozenset({"procurement"})), ITEMS, LIST, [], TODAY)
    assert not d.allowed
    d = rules.decide(req("administrative", officer_items=frozenset({"penalty"})), ITEMS, LIST, [], TODAY)
    assert d.items == {"penalty"}


@pytest.mark.article("Art. 17.2")
def test_judicial_organ_needs_its_case():
    assert not rules.decide(req("judicial", purpose=None), ITEMS, frozenset(), [], TODAY).allowed
    d = rules.decide(req("judicial", purpose=None, case_no="(2025)沪01执12号"), ITEMS, frozenset(), [], TODAY)
    assert d.allowed and d.items == frozenset(ITEMS)


@pytest.mark.article("Art. 17.3")
def test_credit_service_public_items_or_authorized():
    d = rules.decide(req("credit-service", purpose="credit-assessment"), ITEMS, frozenset(), [], TODAY)
    assert d.allowed and d.items == {"penalty", "licence"} and d.article == "Art. 15"
    a = auth(purpose="credit-assessment")
    d = rules.decide(req("credit-service", purpose="credit-assessment"), ITEMS, frozenset(), [a], TODAY)
    assert d.items == {"penalty", "licence", "arrears"} and d.article == "Art. 17.3"
    assert not rules.decide(req("credit-service", purpose=""), ITEMS, frozenset(), [], TODAY).allowed


@pytest.mark.article("Art. 20(1)")
def test_operator_only_within_an_open_case_and_supervisor_never():
    assert not rules.decide(req("operator"), ITEMS, frozenset(), [], TODAY).allowed
    d = rules.decide(req("operator", case_no="YY-1"), ITEMS, frozenset(), [], TODAY)
    assert not d.allowed and d.article == "Art. 20(1)"
    d = rules.decide(req("operator", case_no="YY-1", open_cases={"YY-1": frozenset({5})}), ITEMS,
                     frozenset(), [], TODAY)
    assert d.allowed and d.record_ids == {5}
    d = rules.decide(req("supervisor"), ITEMS, frozenset(), [], TODAY)
    assert not d.allowed and d.article == "Art. 20(1)"


@pytest.mark.article("Art. 15")
def test_public_sees_public_items_of_organizations_only():
    d = rules.decide(req("public", unit_id=None, purpose=None), ITEMS, frozenset(), [], TODAY)
    assert d.allowed and d.items == {"penalty", "licence"}
    d = rules.decide(req("public", unit_id=None, purpose=None, target_id=PERSON, target_kind="natural_person"),
                     ITEMS, frozenset(), [], TODAY)
    assert not d.allowed and d.article == "Art. 6.2"


def rec(**kw):
    base = dict(id=1, item_code="penalty", untrustworthy=True, ended_on=date(2021, 6, 16), status="active",
                objection_open=False)
    base.update(kw)
    return RecordFacts(**base)


ALL = rules.Decision(True, "Art. 17.2", "", frozenset(ITEMS))
SELF = rules.Decision(True, "Art. 17.1", "", frozenset(ITEMS), self_view=True)


@pytest.mark.article("Art. 35.2")
def test_five_years_from_the_end_of_the_conduct():
    assert rules.servable(rec(ended_on=date(2020, 6, 16)), ALL, TODAY)[0]  # last day
    assert not rules.servable(rec(ended_on=date(2020, 6, 15)), ALL, TODAY)[0]
    assert not rules.servable(rec(ended_on=date(2020, 6, 15)), SELF, TODAY)[0]  # never served
    assert rules.servable(rec(ended_on=None), ALL, TODAY)[0]  # continuing: not begun
    assert rules.servable(rec(item_code="licence", untrustworthy=False, ended_on=date(2001, 1, 1)), ALL, TODAY)[0]


@pytest.mark.article("Art. 37")
def test_revoked_never_served():
    assert not rules.servable(rec(status="revoked"), ALL, TODAY)[0]
    assert not rules.servable(rec(status="revoked"), SELF, TODAY)[0]


@pytest.mark.article("Art. 11")
def test_withdrawn_never_served():
    assert not rules.servable(rec(status="withdrawn"), SELF, TODAY)[0]


@pytest.mark.article("Art. 38")
def test_restored_hidden_except_to_its_subject_marked():
    assert not rules.servable(rec(status="restored"), ALL, TODAY)[0]
    assert rules.servable(rec(status="restored"), SELF, TODAY) == (True, ("restored",))


@pytest.mark.article("Art. 36.2")
def test_under_objection_marker():
    assert rules.servable(rec(objection_open=True), ALL, TODAY) == (True, ("under_objection",))


@pytest.mark.article("Art. 19(2)")
def test_a_unit_inquires_through_a_named_officer():
    d = rules.decide(req("administrative", officer=None), ITEMS, LIST, [], TODAY)
    assert not d.allowed and d.article == "Art. 19(2)"
    d = rules.decide(req("public", unit_id=None, officer=None, purpose=None), ITEMS, frozenset(), [], TODAY)
    assert d.allowed
