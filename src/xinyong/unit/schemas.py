from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class UnitIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str
    uscc: str
    provides: list[str] = []
    inquires: list[str] = []
    lists: list[str] = Field(default_factory=list, description="Lists (code or id) on its published inquiry list")
    purposes: list[str] = []
    subkind: str | None = Field(None, description="A judicial organ's kind: court | procuratorate")
    mandate: str | None = Field(None, description="Art. 28.2: the law or regulation giving the unit public-affairs "
                                "functions (then it publishes an inquiry list and inquires as an organ does)")


class InquiryListIn(BaseModel):
    """An organ's published inquiry list (Art. 17.2), replacing the one in force: (items ∪ lists) × purposes."""

    items: list[str] = []
    lists: list[str] = Field(default_factory=list, description="Lists (code or id)")
    purposes: list[str]
    published_on: date | None = Field(None, description="The day the organ published it (default: today)")
