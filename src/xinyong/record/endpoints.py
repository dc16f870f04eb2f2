from __future__ import annotations

import hashlib
import uuid
import shutil
from pathlib import Path

from fastapi import APIRouter, BackgroundTasks, Body, Depends, File, UploadFile
from ..responses import JSON as ORJSONResponse
from sqlalchemy.engine import Engine

from ..auth import PROVIDER_KINDS, Actor
from ..clock import today
from ..config import get_settings
from ..db import session_scope
from ..deps import engine, require_role
from pydantic import BaseModel

from . import importer, workflows

router = APIRouter(tags=["records"])
providers = require_role(*PROVIDER_KINDS)


@router.post("/batches", status_code=202)
def submit_batch(
    background: BackgroundTasks,
    file: UploadFile = File(..., description="CSV (UTF-8 or GB18030) or JSON Lines"),
    who: Actor = Depends(providers),
    eng: Engine = Depends(engine),
) -> ORJSONResponse:
    """Submit a provider's file; it is processed in the background. Poll GET /batches/{id}."""
    tmp = get_settings().var_dir / "batches" / f"incoming-{uuid.uuid4()}.tmp"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    with tmp.open("wb") as fh:
        while block := file.file.read(1 << 20):
            h.update(block)
            fh.write(block)
    name = file.filename or "upload.csv"
    batch_id = importer.open_batch(eng, unit_uscc=who.unit_uscc, filename=name, sha256=h.hexdigest(),
                                   actor=who)
    path = importer.stored_copy_path(batch_id, name)
    shutil.move(tmp, path)
    background.add_task(_run, eng, batch_id, path, who)
    return ORJSONResponse({"batch_id": batch_id, "status": "received",
                           "status_url": f"/api/v1/batches/{batch_id}"}, status_code=202)


def _run(eng: Engine, batch_id: str, path: Path, who: Actor) -> None:
    importer.run_import(eng, batch_id=batch_id, path=path, actor=who, today=today(),
                        chunk_rows=get_settings().import_chunk_rows)


@router.get("/batches/{batch_id}")
def batch(batch_id: str, who: Actor = Depends(providers), eng: Engine = Depends(engine)) -> dict:
    """A batch's counts and its rejected rows (line, field, reason, article)."""
    return importer.batch_status(eng, batch_id, unit_id=who.unit_id)


@router.post("/records")
def submit_record(
    values: dict[str, str | int | float | None] = Body(..., examples=[{
        "catalog_item": "commendation", "subject_name": "上海某某科技有限公司",
        "subject_id": "91310000MA1FL0RT2K", "doc_no": "沪府发〔2024〕12号", "doc_date": "2024-05-01",
        "doc_org": "上海市人民政府", "content": "授予“上海市文明单位”称号"}]),
    who: Actor = Depends(providers),
    eng: Engine = Depends(engine),
) -> ORJSONResponse:
    """Submit one record (general columns, or CF_*/XK_* fields). 201 accepted, 200 already present."""
    with session_scope(eng) as s:
        status = importer.submit_record(s, unit_id=who.unit_id, values=values, actor=who, today=today())
    return ORJSONResponse({"status": status}, status_code=201 if status == "accepted" else 200)


class CorrectionIn(BaseModel):
    changes: dict[str, str | int | float | None]
    reason: str
    document: str


class WithdrawalIn(BaseModel):
    reason: str
    document: str


class RevocationIn(BaseModel):
    document: str
    decided_by: str
    reason: str = ""


class RestorationIn(BaseModel):
    document: str
    reason: str = ""


class FindIn(BaseModel):
    catalog_item: str
    doc_no: str
    subject: str


@router.post("/records/find")
def find_records(body: FindIn, who: Actor = Depends(providers), eng: Engine = Depends(engine)) -> ORJSONResponse:
    """The provider's own record by its identity (item, document number, subject in the body)."""
    from sqlalchemy import select

    from ..models import Record
    from ..subject import service as subjects

    with session_scope(eng) as s:
        subject = subjects.find(s, body.subject)
        ids = s.scalars(select(Record.id).where(Record.unit_id == who.unit_id, Record.item_code == body.catalog_item,
                                                Record.doc_no == body.doc_no, Record.subject_id == subject.id,
                                                Record.status != "revoked")).all()
    return ORJSONResponse({"record_ids": list(ids)})


@router.post("/records/{record_id}/corrections")
def correct(record_id: int, body: CorrectionIn, who: Actor = Depends(providers),
            eng: Engine = Depends(engine)) -> ORJSONResponse:
    """Correct a record this unit provided (Art. 11); the history keeps both versions and why."""
    with session_scope(eng) as s:
        rec = workflows.correct(s, record_id=record_id, changes=body.changes, reason=body.reason,
                                document=body.document, actor=who)
        return ORJSONResponse({"record_id": rec.id, "version": rec.version})


@router.post("/records/{record_id}/withdrawal")
def withdraw(record_id: int, body: WithdrawalIn, who: Actor = Depends(providers),
             eng: Engine = Depends(engine)) -> ORJSONResponse:
    with session_scope(eng) as s:
        rec = workflows.withdraw(s, record_id=record_id, reason=body.reason, document=body.document, actor=who)
        return ORJSONResponse({"record_id": rec.id, "status": rec.status})


@router.post("/records/{record_id}/revocation")
def revoke(record_id: int, body: RevocationIn, who: Actor = Depends(providers),
           eng: Engine = Depends(engine)) -> ORJSONResponse:
    """Art. 37: report that the designation was revoked; the record is deleted within 3 working days."""
    with session_scope(eng) as s:
        act = workflows.revoke(s, record_id=record_id, document=body.document, decided_by=body.decided_by,
                               reason=body.reason, actor=who)
        return ORJSONResponse({"record_id": record_id, "status": "revoked",
                               "delete_by": act.due_on.isoformat() if act.due_on else None,
                               "basis": act.basis_article, "note": act.deadline_note})


@router.post("/records/{record_id}/restoration")
def restore(record_id: int, body: RestorationIn, who: Actor = Depends(providers),
            eng: Engine = Depends(engine)) -> ORJSONResponse:
    """Art. 38: written proof of credit restoration; removed from the inquiry interface at once."""
    with session_scope(eng) as s:
        act = workflows.restore(s, record_id=record_id, document=body.document, reason=body.reason, actor=who)
        return ORJSONResponse({"record_id": record_id, "status": "restored",
                               "deadline": act.due_on.isoformat() if act.due_on else None,
                               "basis": act.basis_article})
