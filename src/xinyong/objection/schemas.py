from __future__ import annotations

from datetime import date

from typing import Any

from pydantic import Field

from ..schemas import Id, InModel, ReadModel, UnitRef


class ObjectionIn(InModel):
    record_ids: list[Id] = Field(default_factory=list, description="The subject's own records concerned")
    kind: str = Field("error", description="error | omission | unlawful-collection | rights (Art. 36.1)")
    reason: str
    evidence: list[str] = Field(default_factory=list, description="Document references or descriptions")
    to_uscc: str | None = Field(None, description="A credit service establishment (Art. 36.3); omit for the Center")
    subject: str | None = Field(None, description="The Center only, entering an objection it received on a "
                                "subject's behalf: the subject's USCC or resident identity card number (in the "
                                "body, never a URL). A subject files about itself and leaves it out")
    received_on: date | None = Field(None, description="The Center only: the day the materials were received "
                                     "(by post, at a window), today or earlier; the deadlines count from it "
                                     "(Art. 36.2). A subject filing online is received the day it files")


class NoteIn(InModel):
    path: str | None = Field(None, description="center (Art. 36.2(1)) | provider (Art. 36.2(2)); "
                             "not used by credit service establishments")


class DecisionIn(InModel):
    outcome: str = Field(..., description="corrected | upheld | deleted; resolved | rejected without records")
    document: str = Field(..., description="The deciding document")
    reason: str = Field(..., description="The reasons in writing (required when not corrected)")
    changes: dict[str, str] = Field(default_factory=dict, description="field → corrected value")
    record_ids: list[Id] | None = Field(None, description="The objection's records the outcome applies to "
                                         "(default: all)")
    information_source: str | None = Field(None, description="The source of the information (required for "
                                           "credit service establishments, Art. 36.3)")


# --------------------------------------------------------------------------------------------
# Responses


class StepBasisRead(ReadModel):
    parameter: str
    value: int
    article: str
    kind: str
    note: str | None


class StepRead(ReadModel):
    step: str
    party: str
    unit: UnitRef | None
    start_on: date
    due_on: date
    basis: StepBasisRead
    done_on: date | None
    late: bool


class ObjectionRecordRead(ReadModel):
    id: int
    item: str
    document: str
    source: UnitRef | None
    outcome: str | None


class ObjectionDecisionRead(ReadModel):
    outcome: str
    reasons: str | None
    document: str | None
    information_source: str | None
    changes: dict[str, Any] | None
    decided_by: str | None
    unit: UnitRef | None
    decided_on: date | None
    informed_on: date | None


class ObjectionRead(ReadModel):
    """An objection with its records, its steps and their deadlines (Art. 36), and its decision."""

    id: int
    number: str
    subject_id: int
    kind: str
    reason: str
    evidence: list[str]
    addressee: str
    to: UnitRef | None
    path: str | None
    handler: UnitRef | None
    status: str
    received_on: date
    recorded_on: date | None
    received_at: str = Field(..., description="ISO 8601 timestamp")
    records: list[ObjectionRecordRead]
    steps: list[StepRead]
    decision: ObjectionDecisionRead | None


class InboxStepRead(StepRead):
    """An open step of a unit's (or the Center's) work, with its deadline."""

    objection: str
    id: int
    kind: str
    status: str
    received_on: date
    record_ids: list[int]
    overdue: bool
