from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class CreditCommitment(Base):
    """A subject's declaration, self-report or credit commitment (声明、自主申报、社会承诺, Art. 13.2), made to an
    accepting unit through the platform, guaranteed lawful, true and complete by the subject.

    It is not yet public credit information: the accepting unit — a unit registered to provide the catalog
    item ``commitment`` (Art. 11) — accepts it, and only then is it stored as a record of that item, through
    the same validation as any import; from there every read path (inquiries, reports, pages) sees it through
    the one visibility decision. The unit then records its fulfilment (fully, partly, not fulfilled) with its
    document, as a correction of that record (its history kept). The code is the national one: the
    accepting unit's 6-digit region, the day, a 6-digit serial.
    """

    __tablename__ = "credit_commitment"
    __table_args__ = (Index("ix_credit_commitment_subject", "subject_id"),
                      Index("ix_credit_commitment_unit_status", "accepting_unit_id", "status"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    form: Mapped[str] = mapped_column(String(16))  # commitment | declaration | self_report
    kind: Mapped[str] = mapped_column(String(32))  # the national types of commitment (rules.KINDS)
    reason: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    liability: Mapped[str] = mapped_column(Text)  # what the subject accepts should it break it
    made_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    accepting_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    disclosure: Mapped[str] = mapped_column(String(16))  # the subject's wish: public | scope | not_public
    guaranteed: Mapped[bool] = mapped_column(Boolean)  # lawful, true and complete (Art. 13.2)
    # declared | accepted | declined | fulfilled | partly_fulfilled | not_fulfilled
    status: Mapped[str] = mapped_column(String(20))
    declared_by: Mapped[str] = mapped_column(String(120))
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_document: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    fulfilment_on: Mapped[date | None] = mapped_column(Date)
    fulfilment_document: Mapped[str | None] = mapped_column(String(200))
    # the record of item ``commitment`` it became on acceptance (no foreign key: an Art. 37 deletion leaves
    # a tombstone, and this row keeps the id)
    record_id: Mapped[int | None] = mapped_column(BigId)
