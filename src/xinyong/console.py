"""What every CLI command shares: the engine, acting for a unit, and printing errors with their article."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
import typer
from rich.console import Console

from .auth import CONSOLE, Actor
from .db import get_engine, session_scope
from .errors import DomainError, cli_line
from .law.errors import LawError

F = TypeVar("F", bound=Callable[..., Any])
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def handles_errors(func: F) -> F:
    """Print ``error [Art. N]: message`` on stderr and exit 1 for every refusal."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (DomainError, LawError) as exc:
            err.print(cli_line(exc), markup=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def acting_for(unit_uscc: str | None) -> Actor:
    """``--unit CODE``: the command acts for that unit from the operator's console (both are logged)."""
    if not unit_uscc:
        return CONSOLE
    from .unit import service as units

    with session_scope() as s:
        unit = units.get_by_uscc(s, unit_uscc)
        return Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer="console")


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


def engine():
    return get_engine()
