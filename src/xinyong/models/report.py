from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class CreditReport(Base):
    """An issued credit report (Art. 34, 41): its number, when and for whom it was issued, whether it
    counted as one of the subject's free reports, the fee, and the JSON snapshot every format renders.

    Another format of the same report renders this snapshot again: it costs nothing and counts nothing.
    When a record or a list entry is deleted (Art. 37) the purge removes it from every snapshot that holds
    it, a mark with its id and the article where it explained a grade or grounded a measure.
    """

    __tablename__ = "credit_report"
    __table_args__ = (Index("ix_credit_report_subject_issued", "subject_id", "issued_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_on: Mapped[date] = mapped_column(Date)  # the platform's (Asia/Shanghai) calendar day
    requester_role: Mapped[str] = mapped_column(String(24))  # subject | administrative
    requester_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    requester_officer: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(String(32))
    inquiry_id: Mapped[int] = mapped_column(BigId)  # the inquiry log entry the issue made
    # art34.2 (natural person, own report) | not_applicable (legal person) | art41 / organ (an organ's)
    free_rule: Mapped[str] = mapped_column(String(16))
    counted_free: Mapped[bool] = mapped_column(Boolean)
    chargeable: Mapped[bool] = mapped_column(Boolean)
    fee_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    fee_payer: Mapped[str] = mapped_column(String(16))  # subject | organ | none
    snapshot: Mapped[dict] = mapped_column(JSON)
    # The seal (report.seal): the SHA-256 of the snapshot's canonical JSON as issued, and the platform's
    # Ed25519 signature (the audit key, keys.md) over the number, the issue time and that digest, stored at
    # issue so that /verify/{number} checks a report shown to a bank against what was issued even after an
    # Art. 37 purge has rewritten the snapshot. NULL: issued before revision 0018 (or no key to sign with).
    digest: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(128))
    key_id: Mapped[str | None] = mapped_column(String(64))


class CreditReportPdf(Base):
    """A report's PDF as first rendered (``report.pdfstore``), so that a download sends stored bytes instead of
    running reportlab again. Encrypted at rest (``crypto.encrypt_bytes``): a natural person's report holds their
    data. Bound to the snapshot it was rendered from and to what the seal printed (the verify URL): the
    encryption's context holds both digests, so a copy of another snapshot never decrypts as this one's. The
    rendering is deterministic (``pdf.to_pdf``), so a re-render equals these bytes. Deleted whenever the
    snapshot is rewritten (Art. 37 purge, ``service._rewrite``)."""

    __tablename__ = "credit_report_pdf"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("credit_report.id", ondelete="CASCADE"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))  # of the PDF itself
    size: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
