"""Art. 25.3 with Art. 37: a list entry revoked on remedy is deleted from the database, as revoked
information is, within the Art. 37 period of the revoking decision's receipt.

It stops counting at once (``service.active_entries`` serves only listed entries); ``xinyong purge``
then deletes the entry, its responsible persons and its remedies (a step registered with the record
purge: ``xinyong.deletion``), and the copies later domains hold (``xinyong.deletion.ENTRY_COPIES``). An audit event is the
tombstone: ids, list, dates, the deadline with its basis, and a keyed digest of what was deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..law.periods import deadline_fields
from ..models import ListEntry, ListEntryPerson, ListRemedy
from ..ops import journal
from ..record import workflows

DELETE_PARAMETER = "revocation.delete_working_days"  # Art. 37

EntryPurgeHook = Callable[[Session, ListEntry, list[int], Actor], None]  # a copy of a deleted entry removed


def deletion_deadline(revoked_on: date) -> dict[str, Any]:
    """The day a revoked entry is due for deletion, with its basis (parameter, value, article); an
    unknown calendar year is noted, never guessed."""
    fields = deadline_fields(DELETE_PARAMETER, revoked_on)
    return {**fields, "due_on": fields["due_on"].isoformat() if fields["due_on"] else None}


def purge_revoked(session: Session, actor: Actor, day: date, *, copies: Iterable[EntryPurgeHook] = ()
                  ) -> workflows.PurgeReport:
    """Delete every entry revoked on remedy, with its responsible persons and remedies, and ``copies`` (what
    other domains keep of it: ``xinyong.deletion.ENTRY_COPIES``); report the ones deleted past their
    deadline. Safe to run again (nothing revoked is left)."""
    copies = list(copies)
    report = workflows.PurgeReport([], [], [])
    for entry in session.scalars(select(ListEntry).where(ListEntry.status == "revoked").order_by(ListEntry.id)).all():
        persons = session.execute(select(ListEntryPerson.subject_id, ListEntryPerson.role)
                                  .where(ListEntryPerson.entry_id == entry.id).order_by(ListEntryPerson.id)).all()
        remedies = session.scalars(select(ListRemedy).where(ListRemedy.entry_id == entry.id)
                                   .order_by(ListRemedy.id)).all()
        due = deletion_deadline(entry.removed_on)
        digest = audit.keyed_digest(_content(entry, persons, remedies))
        for remove in copies:
            remove(session, entry, [entry.subject_id, *(p.subject_id for p in persons)], actor)
        session.execute(delete(ListEntryPerson).where(ListEntryPerson.entry_id == entry.id))
        session.execute(delete(ListRemedy).where(ListRemedy.entry_id == entry.id))
        entry_id, subject_id, list_id, revoked_on = entry.id, entry.subject_id, entry.list_id, entry.removed_on
        session.delete(entry)
        session.flush()
        audit.append(session, action="list-entry:delete", actor=actor, object_type="list_entry", object_id=entry_id,
                     subject_id=subject_id, content=[entry_id, "deleted", digest],
                     details={"list_id": list_id, "revoked_on": revoked_on.isoformat(),
                              "remedy_ids": [r.id for r in remedies], "persons": len(persons),
                              "content_digest": digest, **due, "article": "Art. 37"})
        journal.note(session, "list_entry", {"entry_id": entry_id, "list_id": list_id, "subject_id": subject_id,
                                             "revoked_on": revoked_on, "content_digest": digest})
        info = {"object": f"list entry {entry_id}", "entry_id": entry_id, "received_on": revoked_on.isoformat(),
                "due_on": due["due_on"]}
        report.deleted.append(info)
        if due["due_on"] is None:
            report.unknown_deadline.append({**info, "note": due["note"]})
        elif day > date.fromisoformat(due["due_on"]):
            report.late.append(info)
    return report


def _content(entry: ListEntry, persons: list, remedies: list[ListRemedy]) -> dict[str, Any]:
    """Everything deleted, for the tombstone's keyed digest (no personal data leaves in clear)."""
    return {"entry": {"id": entry.id, "list_id": entry.list_id, "subject_id": entry.subject_id,
                      "ground": entry.ground, "ground_text": entry.ground_text, "document": entry.document,
                      "decided_on": entry.decided_on.isoformat(), "removal_document": entry.removal_document,
                      "removal_reason": entry.removal_reason},
            "persons": [[p.subject_id, p.role] for p in persons],
            "remedies": [{"id": r.id, "reason": r.reason, "applied_on": r.applied_on.isoformat(),
                          "status": r.status, "decided_by": r.decided_by, "document": r.outcome_document}
                         for r in remedies]}

