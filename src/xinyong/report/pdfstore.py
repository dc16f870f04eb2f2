"""A report's PDF rendered once per stored snapshot (``credit_report_pdf``), sent again as stored.

Rendering with reportlab costs a citizen at a window a second or more; the snapshot does not change between
downloads (only an Art. 37 purge rewrites it, and that deletes the stored PDF: ``service._rewrite``). The
rendering is deterministic (``pdf.to_pdf``: ``invariant=1``, the issue moment as its date), so the stored
bytes are exactly what rendering again would give.

Stored encrypted (a natural person's report holds their data): ``crypto.encrypt_bytes`` with a context naming
the report, the digest of the snapshot rendered and the digest of the seal's view (its verify URL depends on
the address the report was asked at). A copy that does not match the snapshot and view asked for — stale, moved
to another report, altered, or under a key no longer in the ring — does not decrypt, and the PDF is rendered
again and stored in its place. Services never commit: ``lookup`` and ``store`` run in the caller's
transaction; the render itself runs outside any (``render``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..clock import now
from ..crypto import DecryptionFailed, KeyError_, decrypt_bytes, encrypt_bytes
from ..models.report import CreditReport, CreditReportPdf
from . import seal


def _context(report_id: int, snapshot: dict[str, Any], view: dict[str, Any] | None) -> str:
    view_digest = hashlib.sha256(orjson.dumps(view, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"credit_report_pdf:{report_id}:{seal.digest_of(snapshot)}:{view_digest}"


def report_id(session: Session, number: str) -> int:
    return session.scalar(select(CreditReport.id).where(CreditReport.number == number))


def lookup(session: Session, report_id: int, snapshot: dict[str, Any], view: dict[str, Any] | None) -> bytes | None:
    """The stored PDF of this snapshot and view, or None (none stored, or stored for another)."""
    blob = session.scalar(select(CreditReportPdf.pdf).where(CreditReportPdf.report_id == report_id))
    if blob is None:
        return None
    try:
        return decrypt_bytes(blob, context=_context(report_id, snapshot, view))
    except (DecryptionFailed, KeyError_):
        return None


def store(session: Session, report_id: int, snapshot: dict[str, Any], view: dict[str, Any] | None,
          pdf: bytes) -> None:
    """Keep ``pdf`` as this report's, in place of any other stored."""
    discard(session, [report_id])
    session.add(CreditReportPdf(report_id=report_id, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf),
                                pdf=encrypt_bytes(pdf, context=_context(report_id, snapshot, view)),
                                created_at=now()))
    session.flush()


def discard(session: Session, report_ids: list[int]) -> None:
    """Delete the stored PDFs of these reports (their snapshot is rewritten, or the report deleted)."""
    if report_ids:
        session.execute(delete(CreditReportPdf).where(CreditReportPdf.report_id.in_(report_ids)))


def render(engine, number: str, snapshot: dict[str, Any], view: dict[str, Any] | None) -> bytes:
    """The report's PDF: the stored one when it is this snapshot's and view's, else rendered (outside any
    transaction: reportlab takes a while, and SQLite would hold its write lock) and stored."""
    from sqlalchemy.exc import IntegrityError

    from ..db import session_scope
    from .pdf import to_pdf

    with session_scope(engine) as s:
        rid = report_id(s, number)
        stored = lookup(s, rid, snapshot, view)
    if stored is not None:
        return stored
    pdf = to_pdf(snapshot, view)
    try:
        with session_scope(engine) as s:
            store(s, rid, snapshot, view, pdf)
    except IntegrityError:
        pass  # another request stored it first: the same bytes (the rendering is deterministic)
    return pdf
