from __future__ import annotations

from datetime import date

from pydantic import Field

from ..schemas import InModel, ReadModel


class UnitIn(InModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(..., max_length=24)
    uscc: str = Field(..., max_length=64)
    provides: list[str] = []
    inquires: list[str] = []
    lists: list[str] = Field(default_factory=list, description="Lists (code or id) on its published inquiry list")
    purposes: list[str] = []
    subkind: str | None = Field(None, max_length=24, description="A judicial organ's kind: court | procuratorate")
    mandate: str | None = Field(None, description="Art. 28.2: the law or regulation giving the unit public-affairs "
                                "functions (then it publishes an inquiry list and inquires as an organ does)")


class InquiryListIn(InModel):
    """An organ's published inquiry list (Art. 17.2), replacing the one in force: (items ∪ lists) × purposes."""

    items: list[str] = []
    lists: list[str] = Field(default_factory=list, description="Lists (code or id)")
    purposes: list[str]
    published_on: date | None = Field(None, description="The day the organ published it (default: today)")


class OfficerIn(InModel):
    staff_no: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=100)
    items: list[str] | None = None
    purposes: list[str] | None = None
    expires_on: date | None = None


# --------------------------------------------------------------------------------------------
# Responses


class InquiryItemRead(ReadModel):
    item: str
    purpose: str
    published_on: date


class InquiryListRead(ReadModel):
    list_id: int
    purpose: str
    published_on: date


class UnitSummaryRead(ReadModel):
    name: str
    kind: str
    subkind: str | None
    uscc: str
    active: bool
    mandate: str | None
    provides: list[str] = Field(..., description="The catalog items it provides")
    inquiry_list: list[InquiryItemRead] = Field(..., description="Its published inquiry list of items (Art. 17.2)")


class UnitRead(UnitSummaryRead):
    inquiry_lists: list[InquiryListRead] = Field(..., description="The lists on its published inquiry list")


class UnitCreatedRead(UnitRead):
    token: str = Field(..., description="The unit's token, shown once")


class OfficerCreatedRead(ReadModel):
    id: int
    staff_no: str
    name: str
    items: list[str] | None
    purposes: list[str] | None
    token: str = Field(..., description="The officer's token, shown once")
