"""The audit log's rule: public credit information is never altered, fabricated or deleted outside
the lawful workflows (Art. 20(2)), and the sealed log proves it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import RuleViolation
from ..law.rules import rule


@dataclass(frozen=True)
class Problem:
    """One thing verification found wrong, with the event (or record, or checkpoint) it concerns."""

    kind: str
    message: str
    event_id: int | None = None
    record_id: int | None = None
    checkpoint: int | None = None
    table: str | None = None  # a bound table's row (``audit.binding``), with its key
    key: str | None = None

    def where(self) -> str:
        if self.event_id is not None:
            return f"at event {self.event_id}"
        if self.record_id is not None:
            return f"at record {self.record_id}"
        if self.table is not None:
            return f"at {self.table} {self.key}"
        if self.checkpoint is not None:
            return f"at checkpoint #{self.checkpoint}"
        return "in the log"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "event_id": self.event_id, "record_id": self.record_id,
                "checkpoint": self.checkpoint, "table": self.table, "key": self.key, "message": self.message}


def ordered(problems: Sequence[Problem]) -> list[Problem]:
    """Problems in log order: by event id; then those naming only a record, then a row, then the rest."""
    return sorted(problems, key=lambda p: (
        0 if p.event_id is not None else 1 if p.record_id is not None else 2 if p.table is not None else 3,
        p.event_id if p.event_id is not None else p.record_id if p.record_id is not None else 0,
        p.table or "", _key_order(p.key),
    ))


def _key_order(key: str | None) -> tuple:
    return (0, int(key), "") if key is not None and key.isdigit() else (1, 0, key or "")


@rule("Art. 20(2)")
def require_intact(problems: Sequence[Problem]) -> None:
    """The audit log and the records agree with the signed, sealed history: nothing altered, removed or inserted."""
    if problems:
        first = ordered(problems)[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise RuleViolation(f"audit log verification failed {first.where()}: {first.message}{more}",
                            article="Art. 20(2)", code="audit_verification_failed",
                            details=[p.as_dict() for p in ordered(problems)])


def content_digest(content: Any) -> str:
    """SHA-256 of a record's content in canonical JSON: the same as ``xinyong.record.rules.digest``."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()
