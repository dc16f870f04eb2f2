from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class ListIn(BaseModel):
    code: str
    name: str
    kind: str = Field("black", description="black (seriously untrustworthy, Art. 25) | red (positive)")
    keeper_organ: str
    entry_standard: str
    legal_basis: str
    entry_requirements: str
    removal_requirements: str
    remedy_paths: str
    comment_from: date | None = Field(None, description="Public comment period on the standard (Art. 24)")
    comment_to: date | None = None
    disclosure: str = Field("organs", description="public (its rules publish the entries) | organs (only organs "
                            "whose published inquiry list names it)")
    public_basis: str | None = Field(None, description="For a public list: the rule that publishes its entries")
    public_basis_level: str | None = Field(None, description="law | administrative-regulation | "
                                           "judicial-interpretation | departmental-rule | local-regulation | policy")


class PersonIn(BaseModel):
    role: str = Field(..., description="legal-representative | principal | directly-responsible (Art. 33)")
    name: str
    identifier: str = Field(..., description="Resident identity card number (body only, never in a URL)")


class EntryIn(BaseModel):
    subject: str
    subject_name: str | None = None
    ground: str | None = Field(None, description="Art. 25.2 item (1)–(4) for black lists")
    ground_text: str = ""
    document: str
    decided_on: date
    persons: list[PersonIn] = Field(default_factory=list)


class RemovalIn(BaseModel):
    document: str
    reason: str = ""


class RemedyIn(BaseModel):
    reason: str


class RemedyDecisionIn(BaseModel):
    decided_by: str = Field(..., description="organ | reconsideration | court")
    outcome: str = Field(..., description="upheld | revoked")
    document: str
