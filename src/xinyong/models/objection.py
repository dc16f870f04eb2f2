from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class Objection(Base):
    """An objection of an information subject (Art. 36), to the Center or a credit service establishment.

    Its number ("YY-2025-000012") is derived from the year of receipt and the id: never stored twice.
    The reason and evidence may hold personal information: they live here only, never in audit events.
    """

    __tablename__ = "objection"
    __table_args__ = (Index("ix_objection_subject_status", "subject_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    kind: Mapped[str] = mapped_column(String(24))  # error | omission | unlawful-collection | rights
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSON)  # document references / descriptions
    addressee: Mapped[str] = mapped_column(String(16))  # center | credit-service (Art. 36.2 / 36.3)
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # the credit service establishment
    # center (Art. 36.2(1)) | provider (Art. 36.2(2)) — chosen by the Center when it notes the objection
    path: Mapped[str | None] = mapped_column(String(16))
    handler_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # the providing unit, once transferred
    # filed → noted → (transferred →) decided → closed
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))  # api | cli
    filed_by: Mapped[str] = mapped_column(String(120))  # the actor's label (no personal data)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when it was entered
    # The day the materials were received (by post, at a window): the deadlines count from it; and the
    # (Asia/Shanghai) day it was entered on the platform.
    received_on: Mapped[date] = mapped_column(Date)
    recorded_on: Mapped[date | None] = mapped_column(Date)
    # corrected | upheld | deleted (records) — resolved | rejected (no record)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reason: Mapped[str | None] = mapped_column(Text)  # the reasons in writing
    outcome_document: Mapped[str | None] = mapped_column(String(200))  # the deciding document
    information_source: Mapped[str | None] = mapped_column(Text)  # stated with the decision (Art. 36.3)
    changes: Mapped[dict | None] = mapped_column(JSON)  # the corrections made, field → value
    decided_by: Mapped[str | None] = mapped_column(String(16))  # center | provider | credit-service
    decided_unit_id: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    informed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ObjectionRecord(Base):
    """A record an objection is about. No foreign key to ``record``: a deleted record (Art. 36, 37)
    leaves its tombstone, and the objection keeps naming it. ``subject_id`` is the objection's (an objection is
    about one subject): every statement names it, so that the row routes to that subject's shard
    (docs/scaling.md)."""

    __tablename__ = "objection_record"
    __table_args__ = (UniqueConstraint("objection_id", "record_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objection.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    record_id: Mapped[int] = mapped_column(BigId, index=True)
    provider_unit_id: Mapped[int] = mapped_column(BigId)  # the unit that provided the record
    item_code: Mapped[str] = mapped_column(String(40))
    doc_no: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(16))


class ObjectionStep(Base):
    """One step owed by one party, with its deadline and the basis it was computed from
    (parameter, value, article — or a configuration default where the law sets no number).
    ``subject_id`` is the objection's, as in ``ObjectionRecord``."""

    __tablename__ = "objection_step"
    __table_args__ = (Index("ix_objection_step_open", "done_at", "due_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objection.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))  # note | decide | transfer | provider-decide | inform
    party: Mapped[str] = mapped_column(String(16))  # center | provider | credit-service
    unit_id: Mapped[int | None] = mapped_column(BigId)  # the unit owing the step (None: the Center)
    start_on: Mapped[date] = mapped_column(Date)  # the day of receipt (not counted)
    due_on: Mapped[date] = mapped_column(Date)
    basis_parameter: Mapped[str] = mapped_column(String(64))
    basis_value: Mapped[int] = mapped_column(Integer)
    basis_article: Mapped[str] = mapped_column(String(32))
    basis_kind: Mapped[str] = mapped_column(String(16))  # regulation | configuration
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
