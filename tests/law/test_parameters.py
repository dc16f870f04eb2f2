from __future__ import annotations

from datetime import date

import pytest

from xinyong.law.articles import ArticleRef
from xinyong.law.errors import LawError, ParameterNotInForce
from xinyong.law.parameters import all_parameters, load_parameters, parameter, value

IN_FORCE = date(2017, 10, 1)
DAY = date(2024, 6, 3)

EXPECTED = {
    "regulation.in_force_from": (date(2017, 10, 1), "Art. 56"),
    "inquiry.untrustworthy_period_years": (5, "Art. 35.1"),
    "report.free_per_year_natural_person": (2, "Art. 34.2"),
    "objection.center.note_working_days": (1, "Art. 36.2"),
    "objection.center.decide_working_days": (5, "Art. 36.2(1)"),
    "objection.center.transfer_working_days": (2, "Art. 36.2(2)"),
    "objection.provider.decide_working_days": (5, "Art. 36.2(2)"),
    "objection.credit_service.note_working_days": (1, "Art. 36.3"),
    "objection.credit_service.decide_working_days": (7, "Art. 36.3"),
    "revocation.delete_working_days": (3, "Art. 37"),
    "restoration.hide_working_days": (3, "Art. 38"),
    "fine.center_improper_inquiry_yuan": ((10000, 100000), "Art. 51.1"),
    "fine.rights_breach_not_corrected_yuan": ((10000, 50000), "Art. 51.3"),
}
# The civil-capacity ages come from civil law, in force long before the regulation: a record of
# conduct from before 2017-10-01 still needs them (Art. 2).
CIVIL_LAW = {
    "subject.full_capacity_age": (18, "Art. 2.1"),
    "subject.labour_income_capacity_age": (16, "Art. 2.1"),
}


@pytest.mark.article("Art. 2.1")
@pytest.mark.parametrize(("name", "expected"), sorted(CIVIL_LAW.items()))
def test_civil_capacity_ages_hold_since_civil_law(name, expected):
    val, article = expected
    assert value(name, date(1990, 1, 1)) == val == value(name, DAY)
    assert parameter(name).at(DAY).article == ArticleRef.parse(article)
    with pytest.raises(ParameterNotInForce):
        parameter(name).at(date(1986, 12, 31))


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_regulation_numbers(name, expected):
    val, article = expected
    pv = parameter(name).at(DAY)
    assert pv.value == val
    assert pv.article == ArticleRef.parse(article)
    assert pv.since == IN_FORCE
    assert pv.until is None
    assert pv.source
    assert value(name, DAY) == val


@pytest.mark.article("Art. 56")
def test_in_force_from_is_the_chinese_date_not_the_translation_slip():
    assert value("regulation.in_force_from", IN_FORCE) == date(2017, 10, 1)


@pytest.mark.article("Art. 35.1")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_before_the_regulation_took_effect_nothing_is_in_force(name):
    with pytest.raises(ParameterNotInForce) as info:
        parameter(name).at(date(2017, 9, 30))
    message = info.value.message
    assert name in message and "2017-09-30" in message
    assert info.value.article == EXPECTED[name][1]
    assert EXPECTED[name][1] in message


@pytest.mark.article("Art. 15")
def test_publicity_periods_switch_on_2026_04_01():
    before, after = date(2026, 3, 31), date(2026, 4, 1)
    # NDRC Order 58 (2023): 3 months to 3 years; 1 year minimum in the special fields
    assert value("publicity.penalty.general.min_months", before) == 3
    assert value("publicity.penalty.general.max_months", before) == 36
    assert value("publicity.penalty.special_field.min_months", before) == 12
    assert value("publicity.penalty.special_field.max_months", before) == 36
    assert "58" in parameter("publicity.penalty.general.max_months").at(before).source
    # NDRC Order 36 (2025): slight ≤ 3 months; general 3 months–1 year; serious 1–3 years
    assert value("publicity.penalty.general.min_months", after) == 3
    assert value("publicity.penalty.general.max_months", after) == 12
    assert value("publicity.penalty.slight.min_months", after) == 0
    assert value("publicity.penalty.slight.max_months", after) == 3
    assert value("publicity.penalty.serious.min_months", after) == 12
    assert value("publicity.penalty.serious.max_months", after) == 36
    assert "36" in parameter("publicity.penalty.general.max_months").at(after).source
    assert parameter("publicity.penalty.general.max_months").at(before).until == before
    # categories that exist under one rule only are not in force under the other
    with pytest.raises(ParameterNotInForce):
        value("publicity.penalty.special_field.min_months", after)
    with pytest.raises(ParameterNotInForce):
        value("publicity.penalty.serious.max_months", before)
    for p in all_parameters():
        if p.name.startswith("publicity."):
            assert p.article == ArticleRef.parse("Art. 15")


def test_every_parameter_is_sourced_and_cites_a_real_article():
    params = all_parameters()
    assert len({p.name for p in params}) == len(params)
    assert set(EXPECTED) <= {p.name for p in params}
    for p in params:
        assert p.description and p.unit and p.source
        assert isinstance(p.article, ArticleRef)
        for a, b in zip(p.values, p.values[1:]):
            assert a.until is not None and a.until < b.since


def test_unknown_parameter():
    with pytest.raises(LawError, match="unknown legal parameter"):
        parameter("objection.center.guess_working_days")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x:\n  description: d\n  unit: u\n  article: Art. 57\n  source: s\n  values: [{value: 1, since: 2017-10-01}]\n",
         "Art. 57"),
        ("x:\n  description: d\n  unit: u\n  article: Art. 1\n  source: s\n  values: []\n", "non-empty"),
        ("x:\n  description: d\n  unit: u\n  article: Art. 1\n  source: s\n  extra: 1\n  values: [{value: 1, since: 2017-10-01}]\n",
         "unknown keys"),
        ("x:\n  description: d\n  unit: u\n  article: Art. 1\n  source: s\n  values:\n"
         "    - {value: 1, since: 2017-10-01}\n    - {value: 2, since: 2018-01-01}\n", "overlap"),
        ("x:\n  description: d\n  unit: u\n  article: Art. 1\n  source: s\n  values: [{value: 1, since: 2018-01-01, until: 2017-01-01}]\n",
         "before since"),
        ("x:\n  description: d\n  unit: u\n  article: Art. 1\n  source: s\n  values: [{value: 1, since: soon}]\n", "not a date"),
    ],
)
def test_bad_parameter_files_are_refused(text, fragment):
    with pytest.raises(LawError) as info:
        load_parameters(text)
    assert fragment in info.value.message


def test_later_value_takes_over():
    params = load_parameters(
        "x:\n  description: d\n  unit: working_days\n  article: Art. 37\n  source: s\n  values:\n"
        "    - {value: 3, since: 2017-10-01, until: 2029-12-31}\n"
        "    - {value: 2, since: 2030-01-01, source: an amendment}\n"
    )
    p = params["x"]
    assert p.at(date(2029, 12, 31)).value == 3
    assert p.at(date(2030, 1, 1)).value == 2
    assert p.at(date(2030, 1, 1)).source == "an amendment"
    assert p.at(date(2029, 12, 31)).source == "s"
