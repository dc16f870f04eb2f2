"""The error body as the API documents it (OpenAPI): every error is this one body (``errors.error_body``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorRead(BaseModel):
    """Every error the API answers: its code, a message, and the article of the regulation it applies (or
    null where none does), with that article's Chinese text."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(..., description="A stable code: not_found, forbidden, rule_violation, invalid_input, …")
    message: str
    article: str | None = Field(..., description="The article applied, e.g. 'Art. 36.2(1)'; null where none")
    article_text: str | None = Field(..., description="Its text (Chinese, authoritative)")
    field: str | None = Field(None, description="The input field at fault, where there is one")
    details: Any = Field(None, description="More about the error (e.g. every invalid field)")
