"""No natural person's ID number in a log line or a traceback (PIPL Art. 51; Art. 20(4)).

The platform never logs a number on purpose; this is the net under what it does not control: the
access log of a client that put one in a URL, a driver's error that quotes a statement's parameters,
a traceback. Everything that has the shape of a resident ID number is masked 前6后4 before it is
written, whatever it really is (an all-digit USCC in a log line is masked too: the safe side).

- ``MaskingFilter``: a ``logging.Filter`` that masks a record's message, its arguments, its exception
  text and its stack text. ``install()`` puts one on the root logger, on uvicorn's loggers and on all
  their handlers (a logger's filter does not see what its children propagate to its handlers; a
  handler's does). ``uvicorn_log_config()`` is uvicorn's own configuration with the filter on every
  handler, for ``uvicorn.run(log_config=…)``, which rebuilds uvicorn's handlers (in each worker too).
- ``excepthook``: prints an uncaught exception's traceback masked (``sys.excepthook`` and
  ``threading.excepthook``, set by ``install()``).

Shapes masked: 18 characters, 17 digits and a digit or X (either case, half- or full-width digits),
optionally split 6 / 8 / 4 by a space, ``+`` or ``%20`` as typed into a form; and the legacy 15-digit
number (GB 11643-1989) when its six digits after the region are a real date (YYMMDD). A longer run of
digits is not a number of either kind and is left alone.
"""

from __future__ import annotations

import copy
import logging
import re
import sys
import threading
import traceback
from datetime import date
from typing import Any

_SEP = r"(?:[ +\u3000]|%20)?"
# not inside a longer run of digits (a 19-digit value is neither kind of number)
_RIC18 = re.compile(rf"(?<!\d)(\d{{6}}){_SEP}(\d{{8}}){_SEP}(\d{{3}}[\dXxＸｘ])(?![\dXxＸｘ])")
_RIC15 = re.compile(r"(?<!\d)(\d{6})(\d{6})(\d{3})(?!\d)")
_RUN = re.compile(r"\d{6}")  # every shape holds one: the usual log line is answered by this alone


def _is_yymmdd(s: str) -> bool:
    try:
        date(1900 + int(s[:2]), int(s[2:4]), int(s[4:6]))
    except ValueError:
        return False
    return True


def _mask18(m: re.Match) -> str:
    return m.group(1) + "*" * 8 + m.group(3)[-4:]  # 前6后4, as subject.identifiers.mask_ric


def _mask15(m: re.Match) -> str:
    if not _is_yymmdd(m.group(2)):
        return m.group(0)
    code = m.group(0)
    return code[:6] + "*" * 6 + code[-3:]  # as subject.identifiers.mask_ric: the last four would show a birth digit


def mask_text(text: str) -> str:
    """``text`` with every ID-number shape masked (前6后4)."""
    if _RUN.search(text) is None:
        return text
    return _RIC15.sub(_mask15, _RIC18.sub(_mask18, text))


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, (bool, float)) or value is None:
        return value
    if isinstance(value, int):
        text = str(value)
        return mask_text(text) if len(text) in (15, 18) and mask_text(text) != text else value
    try:
        text = str(value)
    except Exception:  # an object that cannot be shown cannot leak through %s either
        return value
    masked = mask_text(text)
    return value if masked == text else masked


class MaskingFilter(logging.Filter):
    """Masks ID numbers in every record it sees; never drops one, never raises."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            _mask_record(record)
        except Exception:  # a logging filter that raises loses the line; keep it, formatted and masked
            try:
                record.msg, record.args = mask_text(record.getMessage()), ()
            except Exception:
                record.msg, record.args = "(a log line that could not be masked was withheld)", ()
        return True


def _mask_record(record: logging.LogRecord) -> None:
    if getattr(record, "_xinyong_masked", False):
        return
    msg = record.msg
    record.msg = mask_text(msg) if isinstance(msg, str) else _mask_value(msg)
    args = record.args
    if isinstance(args, dict):
        record.args = {k: _mask_value(v) for k, v in args.items()}
    elif isinstance(args, tuple):
        record.args = tuple(_mask_value(a) for a in args)
    if record.args:
        try:
            record.getMessage()
        except (TypeError, ValueError):  # a masked int where %d wanted a number: format, then mask
            record.msg, record.args = mask_text(msg % args if isinstance(msg, str) else str(msg)), ()
    if record.exc_info and record.exc_info[0] is not None:
        # formatted now, masked, and the exception object dropped: no later formatter can print it whole
        text = record.exc_text or "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = mask_text(text)
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    record._xinyong_masked = True  # the same record reaches several handlers


_FILTER = MaskingFilter()
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def _add(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, MaskingFilter) for f in target.filters):
        target.addFilter(_FILTER)


def install() -> None:
    """The filter on the root logger, uvicorn's loggers and all their handlers; the masking hooks for
    uncaught exceptions. Idempotent."""
    for logger in (logging.getLogger(), *(logging.getLogger(n) for n in UVICORN_LOGGERS)):
        _add(logger)
        for handler in logger.handlers:
            _add(handler)
    if logging.lastResort is not None:  # what a logger with no handler anywhere above it writes to
        _add(logging.lastResort)
    sys.excepthook = excepthook
    threading.excepthook = _thread_excepthook


def uvicorn_log_config() -> dict:
    """uvicorn's default logging configuration with the masking filter on each of its handlers and
    loggers (uvicorn applies it with ``dictConfig``, in every worker process)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["xinyong_mask_ids"] = {"()": "xinyong.logmask.MaskingFilter"}
    for handler in config.get("handlers", {}).values():
        handler.setdefault("filters", []).append("xinyong_mask_ids")
    for name, logger in config.get("loggers", {}).items():
        if name in UVICORN_LOGGERS:
            logger.setdefault("filters", []).append("xinyong_mask_ids")
    return config


def format_exception(exc_type, exc, tb) -> str:
    return mask_text("".join(traceback.format_exception(exc_type, exc, tb)))


def excepthook(exc_type, exc, tb) -> None:
    """``sys.excepthook``: the traceback, masked, on standard error."""
    try:
        text = format_exception(exc_type, exc, tb)
    except Exception:  # never fall back to the unmasked default
        text = f"{getattr(exc_type, '__name__', 'Exception')}: (the traceback could not be masked)\n"
    sys.stderr.write(text)
    sys.stderr.flush()


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n")
    excepthook(args.exc_type, args.exc_value, args.exc_traceback)
