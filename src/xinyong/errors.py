"""One error type that carries the article, and one renderer per front door.

API body: ``{"error": code, "message": ..., "article": "Art. N…" | null, "article_text": ...}``.
CLI line: ``error [Art. N…]: message``.
"""

from __future__ import annotations

from typing import Any

from .law.errors import LawError, Message, joined_messages, msg  # noqa: F401 (Message, msg …: re-exported)


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(
        self,
        message: str,
        *,
        article: str | None = None,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.article = article
        self.field = field
        self.details = details
        if code:
            self.code = code
        if status:
            self.status = status


class RuleViolation(DomainError):
    """A refusal required by the regulation: always names its article."""

    status = 422
    code = "rule_violation"

    def __init__(self, message: str, *, article: str, **kw: Any) -> None:
        super().__init__(message, article=article, **kw)


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


def _article_text(article: str | None) -> str | None:
    if not article:
        return None
    try:
        from .law.articles import ArticleRef

        return ArticleRef.parse(article).text()
    except Exception:  # an unknown article must never hide the original error
        return None


def error_body(exc: DomainError | LawError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": exc.code,
        "message": str(exc.message),  # a Message's English text, as a plain str
        "article": exc.article,
        "article_text": _article_text(exc.article),
    }
    field = getattr(exc, "field", None)
    if field:
        body["field"] = field
    details = getattr(exc, "details", None)
    if details is not None:
        body["details"] = details
    return body


def cli_line(exc: DomainError | LawError) -> str:
    prefix = f"error [{exc.article}]" if exc.article else "error"
    return f"{prefix}: {exc.message}"


# --------------------------------------------------------------------------------------------
# The error body as the API documents it. Its model (pydantic) is in ``error_model``, imported where the API
# uses it: a refusal printed by the CLI costs no pydantic (`xinyong subject check`, tests/test_cli_startup.py).

_DESCRIPTIONS = {
    400: "Bad request",
    401: "No valid bearer token",
    403: "The token's holder may not do this (the article where the regulation says so)",
    404: "Not found (or not yours to know of)",
    409: "Conflicts with the present state (or the law cannot answer: a parameter not in force, a calendar "
         "year not known)",
    413: "The request is too large",
    422: "Invalid input, or refused by a rule of the regulation (the article is named)",
    429: "Too many requests: wait as Retry-After says",
    500: "Unexpected error (logged; nothing of the request is in the answer)",
    503: "Not ready to serve",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route for the error statuses it can answer, each with the error body."""
    from .error_model import ErrorRead

    return {code: {"model": ErrorRead, "description": _DESCRIPTIONS.get(code, "Error")} for code in codes}


def internal_error_body(incident: str) -> dict[str, Any]:
    """The body of an unexpected error: generic, with the incident id the log holds; nothing of the request."""
    return {"error": "internal_error", "message": f"an unexpected error occurred (incident {incident}, logged)",
            "article": None, "article_text": None}
