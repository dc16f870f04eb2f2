from __future__ import annotations

from pydantic import BaseModel, Field


class MeasureIn(BaseModel):
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


class CheckIn(BaseModel):
    subjects: list[str] = Field(..., description="USCCs or resident ID numbers (at most 1000); never in a URL")
    context: str = Field(..., description="An Art. 28 purpose code")


class ApplicationIn(BaseModel):
    measure: str = Field(..., description="The measure's id or code")
    subject: str = Field(..., description="The subject's identifier, as checked")
    document: str = Field(..., description="The decision document")
