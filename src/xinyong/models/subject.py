from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, String, Text
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
