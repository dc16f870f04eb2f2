from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


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
    state: Mapped[str] = mapped_column(String(16))  # proposed … published | retired
    published_on: Mapped[date | None] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date)
