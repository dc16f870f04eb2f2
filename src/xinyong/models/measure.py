from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class Measure(Base):
    """A line of the application list (Art. 22): the specific incident, the target, the measure, the
    implementing organ, the legal basis (and its level) — with its kind and item (Art. 29, 30, 31), the
    Art. 28 contexts it applies in, and its state (draft → published on a date → withdrawn)."""

    __tablename__ = "measure"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)  # the measure itself (实施手段)
    kind: Mapped[str] = mapped_column(String(16))  # incentive | punishment | restriction
    article: Mapped[str] = mapped_column(String(32))  # "Art. 29(1)" … "Art. 31(7)"
    incident: Mapped[str] = mapped_column(Text)  # the specific incident, in words
    incident_items: Mapped[list] = mapped_column(JSON)  # catalog item codes that trigger it
    incident_lists: Mapped[list] = mapped_column(JSON)  # credit_list ids that trigger it
    targets: Mapped[list] = mapped_column(JSON)  # subject kinds
    reaches_responsible: Mapped[bool] = mapped_column(Boolean)  # Art. 33
    contexts: Mapped[list] = mapped_column(JSON)  # Art. 28 purpose codes
    implementing_organ: Mapped[str] = mapped_column(String(200))  # as the published list words it
    # Who implements it (Art. 22): these units, and/or a class ("context": every administrative organ
    # deciding in one of the measure's contexts). An organ's check returns only measures it implements.
    implementing_units: Mapped[list] = mapped_column(JSON, default=list)
    implementing_class: Mapped[str | None] = mapped_column(String(16))
    # A law or administrative regulation that obliges the implementing organ to check the trigger
    # information (its level and article): the exception of Art. 17.3 for the measure's triggers.
    check_basis: Mapped[str | None] = mapped_column(Text)
    check_basis_level: Mapped[str | None] = mapped_column(String(32))
    basis_text: Mapped[str] = mapped_column(Text)
    basis_level: Mapped[str] = mapped_column(String(32))  # law | administrative-regulation | local-regulation | policy
    state: Mapped[str] = mapped_column(String(16))  # draft | published | withdrawn
    published_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The supervisor's official announcement (Art. 22, 32.2): where (gazette | credit-shanghai |
    # national-memorandum), its document and its date. A measure counts as announced only from that date, and
    # only while it is published on the platform's /measures page.
    announced_in: Mapped[str | None] = mapped_column(String(32))
    announcement_document: Mapped[str | None] = mapped_column(String(200))
    announced_on: Mapped[date | None] = mapped_column(Date)


class MeasureCheck(Base):
    """A pre-decision check by an organ's officer (Art. 28): the context, and per subject the inquiry
    made and the measures returned with their grounds (so an application can cite them)."""

    __tablename__ = "measure_check"
    __table_args__ = (Index("ix_measure_check_unit", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_on: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    officer_label: Mapped[str | None] = mapped_column(String(100))
    context: Mapped[str] = mapped_column(String(32))
    subjects: Mapped[int] = mapped_column(Integer)
    # {subject id: {measure id: [grounds]}} — only subjects with measures; no personal data
    results: Mapped[dict] = mapped_column(JSON)


class MeasureApplication(Base):
    """An organ applied a measure to a subject, on a decision document, with its grounds (Art. 32.1)."""

    __tablename__ = "measure_application"
    __table_args__ = (Index("ix_measure_application_subject", "subject_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id"))
    check_id: Mapped[int] = mapped_column(ForeignKey("measure_check.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    officer_label: Mapped[str | None] = mapped_column(String(100))
    document: Mapped[str] = mapped_column(String(200))
    decided_on: Mapped[date] = mapped_column(Date)
    grounds: Mapped[list] = mapped_column(JSON)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
