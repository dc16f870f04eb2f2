"""Mounts every domain's endpoints under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from .audit.endpoints import router as audit_router
from .deps import actor
from .error_model import ErrorRead
from .errors import responses
from .catalog.endpoints import router as catalog_router
from .grading.endpoints import router as grading_router
from .inquiry.endpoints import router as inquiry_router
from .law.endpoints import router as law_router
from .listing.endpoints import router as listing_router
from .measure.endpoints import router as measure_router
from .objection.endpoints import router as objection_router
from .oversight.endpoints import router as oversight_router
from .record.endpoints import router as record_router
from .report.endpoints import router as report_router
from .restoration.endpoints import router as restoration_router
from .commitment.endpoints import router as commitment_router
from .exchange.endpoints import router as exchange_router
from .notice.endpoints import router as notice_router
from .subject.endpoints import router as subject_router
from .unit.endpoints import router as unit_router

# Every route may be refused by the rate limits (429, xinyong.guard); each documents its other statuses.
router = APIRouter(prefix="/api/v1", responses=responses(429))
for r in (catalog_router, unit_router, subject_router, record_router, inquiry_router):
    router.include_router(r)
# The law kernel imports nothing of the platform, so its routes get authentication here, and the error body
# for the error statuses they document.
for _route in law_router.routes:
    for _status, _response in getattr(_route, "responses", {}).items():
        if int(_status) >= 400:
            _response.setdefault("model", ErrorRead)
router.include_router(law_router, dependencies=[Depends(actor)], responses=responses(401, 403))
router.include_router(report_router)
router.include_router(objection_router)
router.include_router(listing_router)
router.include_router(restoration_router)
router.include_router(commitment_router)
router.include_router(exchange_router)
router.include_router(notice_router)
router.include_router(measure_router)
router.include_router(grading_router)
router.include_router(oversight_router)
router.include_router(audit_router)  # public: the latest signed checkpoint, no token (Art. 20(2))
