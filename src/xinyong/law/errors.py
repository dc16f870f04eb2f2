"""Errors raised by the law kernel itself.

The kernel imports nothing else of xinyong, so it has its own base error; the front doors
render it exactly like a ``xinyong.errors.DomainError`` (same JSON body, same CLI line).
"""

from __future__ import annotations


class Message(str):
    """A message built with values: it IS the English text (API bodies, CLI lines and logs use it as it is), and
    keeps its ``template`` and ``params`` so that the portal can word it in Chinese (``portal.i18n``)."""

    __slots__ = ("template", "params")

    template: str
    params: dict[str, object]


def msg(template: str, /, **params: object) -> Message:
    """``template.format(**params)``, keeping the template and the values (a catalog translates the template)."""
    text = Message(template.format(**params))
    text.template = template
    text.params = params
    return text


class LawError(Exception):
    """A question the law kernel cannot answer lawfully (fails closed)."""

    code = "law_error"
    status = 409

    def __init__(self, message: str, *, article: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.article = article


class UnknownArticle(LawError):
    code = "unknown_article"
    status = 500


class ParameterNotInForce(LawError):
    code = "parameter_not_in_force"


class UnknownCalendarYear(LawError):
    """The working-day calendar has no official notice for a year a computation needs."""

    code = "unknown_calendar_year"

    def __init__(self, year: int, message: str | None = None) -> None:
        super().__init__(
            message
            or msg(
                "the working-day calendar does not know the year {year}: add the State Council's "
                "holiday notice for {year} with `xinyong law calendar add FILE`", year=year
            )
        )
        self.year = year
