"""The identifier parser's fast paths give exactly what the full paths give (Art. 2).

``normalise``, ``uscc_format`` and ``ric_format`` answer the usual value (ASCII capitals and digits,
the right shape) without their character-by-character loops, and the check characters are summed
from tables: each is held here to the full computation, on every value of the real published
samples (shared/data/real-samples), the demo generator's identifiers and values built to miss
each fast path by one character.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date

import pytest

from xinyong.demo.generate import generate
from xinyong.errors import InvalidInput
from xinyong.subject import identifiers as ids

from ..helpers import REAL_SAMPLES

TODAY = date(2026, 11, 1)

pytestmark = pytest.mark.article("Art. 2")


def _sample_values() -> list[str]:
    """Every cell of the real samples (CSV and JSON), as text."""
    out: list[str] = []
    if not REAL_SAMPLES.is_dir():
        return out
    for path in sorted(REAL_SAMPLES.iterdir()):
        if path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                for row in csv.reader(fh):
                    out.extend(row)
        elif path.suffix in (".json", ".jsonl"):
            text = path.read_text(encoding="utf-8")
            docs = [json.loads(line) for line in text.splitlines() if line.strip()] \
                if path.suffix == ".jsonl" else [json.loads(text)]

            def walk(v):
                if isinstance(v, dict):
                    for x in v.values():
                        walk(x)
                elif isinstance(v, list):
                    for x in v:
                        walk(x)
                elif v is not None:
                    out.append(str(v))

            for d in docs:
                walk(d)
    return out


def _values() -> list[str]:
    values = _sample_values()
    _units, files = generate(500, seed=20171001, today=TODAY)
    for f in files:
        for row in f.iter_rows():
            values.extend(v for k, v in row.items() if k.endswith(("SHXYM", "ZJHM")) or k == "subject_id")
    rng = random.Random(11)
    variants = []
    for v in [v for v in values if len(v) == 18][:400]:
        i = rng.randrange(18)
        for c in ("a", "I", "O", " ", "\u3000", "１", "*", "-", "é", "x", "X", "0"):
            variants.append(v[:i] + c + v[i + 1:])
        variants += [v.lower(), v[:17], v + "0", f" {v} ", v[:17] + "\u200b"]
    extra = ["", "9.14E+17", "12345678-9", "123456789", "310101200901011234"]
    # one of each distinct value; the long ones (addresses, facts) are never identifiers, and of
    # the other text (names, grades, dates) a sample is enough
    distinct = sorted({v for v in values + variants + extra if len(v) <= 24})
    coded = [v for v in distinct if sum(c.isascii() and c.isalnum() for c in v) * 2 >= len(v)]
    coded_set = set(coded)
    text = [v for v in distinct if v not in coded_set]
    return coded + rng.sample(text, min(len(text), 2000))


VALUES = _values()


def test_there_are_values_to_compare():
    assert len(VALUES) > 5000
    if REAL_SAMPLES.is_dir():
        assert sum(ids._already_normal(v) and len(v) == 18 for v in VALUES) > 1000


def test_normalise_fast_path_is_the_full_normalisation():
    fast = [v for v in VALUES if v and ids._already_normal(v)]
    assert fast
    for v in fast:
        assert ids.normalise(v) == ids._normalise(v) == (v, ()), v
    for v in VALUES:
        assert ids.normalise(v) == ids._normalise(v), v


def test_format_fast_paths_find_what_the_full_checks_find():
    for v in VALUES:
        code = ids.normalise(v)[0]
        assert ids.uscc_format(code) == ids._uscc_format_defects(code), v
        assert ids.ric_format(code) == ids._ric_format_defects(code), v


def _uscc_check_reference(first17: str) -> str:
    total = sum(ids._USCC_VALUE[c] * w for c, w in zip(first17, ids._USCC_WEIGHTS, strict=True))
    return ids.USCC_ALPHABET[(31 - total % 31) % 31]


def _org_check_reference(body8: str) -> str:
    total = 0
    for c, w in zip(body8, ids._ORG_WEIGHTS, strict=True):
        total += (int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def _ric_check_reference(first17: str) -> str:
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    r = (12 - total % 11) % 11
    return "X" if r == 10 else str(r)


def _same(fast, reference, arg):
    try:
        expected = reference(arg)
    except Exception as exc:  # noqa: BLE001 - the same error, or none
        with pytest.raises(type(exc)):
            fast(arg)
        return
    assert fast(arg) == expected, arg


def test_check_characters_are_the_standard_sums():
    for v in VALUES:
        code = ids.normalise(v)[0]
        _same(ids.uscc_check_char, _uscc_check_reference, code[:17])
        _same(ids.org_code_check_char, _org_check_reference, code[8:16])
        _same(ids.org_code_check_char, _org_check_reference, code[:8])
        _same(ids.ric_check_char, _ric_check_reference, code[:17])


def test_a_number_valid_as_both_is_a_resident_id_and_invalid_ones_name_their_defects():
    # parse_identifier reads an all-digit value as a resident ID first and checks it as a USCC
    # only when that fails: the outcome is the one the full procedure gives.
    for v in VALUES:
        code = ids.normalise(v)[0]
        try:
            got = ids.parse_identifier(v, today=TODAY, allow_unlisted_region=True)
        except InvalidInput as exc:
            assert exc.article == "Art. 2" and exc.details["defects"], v
            continue
        if ids._ric_shaped(code) and not ids.check_ric(code, TODAY):
            assert got.scheme == "ric"
        else:
            assert got.scheme == "uscc" and not ids.check_uscc(code, allow_unlisted_region=True)
