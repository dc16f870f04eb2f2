from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class RestorationApplication(Base):
    """A subject's application for credit restoration (信用修复, Art. 38) to the deciding organ: the unit
    that provided the untrustworthy record. The organ decides; when it grants, the record is restored through
    the record workflow (``record.workflows.restore``: off the inquiry interface within 3 working days).

    No foreign key to ``record``: a record deleted later (Art. 37) leaves its tombstone, and the application
    keeps naming it by id. No copy of the record is kept here (its document number is read at view time).
    The reason and the materials may hold personal information: they live here only, never in audit events.
    """

    __tablename__ = "restoration_application"
    __table_args__ = (Index("ix_restoration_application_subject", "subject_id"),
                      Index("ix_restoration_application_unit_status", "unit_id", "status"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    record_id: Mapped[int] = mapped_column(BigId)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # the deciding organ (the provider)
    item_code: Mapped[str] = mapped_column(String(64))
    # how the subject reduced the loss and removed the adverse effect (Art. 38): fulfilled, deferral, explained
    measure: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text)
    materials: Mapped[list] = mapped_column(JSON)  # [{name, size, sha256}] or [{text}]
    status: Mapped[str] = mapped_column(String(16))  # applied | granted | refused
    filed_by: Mapped[str] = mapped_column(String(120))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    applied_on: Mapped[date] = mapped_column(Date)
    # the national minimum publicity period (domain.md §6), as it stood for the record: informative
    publicity_min_until: Mapped[date | None] = mapped_column(Date)
    publicity_parameter: Mapped[str | None] = mapped_column(String(64))
    publicity_months: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_document: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    restore_action_id: Mapped[int | None] = mapped_column(BigId)  # the record workflow's action (Art. 38)
