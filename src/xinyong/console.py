"""What every CLI command shares: the engine, acting for a unit, and printing errors with their article."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from .config import env as setting

# The database (SQLAlchemy), the API's error models (pydantic), the law kernel and the actors are imported
# where a command uses them: `xinyong subject check` and `--help` start without them (tests/test_cli_startup.py).
if TYPE_CHECKING:
    from .auth import Actor

F = TypeVar("F", bound=Callable[..., Any])


class _LazyConsole:
    """``out`` / ``err``: a rich ``Console`` made when a command first uses one. ``rich.console`` is ~30 ms of
    imports, which Typer itself does not load to run a command: a command that prints plain lines (``echo``)
    never pays for it (tests/test_cli_startup.py)."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Any = None

    def console(self) -> Any:
        """The rich Console itself (e.g. for a progress bar's ``console=``)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console(), name)


out: Any = _LazyConsole(stderr=False)
err: Any = _LazyConsole(stderr=True)


def echo(text: str, *, stderr: bool = False) -> None:
    """One line as it is: no markup, emoji codes or highlighting (an identifier, a defect, a refusal), on
    standard output or standard error."""
    stream = sys.stderr if stderr else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def handles_errors(func: F) -> F:
    """Print ``error [Art. N]: message`` on stderr and exit 1 for every refusal."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            if not _is_refusal(exc):
                raise
            from .errors import cli_line

            _trace_refusal(exc)
            echo(cli_line(exc), stderr=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _is_refusal(exc: BaseException) -> bool:
    """A ``DomainError`` or ``LawError``. Either can only have been raised once its module was imported: looked
    up in ``sys.modules``, so that printing a refusal costs a command that raises none nothing at start-up."""
    errors = sys.modules.get(f"{__package__}.errors")
    law_errors = sys.modules.get(f"{__package__}.law.errors")
    return ((errors is not None and isinstance(exc, errors.DomainError))
            or (law_errors is not None and isinstance(exc, law_errors.LawError)))


def _trace_refusal(exc: Exception) -> None:
    """A refused batch, objection or check command leaves an audit trace (``guard.traces``): the command's
    name, the error code, article and field — never its arguments or message (they may hold identifiers)."""
    from .auth import CONSOLE
    from .guard import traces

    command = _invocation.get("command") or ""
    family = traces.TRACED_COMMANDS.get(command)
    if family is None:
        return
    try:
        traces.refused(None, family=family, actor=CONSOLE, route=command, status=getattr(exc, "status", None),
                       error=getattr(exc, "code", None), article=exc.article,
                       field=(getattr(exc, "field", None) or None) and str(exc.field)[:100],
                       object_id=None, channel="cli")
    except Exception:  # noqa: BLE001 - no database (yet): the refusal is printed all the same
        pass


def acting_for(unit_uscc: str | None, reason: str | None = None) -> Actor:
    """``--unit CODE`` with ``xinyong --console-reason TEXT …`` (or ``XINYONG_CONSOLE_REASON``): the command
    acts for that unit from the operator's console. The reason is
    required, recorded (an audit event naming the command, the unit and the reason — shown to the supervisor)
    before anything else is done, and the act itself names both the unit and the console. Without ``--unit``
    the console acts as the Center."""
    from .auth import CONSOLE

    if not unit_uscc:
        return CONSOLE
    from .unit import service as units
    from .unit.rules import console_reason

    from .db import session_scope

    reason = console_reason(reason or _invocation.get("reason"))
    with session_scope() as s:
        unit = units.get_by_uscc(s, unit_uscc)
        record_console_act(s, unit_id=unit.id, unit_uscc=unit.uscc, reason=reason)
        return units.actor_for(unit, officer="console")


# What the root command line said for this invocation (``xinyong --console-reason …``): set by the CLI's root
# callback before any command runs.
_invocation: dict[str, str | None] = {}


def set_invocation(*, reason: str | None, command: str) -> None:
    _invocation.clear()
    _invocation.update(reason=reason, command=command)


def record_console_act(session, *, unit_id: int, unit_uscc: str, reason: str) -> None:
    """The audit event of the console acting for a unit: the command (its name, never its arguments, which may
    hold identifiers), the unit and the reason."""
    from .audit import service as audit
    from .auth import CONSOLE

    command = _invocation.get("command") or "xinyong"
    audit.append(session, action="console:act-for", actor=CONSOLE, object_type="unit", object_id=unit_id,
                 details={"command": command, "unit": unit_uscc, "reason": reason[:500]})


def identity(token: str | None) -> Actor:
    """``--token`` (or ``XINYONG_TOKEN``): the command acts as the token's holder — how the supervisor performs
    its own acts from the console (compiling the application list, Art. 22)."""
    from . import tokens
    from .db import session_scope
    from .errors import Unauthorized

    token = token or setting("XINYONG_TOKEN")
    if not token:
        raise Unauthorized("this act is the supervisor's: give its token (--token or XINYONG_TOKEN)")
    with session_scope() as s:
        return tokens.authenticate(s, token)


def print_json(value: Any) -> None:
    import orjson  # here: a command printing text never loads it

    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


def engine():
    from .db import get_engine

    return get_engine()
