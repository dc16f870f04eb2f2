"""Deletion (Art. 37) as one flow: what ``xinyong purge`` deletes, in order, and where.

Art. 37: information revoked by the deciding organ, a reconsideration organ or a court is deleted from the
platform within 3 working days of receiving the decision (``revocation.delete_working_days``); a list entry
revoked on remedy is deleted the same way (Art. 25.3 with Art. 37). This module is the whole of it, so that
it can be read in one place:

1. every revoked record (``record.workflows.delete_revoked``): its row and history go, a tombstone keeps ids,
   item, dates and keyed digests (no content, no document number); its line in the stored upload and in
   the provider's other stored copies is blanked; then each copy that other domains hold of it, as
   ``RECORD_COPIES`` lists;
2. each step of ``STEPS``: list entries revoked on remedy (each with the copies of ``ENTRY_COPIES``), and the
   stored uploads and rejects copies past their retention;
3. after the commit, every table of ``TABLES`` is scrubbed (``VACUUM`` on PostgreSQL; SQLite runs with
   ``secure_delete`` and its WAL is checkpointed), so the deleted bytes are gone from the database files too.

A domain that keeps a copy of a record or of a list entry adds its line here — and
``tests/test_deletion.py`` holds every table that names a record or an entry to one of these lines or to
``NOT_COPIES`` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import typer
from sqlalchemy.orm import Session

from .auth import Actor
from .clock import today
from .commitment import service as commitments
from .console import err, handles_errors, out, print_json
from .exchange import purge as exchange_purge
from .listing import purge as listing_purge
from .measure import purge as measure_purge
from .notice import service as notices
from .models import (CreditCommitment, CreditReport, CreditReportPdf, ExchangeReceived, ListEntry, ListEntryPerson,
                     ListRemedy, MeasureApplication, MeasureCheck, Objection, ObjectionRecord, Record, RecordHistory)
from .objection import purge as objection_purge
from .record import importer, workflows
from .report import service as reports
from .restoration import materials


@dataclass(frozen=True)
class Copy:
    """What a domain keeps of a deleted record or entry, the function that removes it, and the tables it
    deletes from or rewrites."""

    what: str
    remove: Callable
    tables: tuple[str, ...] = ()


# 1. A revoked record: the copies other domains keep of it — ``remove(session, records)``, ``records`` a chunk of the
# purge as ``[(record_id, subject_id)]`` (``workflows.PURGE_CHUNK`` at a time): one statement per table for a chunk.
RECORD_COPIES: tuple[Copy, ...] = (
    Copy("objections about it keep its id, not its document number or the corrections' values",
         objection_purge.purge_records, (ObjectionRecord.__tablename__, Objection.__tablename__)),
    Copy("measure applications grounded on it keep a mark in its place",
         measure_purge.purge_records, (MeasureApplication.__tablename__,)),
    Copy("issued credit reports that stated it are rewritten without it, and their stored PDFs go",
         reports.purge_records, (CreditReport.__tablename__, CreditReportPdf.__tablename__)),
    Copy("the evidence files of objections about it", materials.purge_records),
    Copy("a credit commitment it was keeps no copy of what it said",
         commitments.purge_records, (CreditCommitment.__tablename__,)),
    Copy("letters to the subject that gave it as a measure's ground keep a mark in its place",
         notices.forget_records, ("notice",)),
    Copy("where a record received from another platform came from (its reference there, file, line) goes",
         exchange_purge.purge_records, (ExchangeReceived.__tablename__,)),
)

# 2a. A list entry revoked on remedy: the copies other domains keep of it —
# ``remove(session, entry, subject_ids, actor)``.
ENTRY_COPIES: tuple[Copy, ...] = (
    Copy("checks and measure applications that cited it", measure_purge.purge_entry,
         (MeasureApplication.__tablename__, MeasureCheck.__tablename__)),
    Copy("issued credit reports that stated it", reports.purge_entry,
         (CreditReport.__tablename__, CreditReportPdf.__tablename__)),
    Copy("letters to the subject that gave it as a measure's ground keep a mark in its place",
         notices.forget_entry, ("notice",)),
)


def _list_entries(session: Session, actor: Actor, day: date) -> workflows.PurgeReport:
    return listing_purge.purge_revoked(session, actor, day, copies=[c.remove for c in ENTRY_COPIES])


# 2. The steps after the records, each reported under its name — ``step(session, actor, day)``.
STEPS: tuple[tuple[str, Callable[[Session, Actor, date], workflows.PurgeReport], tuple[str, ...]], ...] = (
    ("list_entries", _list_entries,
     (ListEntry.__tablename__, ListEntryPerson.__tablename__, ListRemedy.__tablename__)),
    ("stored_copies", importer.purge_stored_copies, ()),  # retention of uploads and rejects (Art. 19)
)

# 3. Every table the flow deletes from or rewrites: scrubbed after the commit.
TABLES: tuple[str, ...] = tuple(dict.fromkeys((
    Record.__tablename__, RecordHistory.__tablename__,
    *(t for c in RECORD_COPIES + ENTRY_COPIES for t in c.tables),
    *(t for _, _, tables in STEPS for t in tables),
)))


def purge(session: Session, *, actor: Actor, on: date | None = None) -> workflows.PurgeReport:
    """Steps 1 and 2, in one transaction (the caller's); flushes, never commits."""
    day = on or today()
    report = workflows.delete_revoked(session, actor=actor, day=day, copies=[c.remove for c in RECORD_COPIES])
    for name, step, _tables in STEPS:
        report.steps[name] = step(session, actor, day)
    session.flush()
    workflows.write_journal(session)  # before the commit: a restore from an older backup deletes all this again
    return report


def scrub_storage(session: Session) -> list[str]:
    """Step 3, after the purge committed."""
    return workflows.scrub_storage(session, TABLES)


def run(engine=None) -> workflows.PurgeReport:
    """``xinyong purge`` and the worker's purge job: the deletions, committed, then the storage scrubbed."""
    from .auth import CONSOLE
    from .db import session_scope

    with session_scope(engine) as s:
        report = purge(s, actor=CONSOLE)
    with session_scope(engine) as s:
        scrub_storage(s)
    return report


@handles_errors
def purge_command(as_json: bool = typer.Option(False, "--json")) -> None:
    """Delete revoked records (Art. 37) and list entries revoked on remedy (Art. 25.3) from the database.
    Safe to run from cron (or let `xinyong worker` run it daily); reports late deletions (exit 5)."""
    report = run()
    summary = {"deleted": report.deleted, "late": report.late, "unknown_deadline": report.unknown_deadline,
               **{name: {"deleted": r.deleted, "late": r.late, "unknown_deadline": r.unknown_deadline}
                  for name, r in report.steps.items()}}
    if as_json:
        print_json(summary)
    else:
        out.print(f"deleted {len(report.deleted)} revoked record(s)")
        for r in report.late:
            err.print(f"late [Art. 37]: record {r['record_id']} was due for deletion by {r['due_on']}", markup=False)
        for r in report.unknown_deadline:
            err.print(f"notice: record {r['record_id']}: {r['note']}", markup=False)
        for name, step in report.steps.items():
            out.print(f"deleted {len(step.deleted)} {name.replace('_', ' ')}")
            for r in step.late:
                err.print(f"late [Art. 37]: {r['object']} was due for deletion by {r['due_on']}", markup=False)
            for r in step.unknown_deadline:
                err.print(f"notice: {r['object']}: {r['note']}", markup=False)
    raise typer.Exit(5 if report.any_late else 0)
