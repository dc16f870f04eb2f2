from __future__ import annotations

from fastapi import APIRouter, Body, Depends, File, UploadFile
from fastapi.responses import StreamingResponse
from ..responses import JSON as ORJSONResponse
from sqlalchemy.engine import Engine

from ..auth import PROVIDER_KINDS, Actor
from ..clock import today
from ..db import session_scope
from ..deps import engine, require_role
from ..errors import NotFound, msg, responses
from ..schemas import id_path, text_path

from . import importer, queue, workflows
from .schemas import (BatchQueuedRead, BatchRead, BatchReceivedRead, CorrectionIn, CorrectionRead,
                      RecordSubmittedRead, RestorationIn, RestorationRead, RevocationIn, RevocationRead, Values,
                      WithdrawalIn, WithdrawalRead)

BatchId = text_path("The batch's id")
RecordId = id_path("The record's id")

router = APIRouter(tags=["records"])
providers = require_role(*PROVIDER_KINDS)


@router.post("/batches", status_code=202, response_model=BatchReceivedRead,
             responses=responses(401, 403, 409, 413, 422))
def submit_batch(
    file: UploadFile = File(..., description="CSV (UTF-8 or GB18030) or JSON Lines"),
    who: Actor = Depends(providers),
    eng: Engine = Depends(engine),
) -> ORJSONResponse:
    """Submit a provider's file. A file refused whole (a column of a prohibited kind, Art. 14.3; an
    unreadable file; no header; required columns missing) answers 422 with its article at once, and
    nothing of it is kept. Otherwise its rows are kept with only their catalog item's declared
    columns (the others are dropped and listed, Art. 11), encrypted, and the batch is queued: 202.
    A worker process (``xinyong worker``) imports it — never this server — and a restart loses no queued
    batch. Row errors come later: poll GET /batches/{id}."""
    queued = importer.submit_file(eng, file.file, filename=file.filename, actor=who)  # FileRefused: 422
    batch_id = queued["batch_id"]
    return ORJSONResponse({"batch_id": batch_id, "status": "queued",
                           "status_url": f"/api/v1/batches/{batch_id}",
                           "dropped_columns": queued["dropped_columns"]}, status_code=202)


@router.post("/batches/{batch_id}/resume", status_code=202, response_model=BatchQueuedRead,
             responses=responses(401, 403, 404, 409, 422))
def resume_batch(batch_id: str = BatchId, who: Actor = Depends(providers),
                 eng: Engine = Depends(engine)) -> ORJSONResponse:
    """Complete an interrupted batch (its process stopped before the end: a crash, a restart) from the
    platform's stored copy — the file is not sent again. The providing unit only. It is queued again and a
    worker continues from the chunks already committed: the totals at the end are those of an
    uninterrupted run. 409 for a batch that is not interrupted."""
    with session_scope(eng) as s:
        queue.queue_for_resume(s, batch_id=batch_id, unit_id=who.unit_id, actor=who)
    return ORJSONResponse({"batch_id": batch_id, "status": "queued",
                           "status_url": f"/api/v1/batches/{batch_id}"}, status_code=202)


@router.get("/batches/{batch_id}", response_model=BatchRead, responses=responses(401, 403, 404, 422))
def batch(batch_id: str = BatchId, *, who: Actor = Depends(providers), eng: Engine = Depends(engine)) -> dict:
    """A batch's counts, the columns it dropped (Art. 11) and its rejected rows (line, field, reason,
    article)."""
    return importer.batch_status(eng, batch_id, unit_id=who.unit_id)


@router.get("/batches/{batch_id}/rejects", response_class=StreamingResponse,
            responses={200: {"description": "The rejects file (CSV)",
                             "content": {"text/csv": {"schema": {"type": "string"}}}},
                       **responses(401, 403, 404, 422)})
def batch_rejects(batch_id: str = BatchId, *, who: Actor = Depends(providers), eng: Engine = Depends(engine)):
    """The batch's rejects file, for the providing unit only: CSV (UTF-8 with BOM) — line, field,
    reason, article and the row's declared columns, the dropped columns first. Decrypted from the
    platform's copy on the fly; kept for the retention period (``retention.rejects_days``)."""
    chunks = importer.rejects_csv(eng, batch_id, unit_id=who.unit_id)
    if chunks is None:
        raise NotFound(msg("batch {batch_id} has no rejected rows or dropped columns (or they are past their "
                           "retention period)", batch_id=batch_id))
    return StreamingResponse((c.encode("utf-8") for c in chunks), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{batch_id}.rejects.csv"'})


@router.post("/records", status_code=201, response_model=RecordSubmittedRead,
             responses={200: {"model": RecordSubmittedRead, "description": "Already present"},
                        **responses(401, 403, 409, 422)})
def submit_record(
    values: Values = Body(..., examples=[{
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


@router.post("/records/{record_id}/corrections", response_model=CorrectionRead,
             responses=responses(401, 403, 404, 409, 422))
def correct(record_id: int = RecordId, *, body: CorrectionIn, who: Actor = Depends(providers),
            eng: Engine = Depends(engine)) -> ORJSONResponse:
    """Correct a record this unit provided (Art. 11); the history keeps both versions and why."""
    with session_scope(eng) as s:
        rec = workflows.correct(s, record_id=record_id, changes=body.changes, reason=body.reason,
                                document=body.document, actor=who)
        return ORJSONResponse({"record_id": rec.id, "version": rec.version})


@router.post("/records/{record_id}/withdrawal", response_model=WithdrawalRead,
             responses=responses(401, 403, 404, 409, 422))
def withdraw(record_id: int = RecordId, *, body: WithdrawalIn, who: Actor = Depends(providers),
             eng: Engine = Depends(engine)) -> ORJSONResponse:
    with session_scope(eng) as s:
        rec = workflows.withdraw(s, record_id=record_id, reason=body.reason, document=body.document, actor=who)
        return ORJSONResponse({"record_id": rec.id, "status": rec.status})


@router.post("/records/{record_id}/revocation", response_model=RevocationRead,
             responses=responses(401, 403, 404, 409, 422))
def revoke(record_id: int = RecordId, *, body: RevocationIn, who: Actor = Depends(providers),
           eng: Engine = Depends(engine)) -> ORJSONResponse:
    """Art. 37: report that the designation was revoked; the record is deleted within 3 working days."""
    with session_scope(eng) as s:
        act = workflows.revoke(s, record_id=record_id, document=body.document, decided_by=body.decided_by,
                               reason=body.reason, actor=who)
        return ORJSONResponse({"record_id": record_id, "status": "revoked",
                               "delete_by": act.due_on.isoformat() if act.due_on else None,
                               "basis": act.basis_article, "note": act.deadline_note})


@router.post("/records/{record_id}/restoration", response_model=RestorationRead,
             responses=responses(401, 403, 404, 409, 422))
def restore(record_id: int = RecordId, *, body: RestorationIn, who: Actor = Depends(providers),
            eng: Engine = Depends(engine)) -> ORJSONResponse:
    """Art. 38: written proof of credit restoration; removed from the inquiry interface at once."""
    with session_scope(eng) as s:
        act = workflows.restore(s, record_id=record_id, document=body.document, reason=body.reason, actor=who)
        return ORJSONResponse({"record_id": record_id, "status": "restored",
                               "deadline": act.due_on.isoformat() if act.due_on else None,
                               "basis": act.basis_article})
