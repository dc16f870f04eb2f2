from __future__ import annotations

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
