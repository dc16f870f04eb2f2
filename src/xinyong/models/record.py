from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class Batch(Base):
    """One submitted file (or API call) from a providing unit, with its outcome.

    The batch table is also the import queue (``record.queue``): a batch submitted over HTTP waits as
    ``queued`` until a worker claims it; the process that runs a batch holds its lease (``lease_holder``,
    ``lease_expires_at``, renewed with every chunk and by a heartbeat). A batch whose lease lapsed is
    ``interrupted``, with the chunks it committed, until it is resumed."""

    __tablename__ = "batch"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    file_format: Mapped[str | None] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # received | queued | running | interrupted | done | failed
    status: Mapped[str] = mapped_column(String(16), index=True)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    already_present: Mapped[int] = mapped_column(Integer, default=0)
    notices: Mapped[list | None] = mapped_column(JSON)
    # Columns of the file that are not the catalog's declared fields: dropped before anything was kept (Art. 11)
    dropped_columns: Mapped[list | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    # Who submitted it (the officer's staff number, or "console"): a worker imports it as them.
    officer: Mapped[str | None] = mapped_column(String(64))
    officer_id: Mapped[int | None] = mapped_column(BigId)
    # The process running it: "host:pid:token", and until when (real time, renewed while it runs).
    lease_holder: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    runs: Mapped[int] = mapped_column(Integer, default=0)  # how many times a process started it


class BatchReject(Base):
    """A rejected row: line, field, reason and article, for the clerk to fix and resubmit."""

    __tablename__ = "batch_reject"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batch.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    article: Mapped[str | None] = mapped_column(String(32))
    # The reason's message template and its (masked) values, for the portal to word it in Chinese (migration 0026);
    # None for a reason that is fixed text, or stored before.
    reason_template: Mapped[str | None] = mapped_column(Text)
    reason_params: Mapped[dict | None] = mapped_column(JSON)


class Record(Base):
    """One piece of public credit information about one subject, from one unit, under one item.

    The inquiry period (Art. 35) is computed at read time from ``ended_on``; it is never a status.
    """

    __tablename__ = "record"
    __table_args__ = (
        UniqueConstraint("unit_id", "item_code", "doc_no", "subject_id"),
        Index("ix_record_subject_item", "subject_id", "item_code"),
        # SQLite: never give a deleted record's id to a new one (Art. 37 purge; migration 0014)
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    item_code: Mapped[str] = mapped_column(ForeignKey("catalog_item.code"))
    untrustworthy: Mapped[bool] = mapped_column(Boolean)
    doc_no: Mapped[str] = mapped_column(String(200))
    doc_date: Mapped[date] = mapped_column(Date)
    doc_org: Mapped[str] = mapped_column(String(200))
    conduct_date: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # "provided" (the ended_on column), "decision_date" (defaulted), or "continuing" (no end yet)
    ended_on_source: Mapped[str] = mapped_column(String(16))
    procedure: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[str | None] = mapped_column(String(16))
    amount_yuan: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    content: Mapped[dict] = mapped_column(JSON)
    content_digest: Mapped[str] = mapped_column(String(64))
    # active | restored (hidden from inquiry, Art. 38) | revoked (to be deleted, Art. 37)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Under objection (Art. 36): served with that marker until the objection is decided.
    objection_open: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batch.id"))
    line_no: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RecordHistory(Base):
    """A change to a record: who, when, why, on which document, and the version it replaced."""

    __tablename__ = "record_history"
    __table_args__ = (Index("ix_record_history_subject", "subject_id", "record_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(BigId)
    subject_id: Mapped[int] = mapped_column(BigId)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    reason: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(String(200))
    previous_content: Mapped[dict | None] = mapped_column(JSON)
    previous_digest: Mapped[str | None] = mapped_column(String(64))


class RecordAction(Base):
    """A lawful act on a record reported by its provider or decided in a case: a correction or
    withdrawal (Art. 11), a revocation (Art. 37), a restoration (Art. 38). Keeps the written document,
    the reason and — where the regulation sets one — the deadline with its basis."""

    __tablename__ = "record_action"
    __table_args__ = (Index("ix_record_action_pending", "action", "done_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(BigId, index=True)
    subject_id: Mapped[int] = mapped_column(BigId)
    unit_id: Mapped[int] = mapped_column(BigId)
    item_code: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(24))  # correct | withdraw | revoke | restore | delete | objection-correct
    document: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(24))  # organ | reconsideration | court (Art. 37)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    basis_parameter: Mapped[str | None] = mapped_column(String(64))
    basis_value: Mapped[int | None] = mapped_column(Integer)
    basis_article: Mapped[str | None] = mapped_column(String(32))
    deadline_note: Mapped[str | None] = mapped_column(Text)  # why no due date could be computed
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecordTombstone(Base):
    """What remains of a record deleted under Art. 37: ids, item, the revoking document, dates, the
    audit digest — no content. Its place in its import (batch, line) and its keyed member digest keep
    that import chunk verifiable (``audit.service.chunk_digest``, scheme 2) without its content or
    document number."""

    __tablename__ = "record_tombstone"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(BigId, unique=True)
    subject_id: Mapped[int] = mapped_column(BigId, index=True)
    unit_id: Mapped[int] = mapped_column(BigId)
    item_code: Mapped[str] = mapped_column(String(40))
    revoking_document: Mapped[str] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(24))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    content_digest: Mapped[str] = mapped_column(String(64))  # keyed: proves what was deleted, reveals nothing
    batch_id: Mapped[str | None] = mapped_column(String(36))
    line_no: Mapped[int | None] = mapped_column(Integer)
    member_digest: Mapped[str | None] = mapped_column(String(64))  # keyed; None: deleted before revision 0011
