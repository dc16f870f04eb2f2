from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from ..schemas import InModel, ReadModel

Format = Literal["json", "html", "pdf"]


class OwnReportIn(InModel):
    format: Format = "json"


class OrganReportIn(InModel):
    subject: str = Field(..., max_length=64, description="USCC or resident ID number (in the body, never in a URL)")
    purpose: str = Field(..., max_length=32, description="The Art. 28 purpose, e.g. procurement, tendering, funding")
    format: Format = "json"


# --------------------------------------------------------------------------------------------
# Responses


class Bilingual(ReadModel):
    zh: str
    en: str


class RequesterRead(ReadModel):
    role: str
    zh: str
    en: str
    via: str
    unit: str | None
    uscc: str | None
    officer: str | None
    purpose: dict[str, Any] | None = Field(..., description="The Art. 28 purpose (code, zh, en, article)")
    article: str


class ReportInquiryRead(ReadModel):
    id: int
    article: str
    reason: str


class FreeReportsRead(ReadModel):
    per_year: int
    used_before: int
    parameter: str


class ChargeRead(ReadModel):
    free_rule: str
    counted_free: bool
    chargeable: bool
    fee_yuan: str | None
    payer: str
    article: str | None
    note_zh: str
    note_en: str
    free: FreeReportsRead | None
    fee_basis: str


class ReportSubjectRead(ReadModel):
    name: str | None
    identifier: str = Field(..., description="A resident ID number masked (前6后4)")
    kind: str
    kind_zh: str
    scheme_zh: str
    deregistered_on: str | None = Field(None, description="ISO 8601 date the subject was deregistered (absent "
                                        "when it was not)")


class SummaryRead(ReadModel):
    key: str
    zh: str
    en: str
    count: int


class MarkerRead(ReadModel):
    code: str
    zh: str
    en: str


class ReportRecordRead(ReadModel):
    """A record as the report states it, with its source, document and change history (Art. 34.1)."""

    id: int
    item: dict[str, Any]
    document: dict[str, Any]
    source: dict[str, Any]
    conduct_date: date | None
    ended_on: date | None
    ended_on_source: str | None
    inquiry_period_ends: date | None
    amount_yuan: str | None
    content: dict[str, Any]
    version: int
    markers: list[MarkerRead]
    history: list[dict[str, Any]]


class ReportGroupRead(ReadModel):
    code: str
    zh: str
    en: str
    records: list[ReportRecordRead]


class SectionRead(ReadModel):
    key: str
    zh: str
    en: str
    groups: list[ReportGroupRead]
    count: int
    none: Bilingual | None
    entries: list[dict[str, Any]] | None = Field(None, description="List entries (lists, honours)")
    grade: dict[str, Any] | None = Field(None, description="The credit grade (evaluation, Art. 23)")
    measures: list[dict[str, Any]] | None = Field(None, description="Measures applied (other, Art. 32.1)")


class ReportRead(ReadModel):
    """An issued credit report (Art. 34): facts only, each with its source and document; for its subject,
    who inquired and why."""

    title: Bilingual
    number: str
    issued_at: str = Field(..., description="ISO 8601 timestamp")
    issuer: Bilingual
    requested_by: RequesterRead
    inquiry: ReportInquiryRead
    charge: ChargeRead
    subject: ReportSubjectRead
    summary: list[SummaryRead]
    sections: list[SectionRead]
    inquiries: list[dict[str, Any]] | None = Field(..., description="Who inquired (the subject's own report)")
    uses: list[dict[str, Any]] | None
    consents: list[dict[str, Any]] | None = Field(None, description="The subject's consents (Art. 14.2, 17.3): "
                                                  "who, items, purpose, until, notice version, form, restricted "
                                                  "kinds, adverse consequences told, withdrawn (the subject's own "
                                                  "report; absent from reports issued before)")
    letters: list[dict[str, Any]] | None = Field(None, description="The letters sent to the subject (Art. 32.1, "
                                                 "36, 37, 38): sent on, kind, article, read on, e-mail (the "
                                                 "subject's own report; absent from reports issued before)")
    changes: list[dict[str, Any]] | None = Field(None, description="Changes of the subject's name and identifiers "
                                                 "(issue 13 §6): day, kind, before and after (a person's numbers "
                                                 "masked), providing unit, document, the other subject of a merger "
                                                 "or split (the subject's own report; absent from reports issued "
                                                 "before)")
    notes: list[Bilingual]


class ReportListedRead(ReadModel):
    number: str
    issued_at: str = Field(..., description="ISO 8601 timestamp")
    requested_by: str
    purpose: str | None
    free_rule: str
    counted_free: bool
    chargeable: bool
    fee_yuan: str | None
    fee_payer: str
