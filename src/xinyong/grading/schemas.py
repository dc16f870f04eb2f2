from __future__ import annotations

from pydantic import BaseModel, Field


class GradeIn(BaseModel):
    subject: str = Field(..., description="USCC (or resident ID number); never in a URL")
    purpose: str = Field(..., description="An Art. 28 purpose code")
