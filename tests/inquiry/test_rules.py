"""The one visibility decision, inquirer kind by inquirer kind, and what an answer may contain (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from xinyong.inquiry import rules
from xinyong.inquiry.rules import (AuthorizationFacts, Facts, ItemFacts, ListFacts, MeasureBasis, RecordFacts,
                                   Request)

TODAY = date(2025, 6, 16)
ITEMS = {
    "penalty": ItemFacts("penalty", "public", True, public_basis_level="law"),
    "licence": ItemFacts("licence", "public", False, public_basis_level="law"),
    "market-ban": ItemFacts("market-ban", "public", True, public_basis_level="policy"),
    "arrears": ItemFacts("arrears", "authorized", True),
    "other-untrust": ItemFacts("other-untrust", "restricted", True),
}
ON_LIST = {("penalty", "permit"): date(2025, 1, 1), ("arrears", "permit"): date(2025, 1, 1),
           ("licence", "procurement"): date(2025, 1, 1)}
BLACK_PUBLIC, BLACK_ORGANS = 1, 2
LISTS = {BLACK_PUBLIC: ListFacts(BLACK_PUBLIC, "BL-PUB", "black", "public", "law"),
         BLACK_ORGANS: ListFacts(BLACK_ORGANS, "BL-ORG", "black", "organs")}
ORG, PERSON = 10, 11


def req(role, **kw):
    base = dict(role=role, target_id=ORG, target_kind="organization", purpose="permit", unit_id=1,
                officer="A-001")
    base.update(kw)
    return Request(**base)


def person(role, **kw):
    return req(role, target_id=PERSON, target_kind="natural_person", **kw)


def facts(**kw):
    base = dict(items=ITEMS, organ_items=ON_LIST, organ_lists={}, lists=LISTS, auths=(), day=TODAY)
    base.update(kw)
    return Facts(**base)


def auth(**kw):
    base = dict(id=7, unit_id=1, items=frozenset({"arrears"}), purpose="permit",
                valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    base.update(kw)
    return AuthorizationFacts(**base)


PUBLIC_ORG_ITEMS = {"penalty", "licence", "market-ban"}


@pytest.mark.article("Art. 17.1")
def test_subject_sees_all_of_its_own():
    d = rules.decide(req("subject", unit_id=None, asker_subject_id=ORG, purpose=None, officer=None), facts())
    assert d.allowed and d.self_view and d.items == frozenset(ITEMS) and d.article == "Art. 17.1"
    assert d.lists == {BLACK_PUBLIC, BLACK_ORGANS} and d.identity


@pytest.mark.article("Art. 17.2")
def test_organ_sees_its_published_pairs_and_never_less_than_the_public():
    d = rules.decide(req("administrative"), facts())
    # penalty is on the list; the other public items are what the public sees anyway; arrears needs authorization
    assert d.allowed and d.items == PUBLIC_ORG_ITEMS and d.article == "Art. 17.2"
    assert d.access["penalty"].basis == "list" and d.access["licence"].basis == "public"
    assert not d.access["arrears"].visible and d.access["arrears"].article == "Art. 17.3"
    assert not d.access["other-untrust"].visible and d.access["other-untrust"].article == "Art. 17.2"
    # a purpose not on its list: what the public sees, no more
    d = rules.decide(req("administrative", purpose="recruitment"), facts())
    assert d.allowed and d.items == PUBLIC_ORG_ITEMS and d.article == "Art. 15"
    # a natural person: only the list opens anything
    d = rules.decide(person("administrative"), facts())
    assert d.allowed and d.items == {"penalty"} and d.article == "Art. 17.2" and d.identity
    d = rules.decide(person("administrative", purpose="recruitment"), facts())
    assert not d.allowed and d.article == "Art. 17.2" and "not on your published inquiry list" in d.reason


@pytest.mark.article("Art. 17.2")
def test_a_pair_counts_only_from_its_publication():
    later = {**ON_LIST, ("penalty", "permit"): date(2025, 7, 1)}
    d = rules.decide(person("administrative"), facts(organ_items=later))
    assert not d.allowed and "only from its publication on 2025-07-01" in d.access["penalty"].reason
    assert rules.decide(person("administrative"), facts(organ_items=later, day=date(2025, 7, 1))).allowed


@pytest.mark.article("Art. 28.1")
def test_organ_purpose_must_be_an_art_28_occasion():
    d = rules.decide(req("administrative", purpose="curiosity"), facts())
    assert not d.allowed and d.article == "Art. 28.1"


@pytest.mark.article("Art. 28.2")
def test_an_organization_with_a_public_affairs_mandate_inquires_as_an_organ():
    d = rules.decide(person("public-institution", mandate=True), facts())
    assert d.allowed and d.items == {"penalty"} and d.kind == rules.K_ORGAN
    d = rules.decide(person("public-institution", purpose="credit-assessment"), facts())
    assert d.kind == rules.K_IDENTIFIED


@pytest.mark.article("Art. 17.3")
def test_nonpublic_needs_authorization_in_force_scope_and_purpose():
    d = rules.decide(person("administrative"), facts(auths=(auth(),)))
    assert d.items == {"penalty", "arrears"} and d.authorization_id == 7 and d.article == "Art. 17.3"
    assert d.bases() == {"item:arrears": "authorization:7"}
    for bad in (auth(withdrawn=True), auth(valid_until=date(2025, 6, 15)), auth(purpose="funding"),
                auth(items=frozenset({"licence"})), auth(unit_id=2), auth(valid_from=date(2025, 6, 17))):
        assert rules.decide(person("administrative"), facts(auths=(bad,))).items == {"penalty"}
    only_arrears = {("arrears", "permit"): date(2025, 1, 1)}
    d = rules.decide(person("administrative"), facts(organ_items=only_arrears))
    assert not d.allowed and d.article == "Art. 17.3"


@pytest.mark.article("Art. 17.3")
def test_a_law_named_by_the_item_or_by_the_measure_replaces_authorization():
    items = {**ITEMS, "arrears": ItemFacts("arrears", "authorized", True, "《税收征收管理法》第四十五条")}
    d = rules.decide(person("administrative"), facts(items=items))
    assert "arrears" in d.items and d.access["arrears"].basis == "law:item"
    basis = MeasureBasis("P-1", "law", "《某法》第十条", frozenset({"arrears"}))
    d = rules.decide(person("administrative", measure_basis=basis), facts())
    assert "arrears" in d.items and d.bases() == {"item:arrears": "measure:P-1"}
    # a local regulation is not a law or an administrative regulation
    weak = replace(basis, level="local-regulation")
    assert "arrears" not in rules.decide(person("administrative", measure_basis=weak), facts()).items
    # and the measure's basis never opens what is not on the organ's published list
    assert "other-untrust" not in rules.decide(
        person("administrative", measure_basis=replace(basis, items=frozenset({"other-untrust"}))), facts()).items


@pytest.mark.article("Art. 19(2)")
def test_officer_rights_narrow_the_units():
    d = rules.decide(person("administrative", officer_items=frozenset({"licence"})), facts())
    assert not d.allowed and d.article == "Art. 19(2)"
    d = rules.decide(person("administrative", officer_purposes=frozenset({"procurement"})), facts())
    assert not d.allowed
    d = rules.decide(person("administrative", officer_items=frozenset({"penalty"})), facts())
    assert d.items == {"penalty"}
    # an organization's public items stay visible: the public sees them
    assert rules.decide(req("administrative", officer_items=frozenset()), facts()).items == PUBLIC_ORG_ITEMS
    assert rules.decide(req("administrative", officer=None), facts()).article == "Art. 19(2)"


@pytest.mark.article("Art. 17.2")
@pytest.mark.parametrize("number", ["（2025）沪01民初1234号", "(2025)沪0101执12号", "（2024）最高法民终5号",
                                    "（２０２３）沪71行初3号", "（2015）浦执字第1234号", "（2014）沪一中民四（商）终字第12号"])
def test_a_court_names_its_case_in_the_national_format(number):
    d = rules.decide(person("judicial", purpose=None, case_no=number, unit_subkind="court"), facts())
    assert d.allowed and d.items == frozenset(ITEMS) and d.lists == {BLACK_PUBLIC, BLACK_ORGANS}
    assert d.access["arrears"].basis == "law:judicial" and d.identity
    assert rules.normalise_case_number(number).startswith("（")


@pytest.mark.article("Art. 17.2")
@pytest.mark.parametrize("number, subkind", [
    ("", "court"), ("2025-1234", "court"), ("沪01民初1234号", "court"), ("（2031）沪01民初1号", "court"),
    ("沪浦检刑诉〔2025〕12号", "court"), ("（2025）沪01民初1234号", "procuratorate"), ("case 12", "procuratorate"),
    ("（2025）沪01民初1234号", None),
])
def test_anything_else_is_refused_with_the_format_shown(number, subkind):
    d = rules.decide(person("judicial", purpose=None, case_no=number, unit_subkind=subkind), facts())
    assert not d.allowed and d.article == "Art. 17.2"
    assert ("（2025）沪01民初1234号" in d.reason and "沪浦检刑诉〔2025〕12号" in d.reason) or "not recorded" in d.reason


@pytest.mark.article("Art. 17.2")
@pytest.mark.parametrize("number", ["沪浦检刑诉〔2025〕12号", "沪浦检刑诉[2025]12号", "沪检二部刑诉（2024）7号"])
def test_a_procuratorate_names_its_document(number):
    d = rules.decide(person("judicial", purpose=None, case_no=number, unit_subkind="procuratorate"), facts())
    assert d.allowed


@pytest.mark.article("Art. 14.1")
def test_credit_service_gets_a_persons_public_items_only_when_a_law_makes_them_public():
    d = rules.decide(person("credit-service", purpose="credit-assessment"), facts())
    assert d.items == {"penalty", "licence"} and d.article == "Art. 14.1"
    assert not d.access["market-ban"].visible and d.access["market-ban"].article == "Art. 14.1"
    consent = auth(items=frozenset({"market-ban"}), purpose="credit-assessment")
    d = rules.decide(person("credit-service", purpose="credit-assessment"), facts(auths=(consent,)))
    assert "market-ban" in d.items
    # organizations: their public items, as anyone's (Art. 15); non-public with authorization (Art. 17.3)
    d = rules.decide(req("credit-service", purpose="credit-assessment"), facts())
    assert d.items == PUBLIC_ORG_ITEMS and d.article == "Art. 15"
    a = auth(purpose="credit-assessment")
    d = rules.decide(req("credit-service", purpose="credit-assessment"), facts(auths=(a,)))
    assert d.items == PUBLIC_ORG_ITEMS | {"arrears"} and d.article == "Art. 17.3"
    assert not rules.decide(req("credit-service", purpose=""), facts()).allowed


@pytest.mark.article("Art. 6.2")
def test_other_identified_inquirers_get_a_persons_public_items_for_a_stated_purpose():
    d = rules.decide(person("enterprise", purpose="tenancy"), facts())
    assert d.allowed and d.items == {"penalty", "licence", "market-ban"} and d.article == "Art. 6.2"
    d = rules.decide(person("enterprise", purpose=None), facts())
    assert not d.allowed and d.article == "Art. 17.3"
    # an organization's public information needs no stated purpose
    assert rules.decide(req("enterprise", purpose=None), facts()).items == PUBLIC_ORG_ITEMS
    # another subject is an identified inquirer too
    other = req("subject", unit_id=None, officer=None, asker_subject_id=99, purpose=None)
    assert rules.decide(other, facts()).kind == rules.K_IDENTIFIED


@pytest.mark.article("Art. 15")
def test_public_sees_public_items_of_organizations_only():
    d = rules.decide(req("public", unit_id=None, purpose=None, officer=None), facts())
    assert d.allowed and d.items == PUBLIC_ORG_ITEMS and d.lists == {BLACK_PUBLIC}
    d = rules.decide(person("public", unit_id=None, purpose=None, officer=None), facts())
    assert not d.allowed and d.article == "Art. 6.1" and not d.identity


@pytest.mark.article("Art. 6.1")
def test_an_item_or_list_is_opened_for_natural_persons_only_on_an_external_basis():
    items = {**ITEMS, "penalty": replace(ITEMS["penalty"], opened_for_persons=True)}
    lists = {**LISTS, BLACK_PUBLIC: replace(LISTS[BLACK_PUBLIC], opened_for_persons=True)}
    d = rules.decide(person("public", unit_id=None, purpose=None, officer=None), facts(items=items, lists=lists))
    assert d.allowed and d.items == {"penalty"} and d.lists == {BLACK_PUBLIC} and d.article == "Art. 6.1"


@pytest.mark.article("Art. 20(1)")
def test_the_center_sees_content_only_within_an_open_case_and_the_supervisor_never():
    d = rules.decide(person("operator"), facts())
    assert not d.allowed and d.article == "Art. 20(1)"
    d = rules.decide(person("operator", case_no="YY-1"), facts())
    assert not d.allowed and d.article == "Art. 20(1)"
    d = rules.decide(person("operator", case_no="YY-1", open_cases={"YY-1": frozenset({5})}), facts())
    assert d.allowed and d.record_ids == {5}
    d = rules.decide(person("supervisor"), facts())
    assert not d.allowed and d.article == "Art. 20(1)"
    # what the public sees of an organization, they see too
    assert rules.decide(req("supervisor"), facts()).items == PUBLIC_ORG_ITEMS


@pytest.mark.article("Art. 11")
def test_a_provider_sees_the_records_it_provided_and_nothing_else():
    d = rules.decide(person("administrative", own_records=True, officer=None), facts())
    assert d.allowed and d.unit_records == 1 and not d.lists
    mine = RecordFacts(1, "arrears", True, date(2025, 1, 1), "restored", False, unit_id=1)
    theirs = replace(mine, unit_id=2)
    revoked = replace(mine, status="revoked")
    assert rules.servable(mine, d, TODAY)[0]
    assert not rules.servable(theirs, d, TODAY)[0] and not rules.servable(revoked, d, TODAY)[0]


@pytest.mark.article("Art. 25.3")
def test_lists_public_by_their_rules_organs_lists_only_to_organs_naming_them():
    organ_lists = {(BLACK_ORGANS, "permit"): date(2025, 1, 1)}
    d = rules.decide(req("administrative"), facts())
    assert d.lists == {BLACK_PUBLIC}
    assert d.list_access[BLACK_ORGANS].article == "Art. 17.2"
    d = rules.decide(req("administrative"), facts(organ_lists=organ_lists))
    assert d.lists == {BLACK_PUBLIC, BLACK_ORGANS}
    # a person on a public list: not to the public (Art. 6.1), to a credit service when a law publishes the list
    assert rules.decide(person("administrative"), facts()).lists == set()
    assert rules.decide(person("administrative"), facts(organ_lists=organ_lists)).lists == {BLACK_ORGANS}
    assert rules.decide(person("credit-service", purpose="credit-assessment"), facts()).lists == {BLACK_PUBLIC}
    assert rules.entry_visible(BLACK_PUBLIC, rules.decide(req("public", unit_id=None, officer=None), facts()))


KINDS = [
    ("administrative", {}), ("judicial", {"case_no": "（2025）沪01民初1234号", "unit_subkind": "court"}),
    ("credit-service", {"purpose": "credit-assessment"}), ("enterprise", {"purpose": "tenancy"}),
    ("operator", {}), ("supervisor", {}), ("public-institution", {"mandate": True}),
]


@pytest.mark.article("Art. 15")
@pytest.mark.parametrize("target", ["organization", "natural_person"])
@pytest.mark.parametrize("role, extra", KINDS)
def test_the_decision_is_monotone_over_public_visibility(role, extra, target):
    public = rules.decide(req("public", unit_id=None, officer=None, purpose=None, target_kind=target), facts())
    d = rules.decide(req(role, target_kind=target, **extra), facts())
    assert public.items <= d.items and public.lists <= d.lists


@pytest.mark.article("Art. 35.2")
def test_only_servable_records_leave():
    d = rules.decide(req("administrative"), facts())
    ok = RecordFacts(1, "penalty", True, date(2024, 1, 1), "active", False)
    assert rules.servable(ok, d, TODAY) == (True, ())
    assert rules.servable(replace(ok, ended_on=date(2020, 6, 15)), d, TODAY) == (False, ())  # 5 years over
    assert rules.servable(replace(ok, ended_on=date(2020, 6, 16)), d, TODAY)[0]  # the last day
    assert rules.servable(replace(ok, ended_on=None), d, TODAY)[0]  # continuing: not begun
    assert rules.servable(replace(ok, objection_open=True), d, TODAY) == (True, ("under_objection",))
    assert not rules.servable(replace(ok, item_code="arrears"), d, TODAY)[0]


@pytest.mark.article("Art. 37")
def test_revoked_never_served():
    d = rules.decide(req("subject", unit_id=None, officer=None, asker_subject_id=ORG, purpose=None), facts())
    assert not rules.servable(RecordFacts(1, "penalty", True, date(2024, 1, 1), "revoked", False), d, TODAY)[0]


@pytest.mark.article("Art. 11")
def test_withdrawn_never_served():
    d = rules.decide(req("subject", unit_id=None, officer=None, asker_subject_id=ORG, purpose=None), facts())
    assert not rules.servable(RecordFacts(1, "penalty", True, date(2024, 1, 1), "withdrawn", False), d, TODAY)[0]


@pytest.mark.article("Art. 38")
def test_restored_hidden_except_from_the_subject_marked():
    restored = RecordFacts(1, "penalty", True, date(2024, 1, 1), "restored", False)
    own = rules.decide(req("subject", unit_id=None, officer=None, asker_subject_id=ORG, purpose=None), facts())
    assert rules.servable(restored, own, TODAY) == (True, ("restored",))
    assert not rules.servable(restored, rules.decide(req("administrative"), facts()), TODAY)[0]


@pytest.mark.article("Art. 17.2")
def test_refusals_name_configuration_only():
    """Why an item is not visible is the same whatever the subject holds: the decision reads no record."""
    import inspect

    assert "rows" not in inspect.signature(rules.decide).parameters
    d = rules.decide(person("administrative", purpose="recruitment"), facts())
    assert all(str(PERSON) not in a.reason for a in d.access.values())


def test_the_policy_table_covers_every_kind_and_matches_the_docs():
    from pathlib import Path

    cells = {(k, s, d) for k in rules.INQUIRER_KINDS for s in ("person", "organization")
             for d in ("public", "non-public")}
    assert set(rules.POLICY) == cells
    doc = (Path(__file__).resolve().parents[2] / "docs" / "visibility.md").read_text(encoding="utf-8")
    for (kind, subject, disclosure), (opens, article) in rules.POLICY.items():
        row = f"| {kind} | {subject} | {disclosure} | {opens} | {article} |"
        assert row in doc, f"docs/visibility.md lacks the row {row}"
