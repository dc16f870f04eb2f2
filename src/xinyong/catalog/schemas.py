from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from ..schemas import ReadModel


class CatalogItemRead(ReadModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    code: str
    name_zh: str
    name_en: str
    item_class: str = Field(..., alias="class", description="untrustworthy | neutral | positive")
    untrustworthy: bool
    article: str
    legal_basis: str
    disclosure: str = Field(..., description="public | authorized | restricted")
    record_format: str = Field(..., description="CF | XK | general")
    fields: list[str] | None = Field(..., description="The fields a record of the item keeps (Art. 11); null: "
                                     "its format's documented columns")
    providers: str
    state: str
    published_on: date | None
    retired_on: date | None


class ProvidingUnitRead(ReadModel):
    name: str
    uscc: str


class PublicCatalogItemRead(CatalogItemRead):
    """An item as the catalog is published (Art. 10.2), with the units that provide it."""

    providing_units: list[ProvidingUnitRead]
