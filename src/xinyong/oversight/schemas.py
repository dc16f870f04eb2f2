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


# --- agents' tokens (Art. 17.1) ----------------------------------------------------------------

from datetime import date, datetime  # noqa: E402

from ..schemas import InModel  # noqa: E402


class AgentTokenIn(InModel):
    """An agent's token for a subject: the subject's identifier (a USCC, or a natural person's ID number — in
    the body only), the agent's name, the written authorization it rests on, and when it expires."""

    subject: str = Field(..., min_length=1, max_length=64, description="The subject's USCC or ID number")
    agent_name: str = Field(..., min_length=1, max_length=100, description="The agent's name")
    agent_document: str = Field(..., min_length=1, max_length=200,
                                description="The written authorization (its title and number) the token rests on")
    expires_on: date = Field(..., description="The day the token stops working (after today)")


class AgentSubjectRead(ReadModel):
    id: int
    kind: str
    name: str
    identifier: str = Field(..., description="A USCC, or a natural person's ID number masked")


class AgentTokenRead(ReadModel):
    id: int
    subject: AgentSubjectRead
    agent_name: str
    agent_document: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str = Field(..., description="live | expired | revoked")


class AgentTokenIssuedRead(AgentTokenRead):
    token: str = Field(..., description="The agent's token, shown once")
