from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class AuditEvent(Base):
    """An append-only audit event (Art. 20): ``source:object:action`` with a keyed digest.

    Events name subjects by surrogate id and hold digests, never personal data, so a lawful
    deletion (Art. 37) does not break verification. ``chain_hash`` is filled in by ``xinyong audit
    seal`` (appending stays a plain insert): SHA-256 of the previous event's chain hash and this
    event's canonical bytes (``xinyong.audit.chain``).
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
    chain_hash: Mapped[str | None] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed checkpoint of the audit log (RFC 6962 tree head): the first ``tree_size`` events
    hash to ``root_hash``; the last of them is ``last_event_id`` and its chain hash ``chain_head``.

    The same signed document is exported as ``checkpoint-<seq>.json`` outside the database; the
    unique tree size and sequence make two concurrent seals unable to fork the log.
    """

    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigId, unique=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    last_event_id: Mapped[int] = mapped_column(BigId)
    chain_head: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The compact Merkle range (roots of the perfect subtrees of the first tree_size leaves), so
    # that the next seal extends the tree without rereading the whole log.
    frontier: Mapped[list] = mapped_column(JSON)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    document: Mapped[str] = mapped_column(Text)  # the signed JSON exactly as exported
