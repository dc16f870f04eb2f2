"""One error type that carries the article, and one renderer per front door.

API body: ``{"error": code, "message": ..., "article": "Art. N…" | null, "article_text": ...}``.
CLI line: ``error [Art. N…]: message``.
"""

from __future__ import annotations

from typing import Any

from .law.errors import LawError


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
        "message": exc.message,
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
