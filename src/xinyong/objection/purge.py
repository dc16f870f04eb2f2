"""Art. 37 (and Art. 36, a record deleted on an objection): when ``xinyong purge`` deletes a record, the
objections about it keep naming it by its id (its tombstone remains), but no copy of it: the document number
each objection kept of it is replaced by a mark, and the corrections a decision recorded (field → value) are
replaced by the names of the fields once none of the objection's records is left to hold those values.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import CONSOLE
from ..models import Objection, ObjectionRecord, Record

DELETED_MARK = "（已依法删除）"  # what stands in a deleted record's place (Art. 37)


def purge_records(session: Session, records: list[tuple[int, int]]) -> None:
    """The deleted records' links (``records``: a purge's chunk, ``(record id, subject id)``): each link's document
    number becomes the mark, and an objection left with none of its records keeps only its corrections' field
    names. One statement per table for the chunk."""
    gone = {rid for rid, _sid in records}
    links = [link for link in session.scalars(select(ObjectionRecord).where(ObjectionRecord.record_id.in_(sorted(gone)))
                                              .order_by(ObjectionRecord.id))
             if link.doc_no != DELETED_MARK]
    if not links:
        return
    oids = sorted({link.objection_id for link in links})
    objections = {o.id: o for o in session.scalars(select(Objection).where(Objection.id.in_(oids)))}
    members: dict[int, set[int]] = {}
    for oid, rid in session.execute(select(ObjectionRecord.objection_id, ObjectionRecord.record_id)
                                    .where(ObjectionRecord.objection_id.in_(oids))):
        members.setdefault(oid, set()).add(rid)
    others = set().union(*members.values()) - gone  # the chunk's own records are deleted with it
    left = set(session.scalars(select(Record.id).where(Record.id.in_(sorted(others))))) if others else set()
    events = []
    for link in links:
        link.doc_no = DELETED_MARK
        obj = objections[link.objection_id]
        if obj.changes and not (members[obj.id] & left) and not obj.changes.get("deleted"):
            obj.changes = {"deleted": True, "article": "Art. 37", "fields": sorted(obj.changes)}
        events.append(audit.event_row(action="objection:purge-record", actor=CONSOLE, object_type="objection",
                                      object_id=obj.id, subject_id=obj.subject_id,
                                      details={"record_id": link.record_id, "article": "Art. 37"}))
    audit.append_many(session, events)
    session.flush()
