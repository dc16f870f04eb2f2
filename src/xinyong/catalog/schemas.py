from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from ..schemas import InModel, ReadModel


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
    field_kinds: dict[str, str] = Field(default_factory=dict, description="The item's fields of a restricted kind "
                                        "of Art. 14.2 (field → income | deposits | securities | "
                                        "commercial-insurance | real-estate | tax-amount): about a natural person, "
                                        "a credit service establishment sees them only under a written consent of "
                                        "that grade")
    conduct_laws: dict[str, list[str]] = Field(default_factory=dict, description="Art. 9.3: a law naming the "
                                               "conduct of its field that goes into the catalog → the articles of "
                                               "that conduct; a row citing the law (basis_law) must cite one of them "
                                               "(basis_article)")
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
    retired_in_version: int | None = Field(None, description="A retired item: the version of the catalog whose "
                                           "publication retired it (Art. 10.2); no new record of it is aggregated "
                                           "from its retired_on, the records aggregated before are served as before")


class CatalogAssessmentRead(ReadModel):
    held_on: date
    representatives: list[str]
    experts: list[str]
    conclusion: str


class CatalogProposalRead(ReadModel):
    id: int
    kind: str = Field(..., description="include (the item, new or changed, goes into the catalog) | retire (the item "
                      "leaves it: item names it)")
    item: dict = Field(..., description="The proposed item's definition (the catalog item's keys)")
    reasons: str = Field(..., description="The proposing unit's reasons (Art. 10.1)")
    contested: bool = Field(..., description="Opinions differ widely or the social impact may be large: assessed "
                            "with the supervisor first (Art. 10.1)")
    state: str = Field(..., description="proposed | in_draft | published | withdrawn")
    proposed_on: date
    proposed_by: str
    draft: int | None
    assessments: list[CatalogAssessmentRead]


class CatalogCommentRead(ReadModel):
    id: int
    received_on: date
    summary: str = Field(..., description="The comment: as received when sent by the public (ID-shaped numbers "
                         "masked), or as the supervisor summarises it (nobody named)")
    channel: str | None = Field(..., description="portal | api: sent by the public; null: recorded by the supervisor")
    response: str | None
    responded_on: date | None


class CatalogApprovalRead(ReadModel):
    document: str
    approved_on: date


class CatalogDraftRead(ReadModel):
    """A draft of the catalog as the public reads it (Art. 10.2)."""

    id: int
    title: str
    state: str = Field(..., description="out_for_comment | approved | published")
    compiled_on: date
    comment_from: date | None
    comment_to: date | None
    procedures: str | None = Field(..., description="The collection procedures and standards published with it "
                                   "(Art. 11.2)")
    proposals: list[CatalogProposalRead]
    comments: list[CatalogCommentRead]
    approval: CatalogApprovalRead | None = Field(..., description="The deliberative body's approval")
    published_on: date | None
    version: int | None = Field(..., description="The catalog version its publication made")


class CatalogCommentIn(InModel):
    """A comment on a draft of the catalog during its public comment period (Art. 10.2). Anyone may send one."""

    text: str = Field(..., min_length=1, max_length=4000, description="The comment (ID-shaped numbers are masked "
                      "before it is stored; nobody is named on the public page)")
    contact: str | None = Field(None, max_length=200, description="How to reach you about it, if you want an answer "
                                "(shown to the supervisor only, never publicly)")


class CatalogCommentReceivedRead(ReadModel):
    """The comment as received: its number and day; it is answered on the draft's page (Art. 10.2)."""

    id: int
    draft: int
    received_on: date
    text: str = Field(..., description="As stored: ID-shaped numbers masked")
