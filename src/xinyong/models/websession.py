"""Signed-in browser sessions of the portal (``xinyong.portal.websession``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class WebSession(Base):
    """One sign-in: opened with an access token, ended by sign-out, idleness or age.

    Only digests are stored: of the cookie (the session's secret) and of the token it was opened with, which
    is authenticated again on every request, so that revoking the token ends the session at once.
    """

    __tablename__ = "web_session"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cookie_digest: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("access_token.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(16))  # sign-out | idle | age | token
