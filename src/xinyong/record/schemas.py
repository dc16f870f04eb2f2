from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from ..schemas import InModel, ReadModel, Text

# A record's values as a provider sends them (general columns, or CF_*/XK_* fields)
Values = dict[Text, Text | int | float | None]


class CorrectionIn(InModel):
    changes: Values
    reason: str
    document: str = Field(..., max_length=200)


class WithdrawalIn(InModel):
    reason: str
    document: str = Field(..., max_length=200)


class RevocationIn(InModel):
    document: str = Field(..., max_length=200)
    decided_by: str = Field(..., max_length=24)
    reason: str = ""


class RestorationIn(InModel):
    document: str = Field(..., max_length=200)
    reason: str = ""


# --------------------------------------------------------------------------------------------
# Responses


class DroppedColumnRead(ReadModel):
    column: str
    article: str
    reason: str


class BatchReceivedRead(ReadModel):
    batch_id: str
    status: str = Field(..., description="received | queued")
    status_url: str
    dropped_columns: list[DroppedColumnRead] = Field(..., description="Columns the item does not declare, "
                                                     "dropped before anything was stored (Art. 11)")


class RejectRead(ReadModel):
    line: int
    field: str | None
    reason: str
    article: str | None


class BatchRead(ReadModel):
    """A batch's counts, the columns it dropped (Art. 11) and its rejected rows."""

    batch_id: str
    filename: str
    status: str = Field(..., description="received | queued | running | interrupted | done | failed")
    format: str | None
    encoding: str | None
    received_at: str = Field(..., description="ISO 8601 timestamp")
    finished_at: str | None
    rows: int
    accepted: int
    rejected: int
    already_present: int
    notices: list[Any]
    dropped_columns: list[DroppedColumnRead]
    error: str | None
    runs: int = Field(..., description="How many times a process started on it (a resumed batch: more than 1)")
    rejects: list[RejectRead]


class RecordSubmittedRead(ReadModel):
    status: str = Field(..., description="accepted (201) | already_present (200)")
    dropped_columns: list[DroppedColumnRead] | None = Field(None, description="Only when columns were dropped")
    notices: list[str] | None = Field(None, description="Only when something was masked before storing")


class CorrectionRead(ReadModel):
    record_id: int
    version: int


class WithdrawalRead(ReadModel):
    record_id: int
    status: str


class RevocationRead(ReadModel):
    record_id: int
    status: str
    delete_by: date | None = Field(..., description="Deleted from the database by this day (Art. 37)")
    basis: str | None
    note: str | None


class RestorationRead(ReadModel):
    record_id: int
    status: str
    deadline: date | None
    basis: str | None


class BatchQueuedRead(ReadModel):
    batch_id: str
    status: str = Field(..., description="queued")
    status_url: str
