from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, BigId


class Unit(Base):
    """A providing unit or an inquirer (Art. 8, 11, 17, 19), known by its USCC."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A judicial organ's kind: court | procuratorate (how it names the case it inquires for).
    subkind: Mapped[str | None] = mapped_column(String(24))
    # Art. 28.2: the law or regulation that gives a non-administrative unit public-affairs functions; such
    # a unit publishes an inquiry list and inquires as an administrative organ does.
    mandate: Mapped[str | None] = mapped_column(Text)

    provides: Mapped[list[UnitProvides]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UnitProvides.item_code"
    )
    inquiry_items: Mapped[list[UnitInquiryItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin",
        order_by="(UnitInquiryItem.item_code, UnitInquiryItem.purpose)",
    )


class UnitProvides(Base):
    """A catalog item the unit may provide (Art. 11)."""

    __tablename__ = "unit_provides"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("catalog_item.code"), primary_key=True)


class UnitInquiryItem(Base):
    """An (item, purpose) pair on an administrative organ's published inquiry list (Art. 17.2, 28)."""

    __tablename__ = "unit_inquiry_item"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("catalog_item.code"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    published_on: Mapped[date] = mapped_column(Date)


class UnitInquiryList(Base):
    """A (list, purpose) pair on an organ's published inquiry list: the organ may see that list's entries
    for that purpose (Art. 17.2), from the day it was published."""

    __tablename__ = "unit_inquiry_list"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("credit_list.id"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    published_on: Mapped[date] = mapped_column(Date)


class Officer(Base):
    """A member of a unit's staff with query rights within the unit's own (Art. 19(2))."""

    __tablename__ = "officer"
    __table_args__ = (UniqueConstraint("unit_id", "staff_no"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    staff_no: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    # None: every (item, purpose) of the unit's own list; else a subset of it.
    items: Mapped[list | None] = mapped_column(JSON)
    purposes: Mapped[list | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UnitToken(Base):
    """A bearer token — of a unit, of one of its officers, or of a subject; only its digest is stored."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A subject's agent (an organization acts only through one; a person may choose one): the agent's name
    # and the written authorization the token rests on, checked by the operator at the counter.
    agent_name: Mapped[str | None] = mapped_column(String(100))
    agent_document: Mapped[str | None] = mapped_column(String(200))
