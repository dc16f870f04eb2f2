"""What every domain's ``schemas.py`` shares: the base of the ``…Read`` models and the bounded id type.

A ``…Read`` model is the contract of a response: ``extra="forbid"``, so that a key a service adds without
declaring it fails the contract tests (``tests/test_api_contract.py``, ``tests/test_fuzz.py``) instead of
leaving the OpenAPI document behind. Routes that return dicts are validated by their model at run time;
hot routes (inquiries, checks, grades, reports) keep their pre-built orjson bodies, declare the model
through ``responses=`` and are held to it by the tests.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

# The largest id a BIGINT column holds: a larger one is not an id (422), never a database error.
MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""An id in a request body (record ids, …): a positive 64-bit integer."""


def id_path(description: str) -> object:
    """A numeric id in the path: a positive 64-bit integer (anything else is 422, an unknown one 404)."""
    return Path(ge=1, le=MAX_ID, description=description)


def text_path(description: str, *, max_length: int = 64) -> object:
    """A code or number in the path: no control characters, bounded length (422 otherwise)."""
    return Path(min_length=1, max_length=max_length, pattern=r"^[^\x00-\x1f\x7f]+$", description=description)


def storable(value: Any) -> Any:
    """Text the databases can store: no NUL character (PostgreSQL refuses it) and no unpaired surrogate
    (not UTF-8). Walks lists and dicts; anything else passes."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (no unpaired surrogates)") from None
    elif isinstance(value, list):
        if all(type(v) is str for v in value):  # the common case (a check's 1,000 identifiers): one pass in C
            storable("".join(value))
        else:
            for v in value:
                storable(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            storable(k)
            storable(v)
    return value


Text = Annotated[str, AfterValidator(storable)]
"""A string the databases can store (see :func:`storable`)."""


class InModel(BaseModel):
    """Base of every request body: every text in it storable (422 otherwise, never a database error)."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return storable(value)


class ReadModel(BaseModel):
    """Base of every response model: no undeclared keys."""

    model_config = ConfigDict(extra="forbid")


class UnitRef(ReadModel):
    name: str | None = Field(None, description="The unit's name (None when it is not known)")
    uscc: str | None = Field(None, description="Its Unified Social Credit Code")


class DocumentRef(ReadModel):
    number: str
    date: str = Field(..., description="ISO 8601 date")
    organ: str | None = None
