from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class Notice(Base):
    """A letter to a subject in the portal's inbox (Art. 32.1, 36, 37, 38): a measure applied, with its basis,
    grounds and the organ that applied it; an objection step; a revocation or a restoration carried out.
    Written in the same transaction as the act it tells of: the letter exists iff the act committed."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_subject", "subject_id", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    kind: Mapped[str] = mapped_column(String(24))  # measure_applied | objection_step | record_revoked | record_restored
    article: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))  # English; its template and values in ``body["title"]``
    # the letter: codes, names, documents and ids only (never an identifier); a deleted record's ground
    # becomes a mark (Art. 37, notice.service.forget_records)
    body: Mapped[dict] = mapped_column(JSON)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NoticeMail(Base):
    """The e-mail telling a subject that a letter waits in the portal (no content). The address is read from
    ``subject_contact`` when it is sent (a withdrawn address is never used); none is stored here."""

    __tablename__ = "notice_mail"
    __table_args__ = (Index("ix_notice_mail_state", "state", "next_attempt_at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), unique=True)
    state: Mapped[str] = mapped_column(String(12))  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))  # the SMTP error's class and code, no address
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SubjectContact(Base):
    """The e-mail address a subject gave for notices (personal information: encrypted with ``xinyong.crypto``,
    bound to the subject's id)."""

    __tablename__ = "subject_contact"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), unique=True)
    address_enc: Mapped[str | None] = mapped_column(Text)  # None once withdrawn
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
