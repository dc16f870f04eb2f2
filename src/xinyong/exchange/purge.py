"""Art. 37: when ``xinyong purge`` deletes a record received from another platform, where it came from goes with
it (the platform's reference, the file and the line): nothing names the deleted record any more. An act the
origin platform sends later about it finds no record and changes nothing."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import ExchangeReceived


def purge_records(session: Session, records: list[tuple[int, int]]) -> None:
    """``records``: a purge's chunk, ``(record id, subject id)``; one statement for all."""
    session.execute(delete(ExchangeReceived).where(ExchangeReceived.record_id.in_(sorted(r for r, _s in records))))
