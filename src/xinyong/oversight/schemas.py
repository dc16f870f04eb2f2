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


# --- the oversight register (Art. 19, 20, 49-51) -----------------------------------------------

from typing import Any, Literal  # noqa: E402

from .rules import OUTCOMES  # noqa: E402


class RegisterUnitRead(ReadModel):
    name: str | None = None
    uscc: str | None = None
    kind: str | None = None


class OversightDecisionRead(ReadModel):
    """One decision of the competent authority on a register entry."""

    id: int
    outcome: str = Field(..., description=" | ".join(OUTCOMES))
    decided_on: str = Field(..., description="ISO 8601 date")
    decided_by: str = Field(..., description="The authority's officer who decided")
    document: str
    reasons: str | None
    deadline: str | None = Field(None, description="An order to correct's deadline (ISO 8601 date)")
    amount_yuan: int | None = Field(None, description="A fine's amount, within the dated range")
    article: str
    authority: str


class RegisterEntryRead(ReadModel):
    """One possible breach: its stable key, the article breached and the article of the consequence, the
    responsible party, the competent authority, what the regulation attaches, and its state."""

    key: str = Field(..., description="kind:object id — stable")
    kind: str
    breach: str
    duty: str = Field(..., description="The article whose duty is concerned")
    article: str = Field(..., description="The article of the consequence")
    party: str = Field(..., description="organ | center | credit-service | staff | any")
    unit: RegisterUnitRead | None
    authority: str
    consequence: str
    outcomes: list[str] = Field(..., description="The decisions the authority may record (none: an attempt)")
    other_law: str | None
    state: str = Field(..., description="attempt | open | decided | order_pending | deadline_passed")
    deadline: str | None = Field(None, description="The pending order to correct's deadline")
    since: str | None
    found: dict[str, Any] = Field(..., description="What the platform recorded (as the supervisor's page shows it)")
    decisions: list[OversightDecisionRead]


class OversightDecisionIn(InModel):
    """The competent authority's decision: its outcome, the officer who decided, the document, and — as the
    outcome needs — reasons (no breach), a deadline (an order to correct), an amount (a fine), the authority
    referred to (another law's)."""

    outcome: Literal["no_breach", "interview", "order_to_correct", "warning", "circulated_criticism", "fine",
                     "corrected", "referred"]
    decided_by: str = Field(..., min_length=1, max_length=120)
    document: str = Field(..., min_length=1, max_length=200)
    reasons: str = Field("", max_length=2000)
    deadline: date | None = None
    amount_yuan: int | None = Field(None, ge=0, le=10**9)
    referred_to: str = Field("", max_length=200)
