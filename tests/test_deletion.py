"""Deletion as one readable flow (Art. 37): ``xinyong.deletion`` names every copy a purge removes, and every
table that names a record or a list entry is either one the flow scrubs or listed here with why it keeps
only ids."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import xinyong
from xinyong import deletion
from xinyong.db import Base
import xinyong.models  # noqa: F401  (every table)

# Tables that name a record or an entry by id and keep no copy of what it said (the tombstone keeps ids,
# dates and keyed digests by design; the others are acts about it, which Art. 34 requires to remain).
NOT_COPIES = {
    "record_action": "the revocation or correction itself: the document, the deadline and when it was done (Art. 34.1)",
    "record_tombstone": "what remains of a deleted record: ids, item, dates, keyed digests — no content (Art. 37)",
    "restoration_application": "the application names the record by id; its document number is read at view time",
    "list_entry_person": "deleted with its entry (step list_entries), which this table belongs to",
    "list_remedy": "deleted with its entry (step list_entries), which this table belongs to",
    "objection_step": "the steps of an objection: dates, parties and deadlines, no copy of the record",
    "inquiry_log": "the log of an inquiry names what was revealed by id only (Art. 34): nothing to delete",
}


@pytest.mark.article("Art. 37")
def test_every_table_naming_a_record_or_an_entry_is_scrubbed_or_says_why_not():
    naming = {name for name, table in Base.metadata.tables.items()
              if {"record_id", "record_ids", "entry_id", "entry_ids"} & set(table.columns.keys())}
    unaccounted = sorted(naming - set(deletion.TABLES) - set(NOT_COPIES))
    assert not unaccounted, f"add a line to xinyong.deletion (or NOT_COPIES here) for: {unaccounted}"
    assert {"record", "record_history", "credit_report", "objection_record", "measure_application",
            "list_entry"} <= set(deletion.TABLES)


@pytest.mark.article("Art. 37")
def test_no_domain_registers_a_purge_step_of_its_own():
    """The flow is the one place: no module keeps a registry that imports fill (the old side effects)."""
    src = Path(xinyong.__file__).resolve().parent
    found = []
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")).startswith(
                    ("register_purge", "register_entry_purge", "register_scrubbed")):
                found.append(f"{path.relative_to(src)}:{node.lineno}")
    assert not found, found


def test_the_flow_reads_in_order():
    assert [name for name, _, _ in deletion.STEPS] == ["list_entries", "stored_copies"]
    assert all(c.what and callable(c.remove) for c in deletion.RECORD_COPIES + deletion.ENTRY_COPIES)
