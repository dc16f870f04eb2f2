from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class CreditList(Base):
    """A list of seriously untrustworthy subjects (black, Art. 25) or of trustworthy ones (red, Art. 29):
    its standard for entry on its legal basis, the public comment period (Art. 24), and the entry and
    removal requirements and remedy paths published with it (Art. 25.3)."""

    __tablename__ = "credit_list"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))  # black | red
    keeper_organ: Mapped[str] = mapped_column(String(200))
    keeper_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    entry_standard: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    comment_from: Mapped[date | None] = mapped_column(Date)
    comment_to: Mapped[date | None] = mapped_column(Date)
    entry_requirements: Mapped[str] = mapped_column(Text)
    removal_requirements: Mapped[str] = mapped_column(Text)
    remedy_paths: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))  # draft | published | withdrawn
    published_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Who may see the entries: "public" (the list's rules publish them) or "organs" (only organs whose
    # published inquiry list names the list). For a public list, the source that publishes it and its level.
    disclosure: Mapped[str] = mapped_column(String(16), default="organs")
    public_basis: Mapped[str | None] = mapped_column(Text)
    public_basis_level: Mapped[str | None] = mapped_column(String(32))


class ListEntry(Base):
    """A subject on a list: the ground (Art. 25.2 item for black lists), the determining document, the date."""

    __tablename__ = "list_entry"
    # SQLite: a purged entry's id is never given to a new one (migration 0014)
    __table_args__ = (Index("ix_list_entry_subject_status", "subject_id", "status"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("credit_list.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    ground: Mapped[str | None] = mapped_column(String(8))  # "(1)" … "(4)" of Art. 25.2 (black lists)
    ground_text: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(String(200))
    decided_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # listed | removed | revoked
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_document: Mapped[str | None] = mapped_column(String(200))
    removal_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ListEntryPerson(Base):
    """A natural person responsible for a listed organization's act (Art. 33), fixed when recorded."""

    __tablename__ = "list_entry_person"
    __table_args__ = (Index("ix_list_entry_person_subject", "subject_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entry.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    role: Mapped[str] = mapped_column(String(32))  # legal-representative | principal | directly-responsible


class ListRemedy(Base):
    """A listed subject's application for remedy (Art. 25.3) and its outcome."""

    __tablename__ = "list_remedy"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entry.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    reason: Mapped[str] = mapped_column(Text)
    applied_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # pending | upheld | revoked
    decided_by: Mapped[str | None] = mapped_column(String(24))  # organ | reconsideration | court
    outcome_document: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)


class ListComment(Base):
    """A comment received on a list's standard while it was put out for comment, and the keeper's response
    (Art. 24). Its text is stored as the keeper summarises it, ID-shaped numbers masked; no commenter named."""

    __tablename__ = "list_comment"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("credit_list.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
