from __future__ import annotations

from datetime import date
from typing import Any, List, Literal  # List: these models have a field named 'list'

from pydantic import Field

from ..schemas import InModel, ReadModel


class MeasureIn(InModel):
    code: str
    name: str
    measure: str = Field(..., description="The measure itself (实施手段)")
    kind: str = Field(..., description="incentive (Art. 29) | punishment (Art. 30) | restriction (Art. 31)")
    item: str = Field(..., description="The item of that article, e.g. '(1)'")
    incident: str = Field(..., description="The specific incident, in words")
    incident_items: list[str] = Field(default_factory=list, description="Catalog item codes that trigger it")
    incident_lists: list[str] = Field(default_factory=list, description="List ids or codes that trigger it")
    targets: list[str] = Field(..., description="Subject kinds: natural_person | organization | government_organ")
    reaches_responsible: bool = Field(False, description="Also reaches responsible persons of a listed organization (Art. 33)")
    contexts: list[str] = Field(..., description="Art. 28 purpose codes")
    implementing_organ: str = Field(..., description="The implementing organ as the published list words it")
    implementing_units: list[str] = Field(default_factory=list, description="USCCs of the organs that implement it")
    implementing_class: str | None = Field(None, description="'context': every administrative organ deciding in "
                                           "one of its contexts")
    basis_text: str
    basis_level: str = Field(..., description="law | administrative-regulation | local-regulation | policy")
    check_basis: str | None = Field(None, description="A law or administrative regulation obliging the organ to "
                                    "check the triggers, with its article (the exception of Art. 17.3)")
    check_basis_level: str | None = Field(None, description="law | administrative-regulation")


class AnnouncementIn(InModel):
    announced_in: str = Field(..., description="Where the supervisor announced it: gazette (the city's gazette) | "
                              "credit-shanghai (信用上海) | national-memorandum (a national memorandum)")
    document: str = Field(..., description="The announcing document (its number and title)")
    announced_on: date | None = Field(None, description="The announcement's date (default: today)")


class CheckIn(InModel):
    subjects: list[str] = Field(..., description="USCCs or resident ID numbers (at most 1000); never in a URL")
    context: str = Field(..., description="An Art. 28 purpose code")


class ApplicationIn(InModel):
    measure: str = Field(..., description="The measure's id or code")
    subject: str = Field(..., description="The subject's identifier, as checked")
    document: str = Field(..., description="The decision document")


# --------------------------------------------------------------------------------------------
# Responses


class BasisRead(ReadModel):
    text: str
    level: str | None


class IncidentRead(ReadModel):
    text: str
    items: List[str]
    lists: List[Any]


class TargetRead(ReadModel):
    kinds: List[str]
    reaches_responsible_persons: bool


class ImplementingRead(ReadModel):
    units: List[str] | None
    class_: str | None = Field(..., alias="class")


class AnnouncementRead(ReadModel):
    where: str = Field(..., description="gazette | credit-shanghai | national-memorandum")
    document: str
    on: date


class PublicListRef(ReadModel):
    code: str
    name: str


class PublicIncidentRead(ReadModel):
    text: str
    items: List[str]
    lists: List[PublicListRef]


class PublicMeasureRead(ReadModel):
    """A line of the application list as published (Art. 22): the specific incident, the target, the measure, the
    implementing organ and the legal basis, with the supervisor's official announcement; ``announced``: whether it
    counts as announced today (Art. 32.2)."""

    code: str
    name: str
    kind: str
    article: str
    incident: PublicIncidentRead
    targets: List[str]
    reaches_responsible_persons: bool
    measure: str
    implementing_organ: str
    contexts: List[str]
    basis: BasisRead
    published_on: date | None
    announcement: AnnouncementRead | None
    announced: bool


class MeasureRead(ReadModel):
    """A line of the application list (Art. 22)."""

    id: int
    code: str
    name: str
    measure: str
    kind: str
    article: str
    incident: IncidentRead
    target: TargetRead
    contexts: List[str]
    implementing_organ: str
    implementing: ImplementingRead
    basis: BasisRead
    check_basis: BasisRead | None
    state: str
    published_on: date | None
    withdrawn_on: date | None
    announcement: AnnouncementRead | None = Field(None, description="The official announcement (Art. 22, 32.2)")


class MeasureBriefRead(ReadModel):
    id: int
    code: str
    name: str
    measure: str
    kind: str
    article: str
    implementing_organ: str
    basis: BasisRead
    published_on: date | None


class GroundDocumentRead(ReadModel):
    number: str
    date: str
    organ: str | None = None


class GroundRead(ReadModel):
    """A record or list entry a measure rests on — or, once deleted (Art. 37), a mark naming only its id."""

    type: Literal["record", "list-entry"]
    record_id: int | None = None
    item: str | None = None
    item_name: str | None = None
    entry_id: int | None = None
    list_id: int | None = None
    list: str | None = None
    list_code: str | None = None
    list_kind: str | None = None
    ground: str | None = None
    article: str | None = None
    document: GroundDocumentRead | str | None = None
    decided_on: date | None = None
    relation: str | None = Field(None, description="subject | responsible (Art. 33)")
    role: str | None = None
    markers: List[str] | None = None
    deleted: bool | None = None
    hidden: bool | None = None
    note: str | None = None


class MeasureFoundRead(MeasureBriefRead):
    grounds: List[GroundRead]


class NotEvaluableRead(MeasureBriefRead):
    evaluable: bool
    reason: str = Field(..., description="'cannot be evaluated by you', the same for every subject")


class CheckedSubjectRead(ReadModel):
    id: int | None = None
    kind: str | None = None
    identifier: str = Field(..., description="Masked")


class CheckInquiryRead(ReadModel):
    decision: Literal["allow", "deny"]
    article: str


class InvalidIdentifierRead(ReadModel):
    code: str
    field: str
    message: str
    article: str | None


class CheckResultRead(ReadModel):
    """One subject of a check, or the error of an invalid identifier."""

    subject: CheckedSubjectRead | None = None
    found: bool | None = None
    inquiry: CheckInquiryRead | None = None
    measures: List[MeasureFoundRead]
    not_evaluable: List[NotEvaluableRead] | None = None
    error: InvalidIdentifierRead | None = None
    inquiry_id: int | None = None


class CheckRead(ReadModel):
    check_id: int | None
    context: str
    checked_on: date
    subjects: List[CheckResultRead]


class ApplicationRead(ReadModel):
    id: int
    measure_id: int
    check_id: int
    document: str
    decided_on: date
    grounds: List[GroundRead]


class AppliedMeasureRead(ReadModel):
    """A measure applied to me, its basis and its grounds (Art. 32.1)."""

    id: int
    measure: MeasureBriefRead
    document: str
    decided_on: date
    check_id: int
    grounds: List[GroundRead]
