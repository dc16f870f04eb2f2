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
    return _built(template, params)


def _built(template: str, params: dict) -> Message:
    # not ``msg``: a template given as a value is not one a catalog can word (tests find ``msg``'s literals)
    text = Message(template.format(**params))
    text.template = template
    text.params = params
    return text


def joined_messages(messages: list, separator: str = "; ") -> Message:
    """Several messages as one, in order (``a; b``): its template holds only placeholders, so each part is worded
    in the page's language and the whole needs no entry of its own in a catalog."""
    names = [f"m{i}" for i in range(len(messages))]
    return _built(separator.join("{" + n + "}" for n in names), dict(zip(names, messages)))


def message_parts(message: object) -> tuple[str | None, dict | None]:
    """A message's template and values in a form JSON stores (a value that is itself a message nests as
    ``{"$msg": template, "params": …}``); ``(None, None)`` for plain text (fixed text is its own template)."""
    template = getattr(message, "template", None)
    if template is None:
        return None, None
    return template, {name: _stored(value) for name, value in message.params.items()}


def _stored(value: object) -> object:
    if getattr(value, "template", None) is not None:
        return {"$msg": value.template, "params": {k: _stored(v) for k, v in value.params.items()}}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def restore_message(text: str, template: str | None, params: dict | None) -> str:
    """The stored ``text`` as a :class:`Message` again, from what :func:`message_parts` stored; the text
    itself when nothing was (rows from before, fixed text). The text stays exactly what was stored."""
    if not template:
        return text
    restored = Message(text)
    restored.template = template
    restored.params = {name: _restored(value) for name, value in (params or {}).items()}
    return restored


def _restored(value: object) -> object:
    if isinstance(value, dict) and "$msg" in value:
        return _built(value["$msg"], {k: _restored(v) for k, v in (value.get("params") or {}).items()})
    return value


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
