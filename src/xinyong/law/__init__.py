"""The rules-as-code kernel: articles, rules, dated parameters, the working-day calendar, periods.

Imports nothing else of xinyong.
"""

from __future__ import annotations

from .articles import ArticleRef, all_articles
from .calendar import is_workday
from .errors import LawError, ParameterNotInForce, UnknownArticle, UnknownCalendarYear
from .parameters import Parameter, ParameterValue, all_parameters, parameter, value
from .periods import Deadline, add_working_days, add_years, deadline, untrustworthy_inquiry_end
from .rules import REGISTRY, Rule, rule

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
