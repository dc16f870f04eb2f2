"""``fields.map_row`` cleans each value through ``clean_text``'s fast path inlined: the same mapping as
cleaning every value with ``clean_text`` itself, whatever the text (control and zero-width characters,
runs of spaces, NBSP and U+3000, empty markers, amounts in either column)."""

from __future__ import annotations

import random

import pytest

from xinyong.record import fields
from xinyong.record.fields import FORMATS, clean_text, map_row

PIECES = ["", " ", "  ", "\u3000", "\u00a0", "\t", "\n", "\u200b", "\ufeff", "\x00", "\x07", "\u00ad", "无", "-",
          "null", "行政处罚", "沪市监罚〔2023〕12号", "2023-01-05", "1.5万元", "100", "ABC", "x", "  y  ", "\u2060"]


def _reference(fmt: str, values: dict) -> dict:
    """map_row as it was: every value through clean_text first, then the same mapping."""
    cleaned = {k: clean_text(v) for k, v in values.items()}
    out = map_row(fmt, cleaned)  # already clean: every value takes the same branch either way
    return out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_map_row_cleans_as_clean_text_does(fmt):
    rnd = random.Random(20171001)
    columns = list(FORMATS[fmt].columns)
    for _ in range(400):
        values = {c: "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 4)))
                  for c in rnd.sample(columns, k=min(len(columns), rnd.randint(1, 12)))}
        try:
            expected = _reference(fmt, values)
        except fields.FieldError as exc:
            with pytest.raises(fields.FieldError) as got:
                map_row(fmt, values)
            assert (got.value.field, got.value.reason) == (exc.field, exc.reason)
            continue
        assert map_row(fmt, values) == expected, values
