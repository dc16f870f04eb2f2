from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, BackgroundTasks, Body, Depends, File, UploadFile
from fastapi.responses import StreamingResponse
from ..responses import JSON as ORJSONResponse
from sqlalchemy.engine import Engine

from ..auth import PROVIDER_KINDS, Actor
from ..clock import today
from ..config import get_settings
from ..db import session_scope
from ..deps import engine, require_role
from ..errors import NotFound
from pydantic import BaseModel

from . import importer, spool, workflows

router = APIRouter(tags=["records"])
providers = require_role(*PROVIDER_KINDS)


@router.post("/batches", status_code=202)
def submit_batch(
    background: BackgroundTasks,
    file: UploadFile = File(..., description="CSV (UTF-8 or GB18030) or JSON Lines"),
    who: Actor = Depends(providers),
    eng: Engine = Depends(engine),
) -> ORJSONResponse:
    """Submit a provider's file. A file refused whole (a column of a prohibited kind, Art. 14.3; an
    unreadable file; no header; required columns missing) answers 422 with its article at once, and
    nothing of it is kept. Otherwise its rows are kept with only their catalog item's declared
    columns (the others are dropped and listed, Art. 11), encrypted, and imported in the background:
    202. Row errors come later: poll GET /batches/{id}."""
    name = file.filename or "upload.csv"
    batch_id = importer.new_batch_id()
    with session_scope(eng) as s:
        declared = importer.declared_by_item(s)
    spooled = spool.write_spool(file.file, filename=name, target=importer.stored_copy_path(batch_id),
                                declared=declared)  # FileRefused: 422, nothing written
    try:
        importer.open_batch(eng, unit_uscc=who.unit_uscc, filename=name, sha256=spooled.sha256, actor=who,
                            batch_id=batch_id, dropped_columns=spooled.dropped_columns)
    except BaseException:
        spooled.path.unlink(missing_ok=True)
        raise
    background.add_task(_run, eng, batch_id, spooled.path, who)
    return ORJSONResponse({"batch_id": batch_id, "status": "received",
                           "status_url": f"/api/v1/batches/{batch_id}",
                           "dropped_columns": spooled.dropped_columns}, status_code=202)


def _run(eng: Engine, batch_id: str, path: Path, who: Actor) -> None:
    importer.run_import(eng, batch_id=batch_id, path=path, actor=who, today=today(),
                        chunk_rows=get_settings().import_chunk_rows)


@router.get("/batches/{batch_id}")
def batch(batch_id: str, who: Actor = Depends(providers), eng: Engine = Depends(engine)) -> dict:
    """A batch's counts, the columns it dropped (Art. 11) and its rejected rows (line, field, reason,
    article)."""
    return importer.batch_status(eng, batch_id, unit_id=who.unit_id)


@router.get("/batches/{batch_id}/rejects", response_class=StreamingResponse)
def batch_rejects(batch_id: str, who: Actor = Depends(providers), eng: Engine = Depends(engine)):
    """The batch's rejects file, for the providing unit only: CSV (UTF-8 with BOM) — line, field,
    reason, article and the row's declared columns, the dropped columns first. Decrypted from the
    platform's copy on the fly; kept for the retention period (``retention.rejects_days``)."""
    chunks = importer.rejects_csv(eng, batch_id, unit_id=who.unit_id)
    if chunks is None:
        raise NotFound(f"batch {batch_id} has no rejected rows or dropped columns (or they are past their "
                       "retention period)")
    return StreamingResponse((c.encode("utf-8") for c in chunks), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{batch_id}.rejects.csv"'})


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
    report: dict = {}
    with session_scope(eng) as s:
        status = importer.submit_record(s, unit_id=who.unit_id, values=values, actor=who, today=today(),
                                        report=report)
    extra = {k: v for k, v in report.items() if v}  # dropped columns, masking notices: only when there are
    return ORJSONResponse({"status": status, **extra}, status_code=201 if status == "accepted" else 200)


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
