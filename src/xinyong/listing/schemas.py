from __future__ import annotations

from datetime import date

from typing import List  # List: these models have a field named 'list'

from pydantic import Field

from ..schemas import InModel, ReadModel


class ListIn(InModel):
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


class PersonIn(InModel):
    role: str = Field(..., description="legal-representative | principal | directly-responsible (Art. 33)")
    name: str
    identifier: str = Field(..., description="Resident identity card number (body only, never in a URL)")


class EntryIn(InModel):
    subject: str
    subject_name: str | None = None
    ground: str | None = Field(None, description="Art. 25.2 item (1)–(4) for black lists")
    ground_text: str = ""
    document: str
    decided_on: date
    persons: list[PersonIn] = Field(default_factory=list)


class RemovalIn(InModel):
    document: str
    reason: str = ""


class RemedyIn(InModel):
    reason: str


class RemedyDecisionIn(InModel):
    decided_by: str = Field(..., description="organ | reconsideration | court")
    outcome: str = Field(..., description="upheld | revoked")
    document: str


# --------------------------------------------------------------------------------------------
# Responses


class CommentPeriodRead(ReadModel):
    from_: date | None = Field(..., alias="from")
    to: date | None
    minimum_days: int
    minimum_source: str


class DisclosureRead(ReadModel):
    level: str = Field(..., description="public | organs")
    basis: str | None
    basis_level: str | None


class ListRead(ReadModel):
    """A list with its entry and removal requirements and remedy paths (Art. 24, 25.3)."""

    id: int
    code: str
    name: str
    kind: str = Field(..., description="black | red")
    keeper_organ: str
    entry_standard: str
    legal_basis: str
    comment_period: CommentPeriodRead
    entry_requirements: str
    removal_requirements: str
    remedy_paths: str
    state: str
    published_on: date | None
    disclosure: DisclosureRead


class ListBriefRead(ReadModel):
    id: int
    code: str
    name: str
    kind: str


class ListedSubjectRead(ReadModel):
    id: int
    name: str
    identifier: str = Field(..., description="A resident ID number masked (前6后4)")


class ResponsiblePersonRead(ReadModel):
    role: str
    name: str
    identifier: str = Field(..., description="Masked (前6后4)")


class EntryRead(ReadModel):
    id: int
    list: ListBriefRead
    subject: ListedSubjectRead
    ground: str | None
    article: str
    ground_text: str
    document: str
    decided_on: date
    status: str
    removed_on: date | None
    removal_document: str | None
    persons: List[ResponsiblePersonRead]


class RemedyRead(ReadModel):
    id: int
    entry_id: int
    status: str
    applied_on: date


class RemedyDecidedRead(ReadModel):
    id: int
    entry_id: int
    status: str
    decided_by: str | None
    outcome_document: str | None


class CommentIn(InModel):
    received_on: date = Field(..., description="When the comment was received (within the comment period, Art. 24)")
    summary: str = Field(..., description="The comment, as the keeper summarises it (no commenter named)")


class ResponseIn(InModel):
    response: str = Field(..., description="How the standard took the comment up, or why not (Art. 24)")


class CommentRead(ReadModel):
    id: int
    received_on: date
    summary: str
    response: str | None
    responded_on: date | None


class PublicPeriodRead(ReadModel):
    from_: date | None = Field(..., alias="from")
    to: date | None


class ConditionsRead(ReadModel):
    entry: str
    removal: str
    remedies: str


class PublicEntryRead(ReadModel):
    """An entry in force as the public may see it (Art. 25.3): a natural person's number is never shown whole."""

    entry_id: int
    name: str
    kind: str
    identifier: str = Field(..., description="The USCC; a natural person's number masked (前6后4)")
    ground: str | None
    article: str
    ground_text: str
    document: str
    decided_on: date
    deregistered_on: date | None = Field(None, description="The day the subject was deregistered, when it was")


class PublicListRead(ReadModel):
    """A list as published: its standard and comment record (Art. 24); when published, its entry and removal
    conditions and remedy paths (Art. 25.3) and — on the list's own page — its entries in force."""

    code: str
    name: str
    kind: str
    keeper_organ: str
    entry_standard: str
    legal_basis: str
    state: str
    published_on: date | None
    comment_period: PublicPeriodRead
    comments_received: int
    comments_answered: int
    comments: List[CommentRead]
    conditions: ConditionsRead | None
    disclosure: DisclosureRead
    entries: List[PublicEntryRead] | None = Field(None, description="Entries in force the public may see (the "
                                                  "list's own page; null while the list is not published)")
