from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class ServiceNorm(Base):
    """A version of the Center's published service norms (Art. 18.1): its inquiry windows, opening hours, how
    to get a credit report and how to object. Every edit is a new version; the page shows the latest."""

    __tablename__ = "service_norm"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    windows: Mapped[str] = mapped_column(Text)
    hours: Mapped[str] = mapped_column(Text)
    reports: Mapped[str] = mapped_column(Text)
    objections: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(Date)
    edited_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
