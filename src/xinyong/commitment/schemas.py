from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from ..schemas import InModel, ReadModel


class CommitmentIn(InModel):
    form: str = Field("commitment", description="commitment | declaration | self_report (Art. 13.2)")
    kind: str = Field("", description="A commitment's national type: approval_substitute, deficiency_accepted, "
                      "certification, restoration, industry_self_discipline, voluntary, other")
    accepting_unit: str = Field(..., max_length=18, description="The accepting unit's USCC")
    reason: str = Field(..., max_length=2000, description="The matter the commitment is made for")
    content: str = Field(..., max_length=4000, description="What is declared or committed")
    liability: str = Field("", max_length=2000, description="The liability accepted for a breach (a commitment)")
    valid_until: date | None = Field(None, description="Valid until (inclusive)")
    disclosure: str = Field("public", description="public | scope | not_public: the subject's choice, recorded")
    guaranteed: bool = Field(..., description="The subject guarantees it lawful, true and complete (Art. 13.2)")


class CommitmentActIn(InModel):
    document: str = Field(..., max_length=200, description="The unit's document")
    reason: str = Field("", max_length=2000, description="The reasons (required to decline or for a breach)")


class AcceptanceIn(CommitmentActIn):
    accept: bool = Field(..., description="true: accept (it becomes a record of the item 'commitment'); false: "
                         "decline")


class FulfilmentIn(CommitmentActIn):
    outcome: str = Field(..., description="fulfilled | partly_fulfilled | not_fulfilled")


class AcceptingUnitRead(ReadModel):
    name: str
    uscc: str


class CommitmentRead(ReadModel):
    id: int
    code: str
    form: str
    kind: str
    reason: str
    content: str
    liability: str
    made_on: date
    valid_until: date | None
    accepting_unit: AcceptingUnitRead
    disclosure: str
    status: str
    declared_at: datetime
    decided_on: date | None
    decision_document: str | None
    decision_reason: str | None
    fulfilment_on: date | None
    fulfilment_document: str | None
    record_id: int | None
