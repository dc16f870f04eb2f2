"""A stored record as a row of its national format, and back: the exchange files' rows.

An export writes each record in the format its catalog item declares (``CF`` penalties, ``XK`` licences, the
platform's general columns for the other items — commitments among them, in their own file), with the columns of
``docs/import-format.md`` and one more, ``exchange_ref``: the record's reference on the sending platform, by which
later corrections, withdrawals, revocations and restorations find it. The row is built from the record's stored
content so that the receiving platform's importer, reading it, stores the same content (the round trip is
lossless: ``tests/exchange``): the keys the importer derives from a column (which column the identifier came from,
the amount's unit) choose the column the value is written to, and are not written themselves.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from ..record.fields import FORMATS, OTHER_IDS

REF_COLUMN = "exchange_ref"
# file name → record format; commitments have a file of their own (general columns)
RECORD_FILES = {"CF.jsonl": "CF", "XK.jsonl": "XK", "general.jsonl": "general", "commitment.jsonl": "general"}
CHANGES_FILE = "changes.jsonl"
OBJECTIONS_FILE = "objections.jsonl"
DECISIONS_FILE = "objection-decisions.jsonl"
COMMITMENT_ITEM = "commitment"
_DERIVED = frozenset({"subject_id_column", "amount_unit"})


def file_for(record_format: str, item_code: str) -> str:
    if item_code == COMMITMENT_ITEM:
        return "commitment.jsonl"
    return {"CF": "CF.jsonl", "XK": "XK.jsonl"}.get(record_format, "general.jsonl")


@lru_cache(maxsize=4)
def _columns_of(fmt: str) -> dict[str, str]:
    """Canonical key → the format's first column for it."""
    out: dict[str, str] = {}
    for column, target in FORMATS[fmt].columns.items():
        if target.startswith("other_ids:") or target == "subject_id":
            continue
        out.setdefault(target, column)
    return out


@lru_cache(maxsize=4)
def _other_id_columns(fmt: str) -> dict[str, str]:
    if fmt == "general":
        return {key: key for key in OTHER_IDS.values()}
    prefix = fmt
    return {key: f"{prefix}_XDR_{code}" for code, key in OTHER_IDS.items()}


def national_row(fmt: str, content: dict, subject_id: str, ref: str) -> dict[str, str]:
    """The row of ``fmt`` that a receiving importer reads back as ``content`` (``subject_id``: the subject's
    identifier, a natural person's sealed)."""
    columns = _columns_of(fmt)
    row: dict[str, str] = {REF_COLUMN: ref}
    id_column = content.get("subject_id_column") or FORMATS[fmt].id_columns[0]
    row[id_column] = subject_id
    for key, value in content.items():
        if key in _DERIVED or value is None:
            continue
        if key == "other_ids":
            cols = _other_id_columns(fmt)
            for k, v in (value or {}).items():
                if k in cols:
                    row[cols[k]] = str(v)
            continue
        if key == "amount_yuan":
            if fmt != "general":
                continue  # derived from the fine (CF_NR_FK, in 万元)
            if content.get("amount_unit") == "wan":
                row["amount_wan"] = _wan(value)
                continue
        column = columns.get(key)
        if column is not None:
            row[column] = str(value)
    return row


def _wan(yuan: str) -> str:
    """Yuan as 万元, exactly (Decimal: 843072.67 → 84.307267)."""
    text = format(Decimal(str(yuan)) / Decimal(10000), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
