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


def purge_record(session: Session, record_id: int, subject_id: int) -> None:
    links = session.scalars(select(ObjectionRecord).where(ObjectionRecord.record_id == record_id)
                            .order_by(ObjectionRecord.id)).all()
    for link in links:
        if link.doc_no == DELETED_MARK:
            continue
        link.doc_no = DELETED_MARK
        obj = session.get(Objection, link.objection_id)
        others = session.scalars(select(ObjectionRecord.record_id).where(
            ObjectionRecord.objection_id == obj.id, ObjectionRecord.record_id != record_id)).all()
        left = others and session.scalar(select(Record.id).where(Record.id.in_(others)).limit(1))
        if obj.changes and not left and not obj.changes.get("deleted"):
            obj.changes = {"deleted": True, "article": "Art. 37", "fields": sorted(obj.changes)}
        audit.append(session, action="objection:purge-record", actor=CONSOLE, object_type="objection",
                     object_id=obj.id, subject_id=obj.subject_id,
                     details={"record_id": record_id, "article": "Art. 37"})
    session.flush()

