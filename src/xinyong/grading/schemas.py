from __future__ import annotations

from datetime import date
from typing import Any, List, Literal  # List: these models have a field named 'list'

from pydantic import Field

from ..schemas import InModel, ReadModel


class GradeIn(InModel):
    subject: str = Field(..., max_length=64, description="USCC (or resident ID number); never in a URL")
    purpose: str = Field(..., max_length=32, description="An Art. 28 purpose code")


# --------------------------------------------------------------------------------------------
# Responses


class ScaleStepRead(ReadModel):
    grade: str
    min: int


class RuleLineRead(ReadModel):
    id: str
    points: int
    text: str
    item: str | None = None
    severity: str | None = None
    list_kind: str | None = None


class GradingRulesRead(ReadModel):
    """The published grading rules: version, date, scale, every line (Art. 23)."""

    version: str
    published_on: str
    source: str
    start: int
    floor: int
    ceiling: int
    scale: List[ScaleStepRead]
    records: List[RuleLineRead]
    lists: List[RuleLineRead]


class GradedSubjectRead(ReadModel):
    id: int
    kind: str
    name: str
    identifier: str = Field(..., description="A resident ID number masked (前6后4)")


class RulesVersionRead(ReadModel):
    version: str
    published_on: str
    source: str
    scale: List[ScaleStepRead] | None = None


class AppliedLineRead(ReadModel):
    id: str
    text: str
    version: str


class ContributionRead(ReadModel):
    """One point of the grade, explained: the record or list entry and the rule line (or, once the record or
    entry is deleted, a mark naming its id and the article)."""

    type: Literal["record", "list-entry"]
    record_id: int | None = None
    entry_id: int | None = None
    item: dict[str, Any] | None = None
    list: dict[str, Any] | None = None
    article: str | None = None
    document: dict[str, Any] | None = None
    markers: List[str] | None = None
    rule: AppliedLineRead | None = None
    points: int
    deleted: bool | None = None
    hidden: bool | None = None
    note: str | None = None


class GradeRead(ReadModel):
    """A grade with every contribution explained (Art. 23); an organ's request carries its inquiry's id."""

    subject: GradedSubjectRead
    grade: str
    score: int
    start: int
    on: date
    article: str
    rules: RulesVersionRead
    legal_basis_for_natural_persons: str | None
    contributions: List[ContributionRead]
    computed: str
    inquiry_id: int | None = None
