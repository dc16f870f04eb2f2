from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class InquiryIn(BaseModel):
    subject: str | None = Field(None, description="USCC or resident ID number; omit to ask about yourself "
                                "(subject tokens). Never put an identifier in a URL.")
    purpose: str | None = Field(None, description="An Art. 28 purpose code for administrative organs")
    case_no: str | None = Field(None, description="The case (judicial organs; the Center's own cases)")


class AuthorizationIn(BaseModel):
    unit_uscc: str
    items: list[str]
    purpose: str
    valid_until: date
    valid_from: date | None = None
    document: str = Field(..., description="The written authorization's title or number (Art. 17.3)")


class FindIn(BaseModel):
    catalog_item: str
    doc_no: str
    subject: str = Field(..., description="USCC or resident ID number (in the body, never in a URL)")
