from __future__ import annotations

from datetime import date

from pydantic import Field

from ..schemas import Id, InModel, ReadModel, UnitRef


class RestorationIn(InModel):
    record_id: Id = Field(..., description="My untrustworthy record whose restoration I apply for")
    measure: str = Field(..., description="fulfilled | deferral | explanation | other: how the loss was reduced "
                         "and the adverse effect removed (Art. 38)")
    reason: str = Field(..., max_length=4000, description="What was done, in words")
    materials: list[str] = Field(default_factory=list, max_length=50,
                                 description="The materials, described (files are sent through the portal)")


class RestorationDecisionIn(InModel):
    outcome: str = Field(..., description="granted | refused")
    document: str = Field(..., max_length=200, description="The written decision (for a grant: the written proof "
                          "of credit restoration, Art. 38)")
    reason: str = Field("", max_length=4000, description="The reasons (required for a refusal)")


class MaterialRead(ReadModel):
    name: str | None = None
    size: int | None = None
    sha256: str | None = None
    text: str | None = None


class RestoredRecordRead(ReadModel):
    id: int
    item: str
    document: str
    status: str


class PublicityMinimumRead(ReadModel):
    until: date
    parameter: str | None
    months: int | None
    met: bool


class RestorationDecisionRead(ReadModel):
    outcome: str
    document: str | None
    reason: str | None
    decided_on: date | None
    decided_by: str | None


class RecordRestorationRead(ReadModel):
    action_id: int
    due_on: date | None
    done_on: date | None
    article: str


class RestorationRead(ReadModel):
    """A credit restoration application (Art. 38), the deciding organ's decision, and the record's restoration."""

    id: int
    subject_id: int
    record: RestoredRecordRead
    unit: UnitRef | None
    measure: str
    reason: str
    materials: list[MaterialRead]
    status: str
    applied_on: date
    publicity_minimum: PublicityMinimumRead | None
    decision: RestorationDecisionRead | None
    restoration: RecordRestorationRead | None
