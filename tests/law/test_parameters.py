from __future__ import annotations

from datetime import date

import pytest

from xinyong.law.articles import ArticleRef
from xinyong.law.errors import LawError, ParameterNotInForce
from xinyong.law.parameters import all_parameters, load_parameters, overlaid, parameter, value

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


# ---------------------------------------------------------------------------------------------
# Where a number comes from: platform policy, and the level of another legal source


@pytest.mark.article("Art. 24")
def test_list_comment_minimum_is_a_dated_platform_policy_parameter():
    p = parameter("listing.comment_min_days")
    assert p.article == ArticleRef.parse("Art. 24") and p.unit == "days"
    assert p.kind == "platform-policy" and p.is_policy and p.level is None
    assert "platform policy" in p.source and "国办发〔2020〕49号" in p.source
    assert value("listing.comment_min_days", DAY) == 30
    with pytest.raises(ParameterNotInForce):
        value("listing.comment_min_days", date(2017, 9, 30))


@pytest.mark.article("Art. 36.2(2)")
def test_inform_promptly_is_a_dated_platform_policy_parameter():
    p = parameter("objection.center.inform_working_days")
    assert p.article == ArticleRef.parse("Art. 36.2(2)") and p.unit == "working_days"
    assert p.kind == "platform-policy" and "及时" in p.source and "PLATFORM POLICY" in p.description
    assert value("objection.center.inform_working_days", DAY) == 1
    # the regulation's own numbers are legal, not policy
    assert parameter("objection.center.decide_working_days").kind == "legal"


def test_no_environment_variable_replaces_a_parameter(monkeypatch):
    # the numbers used to come from XINYONG_LIST_COMMENT_MIN_DAYS / XINYONG_OBJECTION_INFORM_WORKING_DAYS
    from xinyong.listing import rules as listing_rules

    monkeypatch.setenv("XINYONG_LIST_COMMENT_MIN_DAYS", "3")
    monkeypatch.setenv("XINYONG_OBJECTION_INFORM_WORKING_DAYS", "9")
    assert listing_rules.comment_min_days(DAY) == 30
    assert "listing.comment_min_days" in listing_rules.COMMENT_SOURCE


_OVERRIDE = (
    "inquiry.untrustworthy_period_years.X01:\n  description: d\n  unit: years\n  article: Art. 35.1\n"
    "  source: s\n{extra}  values: [{{value: 3, since: 2017-10-01}}]\n"
)


@pytest.mark.article("Art. 35.1")
@pytest.mark.parametrize("level", ["law", "administrative-regulation", "local-regulation", "national-provision"])
def test_an_items_own_period_records_the_level_of_its_source(level):
    p = load_parameters(_OVERRIDE.format(extra=f"  level: {level}\n"))["inquiry.untrustworthy_period_years.X01"]
    assert p.level == level and p.kind == "legal"


@pytest.mark.article("Art. 35.1")
@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("", "give the level of its source"),  # an override exists only because another source says so
        ("  level: guideline\n", "level 'guideline' is not one of"),
        ("  level: law\n  kind: platform-policy\n", "a platform policy has no legal level"),
        ("  level: law\n  kind: custom\n", "kind 'custom' is not one of"),
    ],
)
def test_level_and_kind_are_validated(extra, fragment):
    with pytest.raises(LawError) as info:
        load_parameters(_OVERRIDE.format(extra=extra))
    assert fragment in info.value.message


def test_overlaid_parameters_apply_only_inside_the_block():
    extra = load_parameters(_OVERRIDE.format(extra="  level: law\n"))
    name = "inquiry.untrustworthy_period_years.X01"
    with pytest.raises(LawError):
        parameter(name)
    with overlaid(extra):
        assert value(name, DAY) == 3
        assert value("inquiry.untrustworthy_period_years", DAY) == 5  # the packaged ones stay
        assert name in {p.name for p in all_parameters()}
    with pytest.raises(LawError):
        parameter(name)
