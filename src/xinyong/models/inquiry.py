from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class Authorization(Base):
    """A subject's written authorization for one unit to inquire into its non-public information (Art. 17.3)."""

    __tablename__ = "subject_authorization"
    __table_args__ = (Index("ix_subject_authorization_subject_unit", "subject_id", "unit_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    items: Mapped[list] = mapped_column(JSON)  # catalog item codes in scope
    purpose: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(String(200))  # the written authorization: its title or number
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # The consent record (Art. 14.2, 17.3): the notice text shown, the form, what the subject was told.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("consent_notice.id"))
    form: Mapped[str | None] = mapped_column(String(16))  # written | other (NULL: before 0024, a written document)
    restricted_kinds: Mapped[list | None] = mapped_column(JSON)  # Art. 14.2 kinds in scope
    adverse_told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    adverse_text: Mapped[str | None] = mapped_column(Text)  # the adverse consequences the subject was told


class ConsentNotice(Base):
    """A versioned text of the notice shown to a subject before it consents (Art. 14.2, 17.3)."""

    __tablename__ = "consent_notice"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date] = mapped_column(Date)


class InquiryLog(Base):
    """Every inquiry, allowed or denied (Art. 19, 20, 34): committed before the answer leaves.

    Names the subject by surrogate id (or, for an unknown identifier, by its keyed digest).
    """

    __tablename__ = "inquiry_log"
    __table_args__ = (
        Index("ix_inquiry_log_subject", "subject_id", "at"),
        Index("ix_inquiry_log_unit", "unit_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    subject_id: Mapped[int | None] = mapped_column(BigId)
    subject_digest: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(24))
    unit_id: Mapped[int | None] = mapped_column(BigId)
    officer_id: Mapped[int | None] = mapped_column(BigId)
    officer_label: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))  # api | cli | portal
    purpose: Mapped[str | None] = mapped_column(String(32))
    case_no: Mapped[str | None] = mapped_column(String(100))
    authorization_id: Mapped[int | None] = mapped_column(BigId)
    decision: Mapped[str] = mapped_column(String(8))  # allow | deny
    article: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    items: Mapped[list | None] = mapped_column(JSON)  # the catalog items the answer could include
    record_ids: Mapped[list | None] = mapped_column(JSON)  # the records returned
    entry_ids: Mapped[list | None] = mapped_column(JSON)  # the list entries revealed
    # What opened non-public information beyond the published list, item → basis
    # ("authorization:12", "law:item", "measure:CODE") — None when nothing but the list and the public did.
    bases: Mapped[dict | None] = mapped_column(JSON)
