from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from ..schemas import DocumentRef, InModel, ReadModel


class InquiryIn(InModel):
    subject: str | None = Field(None, max_length=64, description="USCC or resident ID number; omit to ask about "
                                "yourself (subject tokens). Never put an identifier in a URL.")
    purpose: str | None = Field(None, max_length=32, description="An Art. 28 purpose code for administrative "
                                "organs")
    case_no: str | None = Field(None, max_length=100, description="The case (judicial organs; the Center's own "
                                "cases)")


class AuthorizationIn(InModel):
    unit_uscc: str = Field(..., max_length=64)
    items: list[str]
    purpose: str = Field(..., max_length=32)
    valid_until: date
    valid_from: date | None = None
    document: str = Field(..., max_length=200, description="The written authorization's title or number "
                          "(Art. 17.3)")
    form: str = Field("written", max_length=16, description="written | other: only a written consent counts for "
                      "the restricted kinds (Art. 14.2)")
    restricted_kinds: list[str] = Field(default_factory=list, description="Art. 14.2 kinds in scope: income, "
                                        "deposits, securities, commercial-insurance, real-estate, tax-amount")
    adverse_consequences_told: bool = Field(False, description="The subject was told the possible adverse "
                                            "consequences of providing restricted information (Art. 14.2)")
    notice_version: int | None = Field(None, description="The consent notice version shown (default: current)")


class FindIn(InModel):
    catalog_item: str = Field(..., max_length=40)
    doc_no: str = Field(..., max_length=200)
    subject: str = Field(..., max_length=64, description="USCC or resident ID number (in the body, never in a URL)")


# --------------------------------------------------------------------------------------------
# Responses


class SubjectRead(ReadModel):
    """Who the subject is, as far as the decision lets the answer say (natural persons' numbers masked)."""

    id: int | None = Field(None, description="Absent when the decision does not say who the subject is")
    kind: str = Field(..., description="natural_person | organization | government_organ")
    name: str | None = None
    identifier: str
    deregistered_on: date | None = Field(None, description="The day the subject was deregistered (absent when "
                                         "it was not, or when the answer does not say who the subject is)")


class RecordItemRead(ReadModel):
    code: str
    name_zh: str
    name_en: str
    untrustworthy: bool


class RecordSourceRead(ReadModel):
    unit: str | None
    uscc: str | None
    batch_id: str | None = None
    line: int | None = None
    received_at: str = Field(..., description="ISO 8601 timestamp")


class RecordRead(ReadModel):
    """One record as an answer shows it: item, document, source, the Art. 35 period, markers."""

    id: int
    item: RecordItemRead
    document: DocumentRef
    source: RecordSourceRead
    conduct_date: date | None
    ended_on: date | None = Field(..., description="The day the conduct or event ended (Art. 35.2)")
    ended_on_source: str | None
    inquiry_period_ends: date | None = Field(..., description="The end of the Art. 35 inquiry period")
    amount_yuan: str | None = Field(..., description="A decimal amount in yuan, as text")
    content: dict[str, Any] = Field(..., description="The record's declared fields (Art. 11)")
    version: int
    markers: list[str] = Field(..., description="under_objection, restored, …")
    withheld: list[str] | None = Field(None, description="Fields of a restricted kind of Art. 14.2 this answer "
                                       "is served without (a credit service establishment without a consent of "
                                       "that grade); absent when none")


class InquiryRead(ReadModel):
    """An inquiry's answer, logged before it leaves (Art. 34)."""

    inquiry_id: int
    decision: Literal["allow", "deny"]
    article: str
    reason: str
    subject: SubjectRead | None
    purpose: str | None
    authorization_id: int | None
    records: list[RecordRead]


class InquirerRead(ReadModel):
    role: str
    unit: str | None
    uscc: str | None
    kind: str | None
    officer: str | None


class InquiryLogRead(ReadModel):
    """Who inquired about me, when, for what purpose, under which authorization (Art. 34)."""

    inquiry_id: int
    at: str = Field(..., description="ISO 8601 timestamp")
    by: InquirerRead
    channel: str
    purpose: str | None
    case_no: str | None
    authorization_id: int | None
    decision: str
    article: str
    records_returned: int


class AuthorizedUnitRead(ReadModel):
    name: str
    uscc: str


class AuthorizationRead(ReadModel):
    id: int
    unit: AuthorizedUnitRead
    items: list[str]
    purpose: str
    valid_from: date
    valid_until: date
    document: str
    granted_at: str = Field(..., description="ISO 8601 timestamp")
    withdrawn_at: str | None
    form: str = "written"
    restricted_kinds: list[str] = []
    adverse_consequences_told_at: str | None = None
    notice_id: int | None = None
    grade: list[str] = Field([], description="The restricted kinds this consent validly opens (Art. 14.2)")


class AuthorizationWithdrawnRead(ReadModel):
    id: int
    withdrawn: bool


class FoundRecordsRead(ReadModel):
    record_ids: list[int] = Field(..., description="The provider's own records with that identity (none for an "
                                  "unknown subject, the same answer)")
