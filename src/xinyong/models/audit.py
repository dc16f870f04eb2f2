from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class AuditEvent(Base):
    """An append-only audit event (Art. 20): ``source:object:action`` with a keyed digest.

    Events name subjects by surrogate id and hold digests, never personal data, so a lawful
    deletion (Art. 37) does not break verification.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_subject", "subject_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(120))  # "unit:<uscc>" / "operator:cli" / "system"
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int | None] = mapped_column(BigId)
    digest: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict | None] = mapped_column(JSON)
