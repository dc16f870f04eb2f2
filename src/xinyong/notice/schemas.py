from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from ..schemas import InModel, ReadModel


class NoticeRead(ReadModel):
    id: int
    kind: str = Field(description="measure_applied | objection_step | record_revoked | record_restored")
    article: str
    title: str
    body: dict[str, Any] = Field(description="The letter: for a measure its name, basis, grounds, the organ that "
                                 "applied it and its document (Art. 32.1)")
    object_type: str
    object_id: int
    created_at: datetime
    read_at: datetime | None
    mail: str | None = Field(description="queued | sent | failed; none without an address")


class ContactIn(InModel):
    address: str = Field("", max_length=254, description="The e-mail address notices are announced to; "
                         "empty withdraws it")


class ContactRead(ReadModel):
    address: str | None
    given_at: datetime | None
