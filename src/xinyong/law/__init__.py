"""The rules-as-code kernel: articles, rules, dated parameters, the working-day calendar, periods.

Imports nothing else of xinyong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# What each name is imported from, imported when first used (PEP 562): ``from xinyong.law.rules import rule``
# (every rules module) or ``xinyong.law.errors`` (every refusal) then costs neither the regulation's text, the
# calendar (chinese_calendar, yaml) nor the parameters. `xinyong subject check` starts without them
# (tests/test_cli_startup.py).
_FROM = {
    "ArticleRef": "articles", "all_articles": "articles",
    "is_workday": "calendar",
    "LawError": "errors", "ParameterNotInForce": "errors", "UnknownArticle": "errors",
    "UnknownCalendarYear": "errors",
    "Parameter": "parameters", "ParameterValue": "parameters", "all_parameters": "parameters",
    "parameter": "parameters", "value": "parameters",
    "Deadline": "periods", "add_working_days": "periods", "add_years": "periods", "deadline": "periods",
    "untrustworthy_inquiry_end": "periods",
    "REGISTRY": "rules", "Rule": "rules", "rule": "rules",
}

if TYPE_CHECKING:
    from .articles import ArticleRef, all_articles
    from .calendar import is_workday
    from .errors import LawError, ParameterNotInForce, UnknownArticle, UnknownCalendarYear
    from .parameters import Parameter, ParameterValue, all_parameters, parameter, value
    from .periods import Deadline, add_working_days, add_years, deadline, untrustworthy_inquiry_end
    from .rules import REGISTRY, Rule, rule


def __getattr__(name: str):
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    attr = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = attr
    return attr


def __dir__() -> list[str]:
    return sorted([*globals(), *_FROM])


__all__ = [
    "REGISTRY",
    "ArticleRef",
    "Deadline",
    "LawError",
    "Parameter",
    "ParameterNotInForce",
    "ParameterValue",
    "Rule",
    "UnknownArticle",
    "UnknownCalendarYear",
    "add_working_days",
    "add_years",
    "all_articles",
    "all_parameters",
    "deadline",
    "is_workday",
    "parameter",
    "rule",
    "untrustworthy_inquiry_end",
    "value",
]
