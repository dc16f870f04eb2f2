"""Every identifier in the real published samples either parses or gets a specific reason (Art. 2).

The samples live in shared/data/real-samples/ beside the repository (see its SOURCES.md); the test
is skipped where that folder is absent.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from stdnum.cn import uscc as stdnum_uscc

from xinyong.errors import InvalidInput
from xinyong.subject.identifiers import parse_identifier

from ..helpers import REAL_SAMPLES

TODAY = date(2026, 11, 1)
SAMPLES = REAL_SAMPLES

FILES = [
    ("mot_highway_construction_credit_rating.csv", "creditCode"),
    ("sichuan_transport_enterprise_credit_rating.csv", "social_code"),
]

pytestmark = [
    pytest.mark.article("Art. 2"),
    pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared/data/real-samples not present"),
]


@cache
def _values(name: str, column: str) -> list[str]:
    with open(SAMPLES / name, encoding="utf-8-sig", newline="") as f:
        return [
            row[column]
            for row in csv.DictReader(f)
            if row.get(column) and row[column].strip() and row[column] != column  # 2nd header row
        ]


def _tally(values: list[str]) -> tuple[Counter, dict[str, str]]:
    return _tally_cached(tuple(values))


@cache
def _tally_cached(values: tuple[str, ...]) -> tuple[Counter, dict[str, str]]:
    counts: Counter = Counter()
    stdnum_valid_rejected: dict[str, str] = {}
    for v in values:
        try:
            parse_identifier(v, today=TODAY)
        except InvalidInput as exc:
            assert exc.message and exc.message.strip(), v
            assert exc.article == "Art. 2" and exc.code == "invalid_identifier"
            counts["rejected: " + exc.details["reason"]] += 1
            if stdnum_uscc.is_valid(v):
                stdnum_valid_rejected[v] = exc.details["reason"]
        else:
            counts["accepted"] += 1
    counts["stdnum valid"] = sum(stdnum_uscc.is_valid(v) for v in values)
    return counts, stdnum_valid_rejected


@pytest.mark.parametrize(("name", "column"), FILES)
def test_every_sample_value_parses_or_gets_a_specific_reason(name, column):
    values = _values(name, column)
    counts, stdnum_rejected = _tally(values)
    print(f"\n{name} {column}: {len(values)} non-empty")
    print("  ", dict(sorted(counts.items())))
    assert sum(n for k, n in counts.items() if k != "stdnum valid") == len(values)
    # where we refuse what stdnum accepts, it is for a reason stdnum cannot see
    assert set(stdnum_rejected.values()) <= {"spreadsheet_zeroed", "org_code_check", "bad_character", "length"}


def test_sample_counts_mot_highway():
    values = _values(*FILES[0])
    counts, stdnum_rejected = _tally(values)
    assert len(values) == 14619
    assert counts["rejected: spreadsheet_number"] == 4308  # SOURCES.md: 4,308 `9.14E+17`
    # 196 of them carry development-zone registration codes (absent from GB/T 2260): valid, with a note
    assert counts["accepted"] == 10301 == counts["stdnum valid"]  # same set as stdnum here
    assert counts["rejected: region"] == 0
    assert stdnum_rejected == {}


def test_sample_counts_sichuan_transport():
    values = _values(*FILES[1])
    counts, stdnum_rejected = _tally(values)
    assert counts["rejected: spreadsheet_zeroed"] == 1548
    assert counts["rejected: org_code"] == 2259
    assert counts["rejected: fifteen_digit"] == 245
    assert counts["rejected: masked"] == 7
    # distinct codes stdnum accepts that we refuse: 38 spreadsheet-damaged ones whose outer check
    # passed by chance (only the embedded organization code check catches them), one genuine
    # embedded-check failure, and one ending with a '-' that stdnum silently strips
    assert Counter(stdnum_rejected.values()) == Counter(
        {"spreadsheet_zeroed": 38, "org_code_check": 1, "length": 1}
    )


TAX_FILES = [("tax_a_grade_heilongjiang_2018.csv", "纳税人识别号"), ("tax_a_grade_jiangxi_2018.csv", "纳税人识别号")]
UNLISTED = ("230199", "360106", "233003", "233005")  # registration authorities outside GB/T 2260


def _tax_codes() -> list[str]:
    """The 18-character values of the tax A-grade lists (the first column; one file has a header of its own)."""
    out: list[str] = []
    for name, _ in TAX_FILES:
        with open(SAMPLES / name, encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f):
                out += [v.strip() for v in row if len(v.strip()) == 18 and v.strip()[:2].isdigit()]
    return out


def test_unlisted_registration_authority_regions_in_real_lists_are_valid_with_a_note():
    from xinyong.subject.identifiers import check_uscc, normalise

    codes = [c for c in _tax_codes() if c[2:8] in UNLISTED]
    by_region = Counter(c[2:8] for c in codes)
    assert set(by_region) == set(UNLISTED), by_region
    accepted = 0
    for code in codes:
        # the only thing that could refuse them was the region; where the rest holds they are valid
        others = [d for d in check_uscc(normalise(code)[0]) if d.code != "region"]
        if others:
            continue
        i = parse_identifier(code, today=TODAY)
        assert (i.scheme, i.region_listed) == ("uscc", False), code
        assert any("registration authority outside GB/T 2260" in w for w in i.warnings), code
        # the same answer whatever a caller passes: one rule for every front door
        assert parse_identifier(code, today=TODAY, allow_unlisted_region=False).region_listed is False
        accepted += 1
    assert accepted >= 700  # 489 + 240 + 12 + 12 distinct valid codes in these files
