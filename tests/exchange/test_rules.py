"""The exchange's rules (pure) and the recipient platform's row of the visibility decision."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.errors import InvalidInput, RuleViolation
from xinyong.exchange import rules
from xinyong.inquiry import rules as inquiry
from xinyong.inquiry.rules import Facts, ItemFacts, Request


@pytest.mark.article("Art. 12")
@pytest.mark.parametrize("code, normal", [("CN", "CN"), ("cn", "CN"), ("CN-SH", "CN-SH"), (" cn-zj ", "CN-ZJ"),
                                          ("CN-XZ", "CN-XZ")])
def test_a_recipient_in_the_mainland_is_accepted(code, normal):
    assert rules.check_recipient_region(code) == normal


@pytest.mark.article("Art. 12")
@pytest.mark.parametrize("code", ["HK", "MO", "TW", "CN-HK", "CN-MO", "CN-TW", "US", "SG", "DE-BY"])
def test_a_recipient_outside_the_mainland_is_refused_as_platform_policy(code):
    with pytest.raises(RuleViolation) as exc:
        rules.check_recipient_region(code)
    assert exc.value.article == "Art. 12"
    assert "outside the mainland" in str(exc.value) and "Personal Information Protection Law" in str(exc.value)


@pytest.mark.parametrize("code", ["", "XX", "CN-QQ", "China", "156"])
def test_a_region_that_is_not_an_iso_3166_code_is_invalid_input(code):
    with pytest.raises(InvalidInput):
        rules.check_recipient_region(code)


def test_watermarks_parse_and_order():
    assert rules.parse_watermark(None) == rules.Watermark(0, 0)
    w = rules.parse_watermark(" r1200.a35 ")
    assert (w.record, w.action, str(w)) == (1200, 35, "r1200.a35")
    assert rules.Watermark(5, 1) < rules.Watermark(5, 2)
    for bad in ("1200", "r1.b2", "r-1.a2", "r1.a2; drop"):
        with pytest.raises(InvalidInput):
            rules.parse_watermark(bad)


MANIFEST = {"sender": {"verify_key": "S"}, "recipient": {"seal_key": "R"},
            "files": [{"name": "CF.jsonl", "sha256": "d1", "rows": 3}]}


@pytest.mark.article("Art. 20(2)")
def test_an_export_is_imported_only_signed_for_this_platform_and_whole():
    ok = {"CF.jsonl": ("d1", 3)}
    rules.check_export_intact(MANIFEST, True, ok, "S", "R")
    cases = [
        (dict(signature_ok=False), "signature"),
        (dict(sender_key="other"), "sender"),
        (dict(own_seal_key="other"), "recipient"),
        (dict(files={"CF.jsonl": None}), "files"),
        (dict(files={"CF.jsonl": ("d2", 3)}), "files"),
        (dict(files={"CF.jsonl": ("d1", 4)}), "files"),
    ]
    for over, field in cases:
        kw = dict(manifest=MANIFEST, signature_ok=True, files=ok, sender_key="S", own_seal_key="R") | over
        with pytest.raises(RuleViolation) as exc:
            rules.check_export_intact(**kw)
        assert exc.value.article == "Art. 20(2)" and exc.value.field == field


def _facts(*items: ItemFacts) -> Facts:
    return Facts(items={i.code: i for i in items}, day=date(2025, 6, 16))


@pytest.mark.article("Art. 12")
def test_a_recipient_platform_receives_public_items_and_never_non_public_ones():
    public = ItemFacts("penalty", "public", True)
    closed = ItemFacts("arrears", "authorized", True)
    for kind in ("natural_person", "organization"):
        req = Request(role=inquiry.PLATFORM, target_id=7, target_kind=kind, purpose="exchange", unit_id=3,
                      officer="console")
        d = inquiry.decide(req, _facts(public, closed))
        assert d.kind == inquiry.K_PLATFORM and d.allowed
        assert d.items == frozenset({"penalty"})
        assert d.access["penalty"].article == "Art. 12"
        assert not d.access["arrears"].visible and d.access["arrears"].article == "Art. 17.3"
        assert d.identity  # the recipient learns whom the record is about (it links it to the subject)


@pytest.mark.article("Art. 7.2")
def test_another_provinces_platform_is_in_another_province():
    assert rules.check_partner("province", "CN-ZJ", "CN-SH") == "Art. 7.2"
    for region in ("CN-SH", "CN"):
        with pytest.raises(RuleViolation) as exc:
            rules.check_partner("province", region, "CN-SH")
        assert exc.value.article == "Art. 7.2"


@pytest.mark.article("Art. 16.1")
def test_a_system_of_the_citys_is_in_the_city():
    assert rules.check_partner("city", "CN-SH", "CN-SH") == "Art. 16.1"
    with pytest.raises(RuleViolation) as exc:
        rules.check_partner("city", "CN-ZJ", "CN-SH")
    assert exc.value.article == "Art. 16.1"


@pytest.mark.article("Art. 12")
def test_the_national_platform_is_registered_with_the_mainlands_code():
    assert rules.check_partner("national", "cn", "CN-SH") == "Art. 12"
    with pytest.raises(RuleViolation):
        rules.check_partner("national", "CN-BJ", "CN-SH")
    with pytest.raises(InvalidInput):
        rules.check_partner("overseas", "CN", "CN-SH")
    with pytest.raises(RuleViolation):  # outside the mainland whatever the kind
        rules.check_partner("province", "CN-HK", "CN-SH")
