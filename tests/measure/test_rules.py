"""Pure rules of the application list and the check."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.errors import Forbidden, InvalidInput, RuleViolation
from xinyong.measure import rules
from xinyong.measure.rules import MeasureFacts

D = date(2025, 6, 16)


def facts(**kw):
    base = dict(id=1, kind="punishment", state="published", published_on=date(2025, 6, 1),
                targets=frozenset({"organization"}), contexts=frozenset({"permit"}),
                incident_items=frozenset({"penalty"}), incident_lists=frozenset({7}), reaches_responsible=False,
                announced_on=date(2025, 6, 1))
    base.update(kw)
    return MeasureFacts(**base)


REC = {"type": "record", "record_id": 1, "item": "penalty", "article": "Art. 9.2(4)", "document": {"number": "n"}}
ENTRY = {"type": "list-entry", "entry_id": 3, "list_id": 7, "relation": "subject", "article": "Art. 25.2(1)"}


@pytest.mark.article("Art. 22")
def test_only_the_supervisor_compiles_and_every_column_is_named():
    rules.may_compile("supervisor")
    with pytest.raises(Forbidden):
        rules.may_compile("administrative")
    with pytest.raises(Forbidden):
        rules.may_compile("console")
    rules.columns_complete("处罚", ["penalty"], [], ["organization"], "某局", ["permit"])
    for args in ((" ", ["penalty"], [], ["organization"], "某局", ["permit"]),
                 ("处罚", [], [], ["organization"], "某局", ["permit"]),
                 ("处罚", ["penalty"], [], ["robot"], "某局", ["permit"]),
                 ("处罚", ["penalty"], [], ["organization"], "", ["permit"])):
        with pytest.raises(RuleViolation):
            rules.columns_complete(*args)
    assert rules.kind_article("restriction", "(7)") == "Art. 31(7)"
    with pytest.raises(InvalidInput):
        rules.kind_article("incentive", "6")


@pytest.mark.article("Art. 32.1")
def test_basis_named_and_grounds_required():
    with pytest.raises(RuleViolation):
        rules.basis_named("", "law")
    with pytest.raises(RuleViolation):
        rules.basis_named("某法", "rumour")
    assert rules.grounds_for(facts(), "organization", "permit", D, [REC], [ENTRY]) == [REC, ENTRY]
    assert rules.grounds_for(facts(), "organization", "permit", D, [], []) == []
    assert rules.grounds_for(facts(), "organization", "procurement", D, [REC], []) == []
    assert rules.grounds_for(facts(), "natural_person", "permit", D, [REC], [ENTRY]) == []
    with pytest.raises(RuleViolation):
        rules.application_grounds({"2": [REC]}, 1)
    assert rules.application_grounds({"1": [REC]}, 1) == [REC]


@pytest.mark.article("Art. 31")
def test_restriction_needs_law_or_administrative_regulation():
    rules.restriction_basis("restriction", "law")
    rules.restriction_basis("restriction", "administrative-regulation")
    rules.restriction_basis("punishment", "policy")
    for level in ("local-regulation", "policy"):
        with pytest.raises(RuleViolation) as exc:
            rules.restriction_basis("restriction", level)
        assert exc.value.article == "Art. 31"


@pytest.mark.article("Art. 32.2")
def test_unannounced_measures_are_never_applied():
    on = date(2025, 6, 10)  # officially announced
    assert rules.announced("published", date(2025, 6, 16), on, D)
    assert not rules.announced("published", date(2025, 6, 17), on, D)
    assert not rules.announced("draft", None, on, D)
    assert not rules.announced("withdrawn", date(2025, 1, 1), on, D)
    assert rules.grounds_for(facts(state="draft", published_on=None), "organization", "permit", D, [REC], []) == []
    with pytest.raises(RuleViolation) as exc:
        rules.check_announced("draft", None, on, D)
    assert exc.value.article == "Art. 32.2"


@pytest.mark.article("Art. 32.2")
def test_a_measure_counts_as_announced_only_from_its_official_announcement():
    assert rules.officially_announced(D, D) and rules.officially_announced(date(2025, 1, 1), D)
    assert not rules.officially_announced(date(2025, 6, 17), D)  # announced tomorrow: not yet
    assert not rules.officially_announced(None, D)  # published on the page, never officially announced
    assert not rules.announced("published", date(2025, 6, 1), None, D)
    assert not rules.announced("published", date(2025, 6, 1), date(2025, 6, 17), D)
    assert not rules.announced("draft", None, date(2025, 6, 1), D)  # announced, but not on /measures
    assert rules.grounds_for(facts(announced_on=None), "organization", "permit", D, [REC], []) == []
    assert rules.grounds_for(facts(announced_on=date(2025, 6, 17)), "organization", "permit", D, [REC], []) == []
    assert rules.grounds_for(facts(), "organization", "permit", D, [REC], []) == [REC]
    with pytest.raises(RuleViolation) as exc:
        rules.check_announced("published", date(2025, 6, 1), None, D)
    assert exc.value.article == "Art. 32.2"


@pytest.mark.article("Art. 22")
def test_an_official_announcement_names_where_and_its_document():
    for where in rules.ANNOUNCED_IN:
        rules.announcement_valid(where, "沪信用公告〔2025〕1号")
    with pytest.raises(RuleViolation) as exc:
        rules.announcement_valid("a blog", "沪信用公告〔2025〕1号")
    assert exc.value.article == "Art. 22" and exc.value.field == "announced_in"
    with pytest.raises(RuleViolation):
        rules.announcement_valid("gazette", "  ")


@pytest.mark.article("Art. 28.1")
def test_checks_are_made_by_organs_through_officers():
    rules.may_check("administrative", "A-001")
    with pytest.raises(Forbidden):
        rules.may_check("credit-service", "A-001")
    with pytest.raises(RuleViolation):
        rules.may_check("administrative", None)


@pytest.mark.article("Art. 33")
def test_responsible_persons_reached_only_when_the_measure_says_so():
    person = {**ENTRY, "relation": "responsible", "role": "principal", "article": "Art. 33"}
    assert rules.grounds_for(facts(), "natural_person", "permit", D, [], [person]) == []
    reach = facts(reaches_responsible=True)
    assert rules.grounds_for(reach, "natural_person", "permit", D, [], [person]) == [person]
    assert not rules.reaches_through_responsibility(reach, 8)


@pytest.mark.article("Art. 33")
def test_the_triggers_an_organ_must_see_depend_on_the_subjects_kind():
    m = rules.MeasureFacts(1, "punishment", "published", date(2025, 1, 1), frozenset({"organization"}),
                           frozenset({"permit"}), frozenset({"penalty"}), frozenset({3}), True,
                           announced_on=date(2025, 1, 1))
    assert rules.triggers_for(m, "organization") == (["penalty"], [3])
    assert rules.triggers_for(m, "natural_person") == ([], [3])  # a responsible person: the lists only
    assert rules.triggers_for(m, "government_organ") == ([], [])
    r = rules.MeasureFacts(2, "restriction", "published", date(2025, 1, 1), frozenset({"organization"}),
                           frozenset({"permit"}), frozenset({"penalty"}), frozenset({3}), False)
    assert rules.triggers_for(r, "organization") == ([], [3])  # Art. 31: lists only


@pytest.mark.article("Art. 22")
def test_an_organ_implements_the_named_organs_measures_or_a_class():
    base = dict(id=1, kind="punishment", state="published", published_on=date(2025, 1, 1),
                targets=frozenset({"organization"}), contexts=frozenset({"permit"}), incident_items=frozenset(),
                incident_lists=frozenset(), reaches_responsible=False)
    assert rules.implements(rules.MeasureFacts(**base, implementing_units=frozenset({7})), 7)
    assert not rules.implements(rules.MeasureFacts(**base, implementing_units=frozenset({7})), 8)
    assert rules.implements(rules.MeasureFacts(**base, implementing_class="context"), 8)
    assert not rules.implements(rules.MeasureFacts(**base, implementing_class="context"), None)
    with pytest.raises(RuleViolation):
        rules.implementing_named([], None)


