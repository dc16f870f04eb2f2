"""Subject identifiers (Art. 2): USCC (GB 32100-2015) and resident ID numbers (GB 11643-1999)."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import uscc as stdnum_uscc

from xinyong.errors import InvalidInput
from xinyong.subject import identifiers as ids
from xinyong.subject.identifiers import (
    Identifier,
    check_uscc,
    explain_unusable,
    normalise,
    org_code_check_char,
    parse_identifier,
    parse_ric,
    parse_uscc,
    ric_check_char,
    uscc_check_char,
)
from xinyong.subject.regions import all_regions, lookup_region, parent_region

TODAY = date(2026, 11, 1)

pytestmark = pytest.mark.article("Art. 2")


def make_uscc(first8: str, org_body8: str, *, org_check: str | None = None) -> str:
    """A USCC with correct check characters (or a chosen embedded organization code check)."""
    org = org_body8 + (org_check if org_check is not None else org_code_check_char(org_body8))
    first17 = first8 + org
    return first17 + uscc_check_char(first17)


def make_ric(region: str, born: str, seq: str) -> str:
    first17 = region + born + seq
    return first17 + ric_check_char(first17)


def reason(exc: pytest.ExceptionInfo[InvalidInput]) -> str:
    return exc.value.details["reason"]


# --- errors carry the article --------------------------------------------------------------------


def test_errors_name_article_field_and_code():
    with pytest.raises(InvalidInput) as exc:
        parse_identifier("91510100633114155X", today=TODAY)
    e = exc.value
    assert e.article == "Art. 2"
    assert e.field == "identifier"
    assert e.code == "invalid_identifier"
    assert e.message == "invalid USCC 91510100633114155X: check character is 'X', expected 'W'"
    assert e.details["defects"] == [{"code": "check_character", "message": "check character is 'X', expected 'W'"}]


def test_rules_are_registered_under_art_2():
    from xinyong.law.rules import REGISTRY

    names = {
        "uscc_format",
        "uscc_check_character",
        "uscc_authority_and_type",
        "uscc_region",
        "uscc_embedded_org_code",
        "ric_format",
        "ric_check_character",
        "ric_region",
        "ric_birth_date",
    }
    registered = {r.func.__name__: r for r in REGISTRY.values() if r.func.__module__ == ids.__name__}
    assert names <= set(registered)
    assert all(registered[n].article == "Art. 2" for n in names)


# --- resident ID numbers -----------------------------------------------------------------------------


def test_standard_example_passes():
    i = parse_identifier("11010519491231002X", today=TODAY)
    assert i.scheme == "ric"
    assert i.kind == "natural_person"
    assert i.birth_date == date(1949, 12, 31)
    assert i.sex == "F"  # 17th digit 2: even
    assert i.region_code == "110105"
    assert i.region_name == "北京市朝阳区"
    assert not i.region_abolished
    assert parse_ric("11010519491231002X", today=TODAY) == i


def test_ric_lowercase_x_is_normalised_and_reported():
    i = parse_identifier("11010519491231002x", today=TODAY)
    assert i.code == "11010519491231002X"
    assert i.normalisations == ("upper-cased check letter 'x'",)


def test_ric_masked_and_never_in_repr():
    i = parse_identifier("11010519491231002X", today=TODAY)
    assert i.masked() == "110105********002X"
    assert str(i) == "110105********002X"
    assert "19491231" not in repr(i)
    assert "11010519491231002X" not in repr(i)


def test_a_fifteen_digit_number_is_masked_without_any_digit_of_the_birth_date():
    from xinyong.subject.identifiers import mask_ric

    assert mask_ric("110105491231002") == "110105******002"  # region, then YYMMDD hidden, the sequence
    assert mask_ric("11010519491231002X") == "110105********002X"


def test_ric_messages_never_echo_the_number():
    bad = "11010519491231002" + "1"
    with pytest.raises(InvalidInput) as exc:
        parse_ric(bad, today=TODAY)
    assert bad not in exc.value.message
    assert exc.value.message == "invalid resident ID number: check character is '1', expected 'X'"


def test_ric_abolished_shanghai_region_accepted_and_flagged():
    code = make_ric("310103", "19800115", "123")  # 卢湾区, merged into 黄浦区 in 2011
    i = parse_identifier(code, today=TODAY)
    assert i.scheme == "ric"
    assert i.region_abolished is True
    assert i.region_name == "上海市卢湾区"
    assert i.region.until == 2011
    assert i.sex == "M"  # 3 is odd
    assert any("abolished 2011" in w for w in i.warnings)
    assert i.masked() == "310103********" + code[-4:]


@pytest.mark.parametrize(
    ("region", "name", "year"),
    [("310103", "上海市卢湾区", 2011), ("310108", "上海市闸北区", 2015), ("310119", "上海市南汇区", 2009)],
)
def test_ric_region_abolished_before_birth_is_refused(region, name, year):
    born_after = make_ric(region, f"{year + 1}0101", "002")
    for parse in (parse_ric, parse_identifier):
        with pytest.raises(InvalidInput) as exc:
            parse(born_after, today=TODAY)
        assert reason(exc) == "region_abolished_before_birth"
        assert exc.value.message == (f"invalid resident ID number: region code {region} ({name}) was abolished in "
                                     f"{year}, before the holder's birth: no number is issued under it after that")
        assert born_after not in exc.value.message and born_after[6:14] not in exc.value.message
    assert not ids.is_valid(born_after, today=TODAY)
    # born in the year of abolition, or before: the number may have been issued under it
    for born in (f"{year}1231", f"{year}0101", "19800115"):
        i = parse_identifier(make_ric(region, born, "002"), today=TODAY)
        assert i.scheme == "ric" and i.region_abolished and f"abolished {year}" in i.warnings[0]


def test_ric_region_created_after_birth_is_fine():
    # 310151 崇明区 since 2016; 310118 青浦区 since 1999: numbers are issued (or re-issued) after birth
    assert lookup_region("310151").since == 2016
    assert parse_ric(make_ric("310151", "19700101", "003"), today=TODAY).region_name == "上海市崇明区"
    assert parse_ric(make_ric("310118", "19600101", "003"), today=TODAY).region_code == "310118"


def test_ric_region_abolished_in_an_unknown_year_is_not_refused(monkeypatch):
    from xinyong.subject import regions

    gone = regions.Region(code="310103", name="卢湾区", abolished=True, province="上海市", until=None)
    table = {**regions.all_regions(), "310103": gone}
    monkeypatch.setattr(regions, "_table", lambda: table)
    i = parse_ric(make_ric("310103", "20200101", "002"), today=TODAY)
    assert i.region_abolished and i.region.until is None


def test_ric_future_birth_date():
    code = make_ric("110105", "20310203", "002")
    with pytest.raises(InvalidInput) as exc:
        parse_ric(code, today=TODAY)
    assert exc.value.message == "invalid resident ID number: the birth date (digits 7-14) is in the future"
    assert "2031" not in exc.value.message  # the birth date is personal information
    assert reason(exc) == "birth_date_future"
    # the dispatcher, too, judges it a (defective) ID number
    with pytest.raises(InvalidInput) as exc:
        parse_identifier(code, today=TODAY)
    assert "the birth date (digits 7-14) is in the future" in exc.value.message
    # born today is fine; the date is a parameter, never the clock
    assert parse_ric(code, today=date(2031, 2, 3)).birth_date == date(2031, 2, 3)


def test_ric_impossible_and_too_early_birth_dates():
    with pytest.raises(InvalidInput, match=r"the birth date \(digits 7-14\) is not a real date"):
        parse_ric(make_ric("110105", "19900230", "001"), today=TODAY)
    with pytest.raises(InvalidInput, match=r"the birth date \(digits 7-14\) is before 1880-01-01"):
        parse_ric(make_ric("110105", "18791231", "001"), today=TODAY)


def test_ric_unknown_region():
    with pytest.raises(InvalidInput, match=r"region code 319999 does not exist in GB/T 2260"):
        parse_ric(make_ric("319999", "19800101", "001"), today=TODAY)
    # 100000 is a USCC-only pseudo-region, never a birth place
    with pytest.raises(InvalidInput, match=r"region code 100000 does not exist"):
        parse_ric(make_ric("100000", "19800101", "001"), today=TODAY)


# --- USCC: real codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "region", "kind"),
    [
        ("91510100633114155W", "510100", "organization"),
        ("9111000059062789XU", "110000", "organization"),
        ("91140000MA0KD8UB9X", "140000", "organization"),
    ],
)
def test_real_valid_usccs(code, region, kind):
    i = parse_identifier(code, today=TODAY)
    assert i.scheme == "uscc"
    assert i.code == code
    assert i.kind == kind
    assert i.region_code == region
    assert i.registration_authority == ("9", "工商")
    assert i.org_type == ("1", "企业")
    assert i.org_code == code[8:17]
    assert i.normalisations == ()
    assert i.masked() == code  # organizations' codes are public
    assert i.birth_date is None and i.sex is None


def test_uscc_lowercase_is_normalised_and_reported():
    i = parse_identifier("91510100633114155w", today=TODAY)
    assert i.code == "91510100633114155W"
    assert i.normalisations == ("upper-cased check letter 'w'",)
    i = parse_identifier("91140000ma0kd8ub9x", today=TODAY)
    assert i.code == "91140000MA0KD8UB9X"
    assert i.normalisations == ("upper-cased 7 letters ('makdubx')",)


def test_fullwidth_and_spaces_are_normalised_and_reported():
    i = parse_identifier("\u3000９１５１０１００６３３１１４１５５ｗ ", today=TODAY)
    assert i.code == "91510100633114155W"
    assert i.normalisations == (
        "removed surrounding spaces (1 full-width space, 1 space)",
        "converted 18 full-width characters to half-width",
        "upper-cased check letter 'w'",
    )
    i = parse_identifier("9151 0100 6331 1415 5W", today=TODAY)
    assert i.normalisations == ("removed embedded spaces (4 spaces)",)


def test_normalise_changes_nothing_else():
    assert normalise("91510100633114155W") == ("91510100633114155W", ())
    text, notes = normalise("91510100-633114155W")
    assert text == "91510100-633114155W" and notes == ()


@pytest.mark.parametrize("junk", ["91510100633114155W.", "9151010063311415-5W", "91510100633114155W/"])
def test_dashes_dots_slashes_are_defects_not_normalised(junk):
    with pytest.raises(InvalidInput) as exc:
        parse_identifier(junk, today=TODAY)
    bad = next(c for c in junk if c in ".-/")
    assert f"character '{bad}' at position {junk.index(bad) + 1} is not allowed" in exc.value.message


def test_government_organ():
    code = make_uscc("11310000", "00247960")  # 机构编制 / 机关, Shanghai
    i = parse_identifier(code, today=TODAY)
    assert i.kind == "government_organ"
    assert i.registration_authority == ("1", "机构编制")
    assert i.org_type == ("1", "机关")


def test_national_region_100000_for_central_registrations():
    code = make_uscc("12100000", "40000712")  # 事业单位 registered at central level
    i = parse_uscc(code, today=TODAY)
    assert i.region_code == "100000"
    assert i.region_name == "全国（中央）"
    assert i.kind == "organization"


def test_province_and_prefecture_level_region_codes_accepted():
    assert parse_uscc(make_uscc("11310000", "12345678"), today=TODAY).region_name == "上海市"
    assert parse_uscc(make_uscc("91510100", "12345678"), today=TODAY).region_name == "四川省成都市"


# --- USCC: letter registration authorities (stdnum rejects them) ---------------------------------------


@pytest.mark.parametrize(
    ("first8", "authority", "org_type"),
    [
        ("N2310115", ("N", "农业"), ("2", "村级集体经济组织")),
        ("N1310120", ("N", "农业"), ("1", "组级集体经济组织")),
        ("Y1310101", ("Y", "其他"), ("1", "其他")),
        ("A1110108", ("A", "中央军委改革和编制办公室"), ("1", "军队事业单位")),
    ],
)
def test_letter_authorities_accepted_where_stdnum_rejects(first8, authority, org_type):
    code = make_uscc(first8, "MA1H0001")
    assert not stdnum_uscc.is_valid(code)  # stdnum demands digits in the first 8 characters
    # …though its check character computation agrees with ours
    assert stdnum_uscc.calc_check_digit(code[:17]) == code[17]
    i = parse_uscc(code, today=TODAY)
    assert i.registration_authority == authority
    assert i.org_type == org_type
    assert i.kind == "organization"


def test_unknown_authority_and_type_pairs():
    with pytest.raises(InvalidInput) as exc:
        parse_uscc(make_uscc("94510100", "12345678"), today=TODAY)
    assert "registration authority '9' (工商) has no organization type '4' (GB 32100-2015 allows 1, 2, 3)" in (
        exc.value.message
    )
    assert reason(exc) == "org_type"
    with pytest.raises(InvalidInput, match=r"registration authority 'B' does not exist"):
        parse_uscc(make_uscc("B1510100", "12345678"), today=TODAY)
    with pytest.raises(InvalidInput, match=r"registration authority 'Y' \(其他\) has no organization type '9'"):
        parse_uscc(make_uscc("Y9510100", "12345678"), today=TODAY)


# --- USCC: check characters --------------------------------------------------------------------------


def test_wrong_embedded_org_code_with_correct_outer_check_is_rejected():
    body = "69288628"
    right = org_code_check_char(body)
    wrong = "0" if right != "0" else "1"
    code = make_uscc("91310115", body, org_check=wrong)
    assert stdnum_uscc.is_valid(code)  # the outer check is correct: stdnum is satisfied
    with pytest.raises(InvalidInput) as exc:
        parse_uscc(code, today=TODAY)
    assert exc.value.message == (
        f"invalid USCC {code}: embedded organization code {body}-{wrong} fails its GB 11714 check "
        f"(expected '{right}')"
    )
    assert reason(exc) == "org_code_check"


def test_org_code_check_examples():
    # GB 11714: weights 3 7 9 10 5 8 4 2; check = 11 - sum mod 11; 10 -> X, 11 -> 0
    assert org_code_check_char("73513098") == "1"  # 73513098-1 from the samples
    assert org_code_check_char("59062789") == "X"  # from 9111000059062789XU
    assert org_code_check_char("MA0KD8UB") == "9"  # from 91140000MA0KD8UB9X


def test_outer_check_character_wrong():
    with pytest.raises(InvalidInput, match=r"check character is 'X', expected 'W'"):
        parse_uscc("91510100633114155X", today=TODAY)


def test_forbidden_letters_named_with_a_hint():
    with pytest.raises(InvalidInput) as exc:
        parse_uscc("91330109MA27WOP94X", today=TODAY)
    assert "character 'O' at position 14 is not allowed in a USCC" in exc.value.message
    assert "did you mean '0'?" in exc.value.message


# --- USCC: regions --------------------------------------------------------------------------------------


def test_abolished_shanghai_region_in_uscc_accepted_and_flagged():
    for region, name, year in [("310103", "卢湾区", 2011), ("310108", "闸北区", 2015), ("310119", "南汇区", 2009)]:
        i = parse_uscc(make_uscc("91" + region, "12345678"), today=TODAY)
        assert i.region_abolished is True
        assert i.region_name == "上海市" + name
        assert i.region.until == year


def test_unknown_region_rejected():
    with pytest.raises(InvalidInput) as exc:
        parse_uscc(make_uscc("91990101", "12345678"), today=TODAY)
    assert exc.value.message.endswith(
        "region code 990101 does not exist in GB/T 2260, nor is it in a province that does")
    assert reason(exc) == "region"


def test_registration_authority_codes_outside_gbt2260_are_valid_with_a_note_everywhere():
    code = "91610131MA6U0FBF96"  # real: 西安高新区's registration authority uses 610131
    # one rule for every front door: the keyword is still accepted and changes nothing
    for kw in ({}, {"allow_unlisted_region": False}, {"allow_unlisted_region": True}):
        for parse in (parse_uscc, parse_identifier):
            i = parse(code, today=TODAY, **kw)
            assert i.region_listed is False and i.region.province == "陕西省"
            assert "610131 is not in GB/T 2260" in i.warnings[0]
            assert "registration authority outside GB/T 2260" in i.warnings[0]
            assert "未列入GB/T 2260" in i.region_name  # the name check and the API show
        assert ids.is_valid(code, today=TODAY, **kw) and ids.describe_defects(code, today=TODAY, **kw) == []
        assert check_uscc(code, **kw) == []
    # …but only inside a province that exists
    for kw in ({}, {"allow_unlisted_region": True}):
        with pytest.raises(InvalidInput, match=r"region code 990101 does not exist"):
            parse_uscc(make_uscc("91990101", "12345678"), today=TODAY, **kw)
    # and never in a resident ID number: a birth place is a place of GB/T 2260
    with pytest.raises(InvalidInput, match=r"region code 610131 does not exist in GB/T 2260"):
        parse_ric(make_ric("610131", "19800101", "001"), today=TODAY)


@pytest.mark.parametrize(
    ("code", "province"),
    [  # real codes from the published tax A-grade lists of 2018 (shared/data/real-samples)
        ("9123019905630429XJ", "黑龙江省"),
        ("913601060516037411", "江西省"),
        ("91233003132049009P", "黑龙江省"),
        ("912330051316663717", "黑龙江省"),
    ],
)
def test_development_zone_and_reclamation_area_codes_from_real_lists(code, province):
    i = parse_identifier(code, today=TODAY)
    assert (i.scheme, i.region_code, i.region_listed, i.region.province) == ("uscc", code[2:8], False, province)
    assert i.warnings and f"region code {code[2:8]} is not in GB/T 2260" in i.warnings[0]


# --- dispatch ---------------------------------------------------------------------------------------------


def test_all_digit_uscc_dispatches_to_uscc():
    code = make_uscc("91310115", "12345678")
    if not code[-1].isdigit():  # make it all digits: pick a body whose checks are digits
        for n in range(10000000, 10001000):
            code = make_uscc("91310115", str(n))
            if code[16].isdigit() and code[17].isdigit():
                break
    assert code.isdigit()
    i = parse_identifier(code, today=TODAY)
    assert i.scheme == "uscc"


def test_both_fail_reports_the_more_plausible_reading():
    # an ID number with one wrong digit: reported as an ID number, without echoing it
    good = make_ric("310104", "19850612", "041")
    bad = good[:17] + str((int(good[17]) + 1) % 10 if good[17].isdigit() else 0)
    with pytest.raises(InvalidInput) as exc:
        parse_identifier(bad, today=TODAY)
    assert exc.value.details["scheme"] == "ric"
    assert bad not in exc.value.message


def test_wrong_length():
    with pytest.raises(InvalidInput) as exc:
        parse_identifier("9150322551040658W", today=TODAY)
    assert exc.value.message == "not an identifier: has 17 characters, a USCC or resident ID number has 18"


# --- values that are not identifiers at all -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["9.14E+17", "9.14201E+17", " 9.131e+17 "])
def test_spreadsheet_scientific_notation(value):
    expected = (
        "this looks like a code turned into a number in scientific notation by a spreadsheet: "
        "the digits are lost, ask the provider for the original"
    )
    assert explain_unusable(value) == expected
    with pytest.raises(InvalidInput) as exc:
        parse_identifier(value, today=TODAY)
    assert exc.value.message == expected
    assert reason(exc) == "spreadsheet_number"


def test_spreadsheet_zeroed_tail():
    msg = explain_unusable("915101070549352000")
    assert msg is not None and msg.startswith("this looks like a code damaged by a spreadsheet (915101070549352000)")
    # the outer check passes by chance; only the embedded organization code check catches it
    lucky = "915101067203278000"
    assert stdnum_uscc.is_valid(lucky)
    msg = explain_unusable(lucky)
    assert msg is not None and "the embedded organization code check fails" in msg
    with pytest.raises(InvalidInput) as exc:
        parse_identifier(lucky, today=TODAY)
    assert reason(exc) == "spreadsheet_zeroed"


def test_valid_code_ending_in_000_is_accepted_with_a_warning():
    for n in range(1000):
        code = make_uscc("91310115", f"{n:05d}000")
        if code.isdigit() and code.endswith("000"):
            break
    else:  # pragma: no cover
        pytest.skip("no such code in range")
    assert explain_unusable(code) is None
    i = parse_identifier(code, today=TODAY)
    assert any("ends in 000" in w for w in i.warnings)


def test_old_organization_code():
    assert explain_unusable("73513098-1") == (
        "this is an old 9-character organization code (73513098-1), not a USCC; "
        "ask the provider for the 18-character USCC"
    )
    with pytest.raises(InvalidInput) as exc:
        parse_identifier("73513098-1", today=TODAY)
    assert reason(exc) == "org_code"
    assert "its GB 11714 check fails too (expected '1')" in explain_unusable("73513098-2")


def test_fifteen_digit_numbers():
    msg = explain_unusable("510706600046101")
    assert msg is not None and msg.startswith("15-digit business registration number")
    assert "not a USCC" in msg
    # tax registration number = region + organization code
    msg = explain_unusable("310104" + "MA1FL0X0" + "7")
    assert msg is not None and "15-character tax registration number" in msg and "MA1FL0X0-7" in msg
    # all digits, it may be an old 15-digit ID card number: named, not echoed
    msg = explain_unusable("310104" + "73513098" + "1")
    assert msg is not None and "15-digit tax registration number" in msg and "73513098" not in msg
    with pytest.raises(InvalidInput) as exc:
        parse_identifier("510706600046101", today=TODAY)
    assert reason(exc) == "fifteen_digit"


def test_masked_values():
    msg = explain_unusable("9114082306****333G")
    assert msg is not None and "'*' at positions 11–14" in msg
    with pytest.raises(InvalidInput) as exc:
        parse_identifier("513328************", today=TODAY)
    assert reason(exc) == "masked"
    assert "513328" not in exc.value.message


def test_empty_and_non_text():
    assert explain_unusable("") == "the identifier is empty"
    assert explain_unusable("   ") == "the identifier is empty"
    assert explain_unusable(None) == "the identifier is empty"
    with pytest.raises(InvalidInput):
        parse_identifier(None, today=TODAY)  # type: ignore[arg-type]


def test_explain_unusable_is_none_for_plausible_values():
    assert explain_unusable("91510100633114155W") is None
    assert explain_unusable("91510100633114155X") is None  # bad check, but shaped like a code: parse says why
    assert explain_unusable("11010519491231002X") is None


# --- regions ----------------------------------------------------------------------------------------------------


def test_region_table_coverage():
    table = all_regions()
    assert len(table) > 6500
    assert sum(r.abolished for r in table.values()) > 3000
    for code in ("310102", "310103", "310108", "310111", "310119", "310225", "310226", "310227", "310228",
                 "310229", "310230"):
        assert table[code].abolished, code
    assert not table["310101"].abolished
    assert not table["310151"].abolished  # 崇明区, 2016
    assert lookup_region("310230").name == "崇明县"
    assert lookup_region("120110").former_names == ("东郊区",)
    assert lookup_region("abcdef") is None
    assert lookup_region("100000").name == "全国（中央）"
    assert lookup_region("100000", allow_national=False) is None
    assert parent_region("610131").name == "西安市"


def test_identifier_is_frozen():
    i = parse_identifier("91510100633114155W", today=TODAY)
    assert isinstance(i, Identifier)
    with pytest.raises(AttributeError):
        i.code = "x"  # type: ignore[misc]


def test_check_uscc_reports_every_defect():
    defects = check_uscc("94999999123456780X")
    codes = [d.code for d in defects]
    assert codes == ["check_character", "org_type", "region", "org_code_check"]
