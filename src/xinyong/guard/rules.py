"""The platform's security management mechanism against abuse (Art. 19(1): 建立信息安全管理机制).

Pure: the limiter and the import reader measure, these decide and word the refusal. A refusal names
the limit (configuration), never who or what was asked about.
"""

from __future__ import annotations

import math

from ..errors import RuleViolation, msg
from ..law.rules import rule

ARTICLE = "Art. 19(1)"


class RateLimited(RuleViolation):
    """Too many requests: 429, with ``retry_after`` seconds (the ``Retry-After`` header)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, article=ARTICLE)
        self.retry_after = retry_after


@rule(ARTICLE)
def within_rate_limit(allowed: bool, *, what: str, limit: str, retry_after: float) -> None:
    """Requests over a configured rate are refused before anything is served or logged (Art. 19(1))."""
    if allowed:
        return
    seconds = max(1, math.ceil(retry_after))
    raise RateLimited(msg("too many {what} (the limit is {limit}); try again in {seconds} s",
                          what=what, limit=limit, seconds=seconds), retry_after=seconds)


@rule(ARTICLE, id="guard.over_input_bound")
def over_input_bound(size: int, limit: int) -> bool:
    """An import file is read within configured bounds (columns, bytes a field, bytes a row), so that no
    file can exhaust the platform's memory (Art. 19(1)); a limit of 0 or less is no bound."""
    return 0 < limit < size


def bound_message(what: str, limit: int, unit: str, setting: str) -> str:
    """``line 7 is longer than 1,048,576 bytes (the platform's limit, XINYONG_IMPORT_MAX_LINE_BYTES)``."""
    return msg("{what} {limit:,} {unit} (the platform's limit, {setting})", what=what, limit=limit, unit=unit,
               setting=setting)
