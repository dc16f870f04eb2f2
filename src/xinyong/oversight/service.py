"""What the supervisor sees: the console's acts for units, each with the reason it recorded (the console is the
Center's; acting for a unit is an exception the supervisor watches, Art. 19(2), 20(1))."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.chain import iso_utc
from ..clock import start_of
from ..models import AuditEvent, Unit


def console_acts(session: Session, *, since: date | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """The console's acts for units, newest first: when, which command, for which unit, and why."""
    q = (select(AuditEvent, Unit.name).outerjoin(Unit, Unit.uscc == AuditEvent.details["unit"].as_string())
         .where(AuditEvent.action == "console:act-for").order_by(AuditEvent.id.desc()).limit(limit))
    if since is not None:
        q = q.where(AuditEvent.at >= start_of(since))
    return [{"event_id": e.id, "at": iso_utc(e.at), "command": (e.details or {}).get("command"),
             "unit": {"uscc": (e.details or {}).get("unit"), "name": name}, "reason": (e.details or {}).get("reason")}
            for e, name in session.execute(q)]
