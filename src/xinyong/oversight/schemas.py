from __future__ import annotations

from pydantic import Field

from ..schemas import ReadModel, UnitRef


class ConsoleActRead(ReadModel):
    """One act of the console for a unit, with its recorded reason (Art. 19(2))."""

    event_id: int
    at: str = Field(..., description="ISO 8601 timestamp (UTC)")
    command: str | None
    unit: UnitRef
    reason: str | None
