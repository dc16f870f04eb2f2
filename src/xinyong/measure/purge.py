"""Art. 37 (with Art. 25.3): when a list entry revoked on remedy is deleted, the checks and applications
that cited it keep no copy of it.

An application is the organ's record of its decision (Art. 32.1): it stays, and the deleted ground is
replaced by a mark that names only the entry's id and the article. A check's results are what an
organ may still apply (``service.apply``): the ground is removed, and a measure left without grounds
is no longer one the check returned (Art. 32.1).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import CONSOLE, Actor
from ..models import ListEntry, MeasureApplication, MeasureCheck


def deleted_ground(entry_id: int) -> dict[str, Any]:
    return {"type": "list-entry", "entry_id": entry_id, "deleted": True, "hidden": True, "article": "Art. 37",
            "note": "列入决定经救济撤销，信息已删除 (the listing was revoked on remedy and deleted)"}


def _cites(ground: dict, entry_id: int) -> bool:
    return ground.get("type") == "list-entry" and ground.get("entry_id") == entry_id and not ground.get("deleted")


def purge_entry(session: Session, entry: ListEntry, subject_ids: list[int], actor: Actor) -> None:
    apps = session.scalars(select(MeasureApplication).where(MeasureApplication.subject_id.in_(subject_ids))
                           .order_by(MeasureApplication.id))
    for app in apps:
        if not any(_cites(g, entry.id) for g in app.grounds):
            continue
        app.grounds = [deleted_ground(entry.id) if _cites(g, entry.id) else g for g in app.grounds]
        audit.append(session, action="measure-application:purge-entry", actor=actor,
                     object_type="measure_application", object_id=app.id, subject_id=app.subject_id,
                     content={"grounds": app.grounds}, details={"entry_id": entry.id, "article": "Art. 37"})
    keys = {str(i) for i in subject_ids}
    # Only checks made since the entry was recorded can cite it.
    for chk in session.scalars(select(MeasureCheck).where(MeasureCheck.at >= entry.created_at)
                               .order_by(MeasureCheck.id)):
        results = _without(chk.results, keys, entry.id)
        if results == chk.results:
            continue
        chk.results = results
        audit.append(session, action="measure-check:purge-entry", actor=actor, object_type="measure_check",
                     object_id=chk.id, content={"results": results},
                     details={"entry_id": entry.id, "article": "Art. 37"})
    session.flush()


def _without(results: dict, keys: set[str], entry_id: int) -> dict:
    """The results without the grounds citing the entry; measures and subjects left without any dropped."""
    out: dict[str, dict[str, list]] = {}
    for sid, measures in results.items():
        kept = {}
        for mid, grounds in measures.items():
            left = [g for g in grounds if not (sid in keys and _cites(g, entry_id))]
            if left:
                kept[mid] = left
        if kept:
            out[sid] = kept
    return out


def deleted_record_ground(record_id: int) -> dict[str, Any]:
    return {"type": "record", "record_id": record_id, "deleted": True, "hidden": True, "article": "Art. 37",
            "note": "信息已依法删除 (the record was revoked and deleted)"}


def _cites_record(ground: dict, record_id: int) -> bool:
    return ground.get("type") == "record" and ground.get("record_id") == record_id and not ground.get("deleted")


def purge_records(session: Session, records: list[tuple[int, int]]) -> None:
    """Deleted records (``records``: a purge's chunk, ``(record id, subject id)``) leave the applications that
    cited them as a ground (only their subjects': indexed), each replaced by a mark naming its id and the
    article, one event per record and application. Checks are not rewritten for records: finding them would
    mean reading every check since the record arrived; a check's stored ground holds no document or content
    (record id, item, article), and ``service.apply`` refuses a ground no longer in force."""
    by_subject: dict[int, list[int]] = {}
    for rid, sid in records:
        by_subject.setdefault(sid, []).append(rid)
    apps = session.scalars(select(MeasureApplication).where(MeasureApplication.subject_id.in_(sorted(by_subject)))
                           .order_by(MeasureApplication.id))
    events = []
    for app in apps:
        for record_id in by_subject[app.subject_id]:
            if not any(_cites_record(g, record_id) for g in app.grounds):
                continue
            app.grounds = [deleted_record_ground(record_id) if _cites_record(g, record_id) else g
                           for g in app.grounds]
            events.append(audit.event_row(action="measure-application:purge-record", actor=CONSOLE,
                                          object_type="measure_application", object_id=app.id,
                                          subject_id=app.subject_id, content={"grounds": app.grounds},
                                          details={"record_id": record_id, "article": "Art. 37"}))
    audit.append_many(session, events)
    session.flush()
