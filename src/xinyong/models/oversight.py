from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class OversightDecision(Base):
    """A competent authority's decision on one entry of the oversight register (Art. 50, 51): recorded by the
    supervisor, never by the Center. The entry is named by its stable key (kind + object id,
    ``oversight.register``); an order to correct carries its deadline, a fine its amount within the dated
    range of the decision day; ``corrected`` closes an order, ``referred`` hands it to the authority another
    law names (Art. 49, 51.4)."""

    __tablename__ = "oversight_decision"
    __table_args__ = (Index("ix_oversight_decision_entry", "entry_key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))  # the register row's kind
    article: Mapped[str] = mapped_column(String(20))  # the article the consequence rests on
    authority: Mapped[str] = mapped_column(String(40))  # the competent authority (register.AUTHORITIES)
    # no_breach | interview | order_to_correct | warning | circulated_criticism | fine | corrected | referred
    outcome: Mapped[str] = mapped_column(String(24))
    decided_on: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(120))  # the authority's officer, as it names them
    document: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)  # an order to correct's
    amount_yuan: Mapped[int | None] = mapped_column(BigInteger)  # a fine's
    recorded_by: Mapped[str] = mapped_column(String(120))  # the supervisor's actor label
