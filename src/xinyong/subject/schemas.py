from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from ..schemas import InModel, ReadModel


class CheckIn(InModel):
    code: str = Field(..., max_length=200, description="A USCC or resident ID number (in the body: identifiers "
                      "never travel in a URL)")


class RegionRead(ReadModel):
    code: str | None
    name: str | None
    abolished: bool | None


class IdentifierCheckRead(ReadModel):
    kind: str = Field(..., description="natural_person | organization | government_organ")
    scheme: str
    code: str = Field(..., description="Normalised; a resident ID number masked (前6后4)")
    normalisations: list[str]
    region: RegionRead
    warnings: list[str]


# --- the life of a subject (issue 13 §6) ------------------------------------------------------------------

class _DocumentIn(InModel):
    doc_no: str = Field(..., max_length=100, description="The document's number (Art. 11)")
    doc_date: date = Field(..., description="The document's date")
    doc_org: str = Field(..., max_length=200, description="The authority that issued the document")
    effective_on: date | None = Field(None, description="The day the change took effect (default: the document's)")


class SubjectChangeIn(_DocumentIn):
    subject: str = Field(..., max_length=200, description="Any identifier of the subject (in the body: "
                         "identifiers never travel in a URL)")
    kind: Literal["name_changed", "identifier_changed", "former_identifier", "deregistered"]
    new_name: str | None = Field(None, max_length=200, description="name_changed: the new name")
    new_identifier: str | None = Field(None, max_length=200, description="identifier_changed: the new USCC or "
                                       "resident ID number")
    former_identifier: str | None = Field(None, max_length=200, description="former_identifier: the old "
                                          "organization code, or the old 15-digit resident ID number")
    reason: str | None = Field(None, max_length=2000)


class MergerIn(_DocumentIn):
    absorbed: str = Field(..., max_length=200, description="The identifier of the subject merged into the other")
    into: str = Field(..., max_length=200, description="The identifier of the subject that continues")
    reason: str = Field(..., max_length=2000, description="The decision's reason")


class SplitIn(_DocumentIn):
    source: str = Field(..., max_length=200, description="The identifier of the subject that split")
    new: str = Field(..., max_length=200, description="The identifier of the subject that split from it")
    new_name: str = Field(..., max_length=200, description="The new subject's name")
    source_ends: bool = Field(False, description="The source was dissolved by the split (新设分立)")
    reason: str = Field(..., max_length=2000, description="The decision's reason")


class SubjectRefRead(ReadModel):
    id: int
    kind: str
    name: str
    identifier: str = Field(..., description="A resident ID number masked (前6后4)")


class SubjectChangeRead(ReadModel):
    id: int
    subject_id: int
    kind: str
    old_value: str | None = Field(None, description="The old name or identifier (a person's number masked)")
    new_value: str | None
    other_subject: SubjectRefRead | None = Field(None, description="The other subject of a merger or split")
    unit: str | None = Field(None, description="The providing unit (None: the operator's decision)")
    doc_org: str | None
    doc_no: str
    doc_date: date
    effective_on: date
    reason: str | None
    recorded_on: date


class FormerIdentifierRead(ReadModel):
    scheme: str = Field(..., description="uscc | ric | org (organization code) | ric15 (15-digit number)")
    identifier: str
    valid_until: date


class SubjectHistoryRead(ReadModel):
    id: int
    kind: str
    name: str
    identifier: str
    deregistered_on: date | None
    names: list[str] = Field(..., description="Every name, the current one last")
    former_identifiers: list[FormerIdentifierRead]
    changes: list[SubjectChangeRead]
