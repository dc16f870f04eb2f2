from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class ObjectionIn(BaseModel):
    record_ids: list[int] = Field(default_factory=list, description="The subject's own records concerned")
    kind: str = Field("error", description="error | omission | unlawful-collection | rights (Art. 36.1)")
    reason: str
    evidence: list[str] = Field(default_factory=list, description="Document references or descriptions")
    to_uscc: str | None = Field(None, description="A credit service establishment (Art. 36.3); omit for the Center")
    subject: str | None = Field(None, description="The Center only, entering an objection it received on a "
                                "subject's behalf: the subject's USCC or resident identity card number (in the "
                                "body, never a URL). A subject files about itself and leaves it out")
    received_on: date | None = Field(None, description="The Center only: the day the materials were received "
                                     "(by post, at a window), today or earlier; the deadlines count from it "
                                     "(Art. 36.2). A subject filing online is received the day it files")


class NoteIn(BaseModel):
    path: str | None = Field(None, description="center (Art. 36.2(1)) | provider (Art. 36.2(2)); "
                             "not used by credit service establishments")


class DecisionIn(BaseModel):
    outcome: str = Field(..., description="corrected | upheld | deleted; resolved | rejected without records")
    document: str = Field(..., description="The deciding document")
    reason: str = Field(..., description="The reasons in writing (required when not corrected)")
    changes: dict[str, str] = Field(default_factory=dict, description="field → corrected value")
    record_ids: list[int] | None = Field(None, description="The objection's records the outcome applies to "
                                         "(default: all)")
    information_source: str | None = Field(None, description="The source of the information (required for "
                                           "credit service establishments, Art. 36.3)")
