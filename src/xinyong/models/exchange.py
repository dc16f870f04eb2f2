"""Exchange with other credit information platforms (Art. 7, 12, 16): who the partners are, every export and
import, where each received record came from, and the objections carried between platforms (Art. 36.2(2))."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class ExchangePartner(Base):
    """Another platform (the national credit information sharing platform, another province's, a system of the
    city's): its region (ISO 3166), the unit its records are stored under, and its public keys — the one that
    verifies its exports (Ed25519) and the one natural persons' numbers are sealed to for it (X25519)."""

    __tablename__ = "exchange_partner"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # national | province | city (exchange.rules.PARTNER_KINDS)
    region: Mapped[str] = mapped_column(String(8))
    verify_key: Mapped[str] = mapped_column(String(64))  # base64 of the raw 32-byte Ed25519 public key
    seal_key: Mapped[str] = mapped_column(String(64))  # base64 of the raw 32-byte X25519 public key
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_by: Mapped[str] = mapped_column(String(120))


class ExchangeExport(Base):
    """One export to a partner: what it covered (from one watermark to the next), what it held, and the digest
    of its signed manifest."""

    __tablename__ = "exchange_export"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("exchange_partner.id"), index=True)
    since: Mapped[str | None] = mapped_column(String(64))
    watermark: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(8))  # cli | api
    catalog_version: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[dict] = mapped_column(JSON)
    manifest_sha256: Mapped[str] = mapped_column(String(64))


class ExchangeImport(Base):
    """One partner's export, imported: verified against the partner's key, its files through the importer. The
    same export imported twice is recognised by its manifest's digest (idempotent)."""

    __tablename__ = "exchange_import"
    __table_args__ = (UniqueConstraint("partner_id", "manifest_sha256"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("exchange_partner.id"), index=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    sender_export_id: Mapped[int | None] = mapped_column(BigId)
    watermark: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    imported_by: Mapped[str] = mapped_column(String(120))
    counts: Mapped[dict] = mapped_column(JSON)
    batches: Mapped[list] = mapped_column(JSON)


class ExchangeReceived(Base):
    """Where a received record came from: the platform, its reference there, the file and the line. Corrections,
    withdrawals, revocations and restorations the platform sends later find the record by that reference."""

    __tablename__ = "exchange_received"
    __table_args__ = (UniqueConstraint("partner_id", "origin_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(BigId, unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("exchange_partner.id"))
    origin_ref: Mapped[str] = mapped_column(String(64))
    import_id: Mapped[int] = mapped_column(BigId)
    file: Mapped[str] = mapped_column(String(255))
    line: Mapped[int] = mapped_column(Integer)


class ExchangeObjection(Base):
    """An objection carried between platforms (Art. 36.2(2)): ``outgoing`` — one of ours about a record a partner
    sent us, transferred to that platform (the objection's own steps keep its deadlines); ``incoming`` — a
    partner's objection about a record we sent it, opened here as an objection of our own (``objection_id``),
    whose decision goes back to the partner in the next export."""

    __tablename__ = "exchange_objection"
    __table_args__ = (UniqueConstraint("partner_id", "direction", "their_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("exchange_partner.id"))
    direction: Mapped[str] = mapped_column(String(8))  # outgoing | incoming
    objection_id: Mapped[int] = mapped_column(BigId, index=True)
    their_number: Mapped[str] = mapped_column(String(40))  # the objection's number on the other platform
    record_ref: Mapped[str] = mapped_column(String(64))  # the record, by the origin platform's reference
    sent_export_id: Mapped[int | None] = mapped_column(BigId)  # outgoing: in which export; incoming: the decision
    received_import_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
