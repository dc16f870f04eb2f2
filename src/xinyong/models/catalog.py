from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId


class CatalogItem(Base):
    """An item of the public credit information catalog (Art. 9–11)."""

    __tablename__ = "catalog_item"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    item_class: Mapped[str] = mapped_column(String(24))  # untrustworthy | neutral | positive
    untrustworthy: Mapped[bool] = mapped_column(Boolean)
    # Continuing conduct (arrears, refusing to perform): its Art. 35 period starts only when it stops.
    continuing: Mapped[bool] = mapped_column(Boolean, default=False)
    article: Mapped[str] = mapped_column(String(32))  # where the regulation places the item
    legal_basis: Mapped[str] = mapped_column(Text)
    disclosure: Mapped[str] = mapped_column(String(16))  # public | authorized | restricted
    record_format: Mapped[str] = mapped_column(String(8))  # CF | XK | general
    providers: Mapped[str] = mapped_column(Text)  # which units provide it, in words
    # A law or administrative regulation under which the item's non-public information may be
    # inquired into without the subject's written authorization (Art. 17.3); None: authorization needed.
    inquiry_law_basis: Mapped[str | None] = mapped_column(Text)
    # For a public item: the external source that makes it public, and that source's level (law |
    # administrative-regulation | judicial-interpretation | departmental-rule | local-regulation | policy).
    # A credit service establishment receives a natural person's public item without consent only when
    # the level is law or administrative-regulation (Art. 14.1).
    public_basis: Mapped[str | None] = mapped_column(Text)
    public_basis_level: Mapped[str | None] = mapped_column(String(32))
    # The fields (canonical import keys) a record of this item stores; None: the documented columns of
    # its record format (Art. 11: only the catalog's declared fields are aggregated).
    fields: Mapped[list | None] = mapped_column(JSON)
    # Natural persons' fields of a restricted kind of Art. 14.2: {field: kind}; None: none (migration 0026).
    field_kinds: Mapped[dict | None] = mapped_column(JSON)
    # Art. 9.3: where a law names the conduct of its field that goes into the catalog, {law: [article, …]} of that
    # conduct; a row naming the law (basis_law) must name one of them (basis_article). None: no such law.
    conduct_laws: Mapped[dict | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # proposed … published | retired
    published_on: Mapped[date | None] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date)


class CatalogDraft(Base):
    """The supervisor's draft of the catalog from the units' proposals (Art. 10.2): put out for public comment
    (``comment_from`` … ``comment_to``), approved by the deliberative body (document, day), then published as a
    version. ``procedures``: the collection procedures and standards of Art. 11.2, published with it."""

    __tablename__ = "catalog_draft"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # compiled | out_for_comment | approved | published
    compiled_on: Mapped[date] = mapped_column(Date)
    comment_from: Mapped[date | None] = mapped_column(Date)
    comment_to: Mapped[date | None] = mapped_column(Date)
    procedures: Mapped[str | None] = mapped_column(Text)
    approval_document: Mapped[str | None] = mapped_column(String(200))
    approved_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CatalogProposal(Base):
    """A unit's proposal of an item for the catalog with its reasons (Art. 10.1); ``contested``: opinions differ
    widely or the social impact may be large, so an assessment with the supervisor is held first. ``kind``:
    ``include`` (the item, new or changed, goes into the catalog: ``item`` is its definition) or ``retire`` (the item
    leaves the catalog: ``item`` names it); NULL before migration 0030: include."""

    __tablename__ = "catalog_proposal"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    item_code: Mapped[str] = mapped_column(String(40))
    item: Mapped[dict] = mapped_column(JSON)  # the proposed definition (catalog.service.describe's keys)
    kind: Mapped[str | None] = mapped_column(String(16))  # include | retire; NULL: include (before 0030)
    reasons: Mapped[str] = mapped_column(Text)
    contested: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16))  # proposed | in_draft | published | withdrawn
    proposed_on: Mapped[date] = mapped_column(Date)
    proposed_by: Mapped[str] = mapped_column(String(120))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_draft.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CatalogAssessment(Base):
    """An assessment of a contested proposal with the supervisor (Art. 10.1): when, the representatives of the groups
    concerned and the experts heard, and the conclusion."""

    __tablename__ = "catalog_assessment"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("catalog_proposal.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    representatives: Mapped[list] = mapped_column(JSON)
    experts: Mapped[list] = mapped_column(JSON)
    conclusion: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CatalogComment(Base):
    """A comment received on a draft while it was out for public comment, and the response to it (Art. 10.2): sent
    by anyone on the portal or the API (``channel``; ``summary`` is its text as received) or recorded by the
    supervisor (``channel`` NULL; ``summary`` as the supervisor summarises it). Nobody is named; ID-shaped numbers
    are masked. ``contact``: what a commenter chose to give to be answered, shown to the supervisor only."""

    __tablename__ = "catalog_comment"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("catalog_draft.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(16))  # portal | api; NULL: recorded by the supervisor
    contact: Mapped[str | None] = mapped_column(Text)  # never shown publicly
    response: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CatalogVersion(Base):
    """One publication of the catalog (Art. 10.2), numbered from 1: the draft it published, when, the items it
    published (their definitions), the items it retired, and the procedures and standards of Art. 11.2. A record's
    version is the one in force when it was received."""

    __tablename__ = "catalog_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    draft_id: Mapped[int] = mapped_column(ForeignKey("catalog_draft.id"))
    published_on: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    items: Mapped[list] = mapped_column(JSON)
    retired: Mapped[list | None] = mapped_column(JSON)  # the items it retired ({code, name_zh, name_en}); NULL: none
    procedures: Mapped[str | None] = mapped_column(Text)
