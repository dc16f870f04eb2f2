"""The report rules, pure: free reports (Art. 34.2), organs' reports (Art. 41), sections (Art. 34.1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xinyong.report import rules

FEE = Decimal("20.00")


@pytest.mark.article("Art. 34.2")
@pytest.mark.parametrize(("used", "free", "chargeable"), [(0, True, False), (1, True, False), (2, False, True),
                                                          (5, False, True)])
def test_natural_person_gets_the_free_reports_of_the_year_then_the_fee(used, free, chargeable):
    c = rules.own_report_charge("natural_person", used, 2, FEE)
    assert (c.counted_free, c.chargeable) == (free, chargeable)
    assert c.fee_yuan == (Decimal("0.00") if free else FEE)
    assert c.payer == ("none" if free else "subject")
    assert c.free_rule == "art34.2"


@pytest.mark.article("Art. 34.2")
def test_the_free_count_follows_the_parameter_not_a_literal():
    assert rules.own_report_charge("natural_person", 2, 3, FEE).counted_free
    assert not rules.own_report_charge("natural_person", 0, 0, FEE).counted_free


@pytest.mark.article("Art. 34.2")
@pytest.mark.parametrize("kind", ["organization", "government_organ"])
def test_legal_persons_are_not_covered_by_the_free_report_rule(kind):
    c = rules.own_report_charge(kind, 0, 2, FEE)
    assert c.free_rule == "not_applicable" and not c.counted_free and c.chargeable and c.fee_yuan == FEE


@pytest.mark.article("Art. 41")
@pytest.mark.parametrize("purpose", ["procurement", "tendering", "funding", "recruitment", "appointment",
                                     "promotion", "project-support"])
def test_an_organs_report_in_the_art41_stages_is_never_charged_to_the_subject(purpose):
    c = rules.organ_report_charge(purpose, FEE)
    assert c.free_rule == "art41" and c.article == "Art. 41"
    assert not c.counted_free and not c.chargeable
    assert c.payer == "organ" and c.payer != "subject"
    assert rules.organ_report_charge(purpose, Decimal("0.00")).payer == "none"


@pytest.mark.article("Art. 41")
def test_an_organs_report_for_another_occasion_is_not_charged_to_the_subject_either():
    c = rules.organ_report_charge("permit", FEE)
    assert c.free_rule == "organ" and not c.counted_free and c.payer != "subject"


@pytest.mark.article("Art. 34.1")
@pytest.mark.parametrize(("item", "section"), [
    ("penalty", "administrative"), ("licence", "administrative"), ("commendation", "honours"),
    ("judgment-default", "judicial"), ("commitment", "commitments"), ("arrears", "other"),
    ("false-materials", "other"), ("market-ban", "other"), ("other-untrust", "other"),
    ("some-future-item", "other"),
])
def test_each_catalog_item_has_its_section(item, section):
    assert rules.section_of(item) == section
