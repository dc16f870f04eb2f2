from __future__ import annotations

from pydantic import BaseModel, Field


class UnitIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str
    uscc: str
    provides: list[str] = []
    inquires: list[str] = []
    purposes: list[str] = []
