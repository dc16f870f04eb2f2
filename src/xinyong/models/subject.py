from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class Subject(Base):
    """An information subject (Art. 2), keyed by a surrogate id.

    The identifier is stored here once; every other table names the subject by ``id`` and
    look-ups go through ``identifier_digest`` (HMAC), so no other table, log or URL holds a
    natural person's number. Even here it is only encrypted (``identifier_enc``, bound to the
    digest, key outside the database): read it with ``subject.service.identifier_of``.
    """

    __tablename__ = "subject"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))  # natural_person | organization | government_organ
    scheme: Mapped[str] = mapped_column(String(8))  # ric | uscc
    # A USCC as it is; a natural person's number only masked (前6后4): the number itself is encrypted
    # in ``identifier_enc`` (authenticated encryption, key outside the database).
    identifier: Mapped[str] = mapped_column(String(18))
    identifier_enc: Mapped[str | None] = mapped_column(Text)
    identifier_digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(6))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # the day the subject was deregistered (a ``subject_change`` of kind ``deregistered`` holds the document);
    # the subject, its records and its history stay
    deregistered_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubjectChange(Base):
    """One event in the life of a subject (issue 13 §6): a name or identifier change, a former identifier
    recorded, a deregistration, a merger or a split — each from a providing unit (or the operator's decision)
    with its document. Never a natural person's number: identifiers only masked and by their keyed digest."""

    __tablename__ = "subject_change"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    # name_changed | identifier_changed | former_identifier | deregistered | merged_into | merged_from
    # | split_from | split_into
    kind: Mapped[str] = mapped_column(String(24))
    old_value: Mapped[str | None] = mapped_column(String(200))  # a name, or an identifier (masked for a person)
    new_value: Mapped[str | None] = mapped_column(String(200))
    old_digest: Mapped[str | None] = mapped_column(String(64))  # identifier digests (keyed HMAC)
    new_digest: Mapped[str | None] = mapped_column(String(64))
    other_subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"))  # merger / split partner
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # the providing unit (None: operator)
    doc_org: Mapped[str | None] = mapped_column(String(200))  # who issued the document
    doc_no: Mapped[str] = mapped_column(String(100))
    doc_date: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))  # the actor's label
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_on: Mapped[date] = mapped_column(Date)  # the Shanghai day (clock.local_date)


class SubjectIdentifier(Base):
    """A former identifier of a subject: the subject is still found by it (``subject.service.find``).

    ``identifier_digest`` is the same keyed HMAC as ``subject.identifier_digest`` (of ``scheme:code``); a
    natural person's number is only masked in ``identifier`` and encrypted in ``identifier_enc`` (bound to
    this digest), exactly as ``subject`` stores it. Schemes: ``uscc``, ``ric`` (18 digits), ``org`` (a GB 11714
    organization code), ``ric15`` (a 15-digit resident ID number)."""

    __tablename__ = "subject_identifier"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(8))
    identifier: Mapped[str] = mapped_column(String(18))
    identifier_enc: Mapped[str | None] = mapped_column(Text)
    identifier_digest: Mapped[str] = mapped_column(String(64), unique=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("subject_change.id"))  # the event that made it former
    valid_until: Mapped[date] = mapped_column(Date)  # the last day it named the subject
