"""Dated, sourced legal parameters (``parameters.yaml`` beside this file).

Every legal number a rule uses is looked up here for the day it applies to::

    value("objection.center.decide_working_days", received_on)      # → 5
    parameter("inquiry.untrustworthy_period_years").at(day)           # → ParameterValue(5, Art. 35.1, …)

A day on which no value holds raises :class:`ParameterNotInForce`, naming the parameter, the day
and the article: the kernel fails closed rather than guess.

Two optional keys say where a number comes from: ``kind`` — ``legal`` (the default: a legal source
sets it) or ``platform-policy`` (the law sets no number; the platform's own choice, stated with what
it implements) — and ``level``, the rank of the legal source (``law``, ``administrative-regulation``,
``local-regulation``, ``national-provision``): required where the regulation defers to another
source, as for an item's own inquiry period (Art. 35.1, ``inquiry.untrustworthy_period_years.<item>``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .articles import ArticleRef
from .errors import LawError, ParameterNotInForce

PARAMETERS_FILE = "parameters.yaml"
_PARAM_KEYS = {"description", "unit", "article", "source", "values"}
_OPTIONAL_KEYS = {"kind", "level"}
_VALUE_KEYS = {"value", "since", "until", "source"}
KINDS = ("legal", "platform-policy")
# the rank of the source of a number the regulation defers to ("法律、法规和国家另有规定", Art. 35.1)
LEVELS = ("law", "administrative-regulation", "local-regulation", "national-provision")
# parameters whose names start so exist only because another source provides otherwise: their level is required
LEVEL_REQUIRED = ("inquiry.untrustworthy_period_years.",)


@dataclass(frozen=True)
class ParameterValue:
    value: Any
    article: ArticleRef
    since: date
    until: date | None  # inclusive last day; None = still in force
    source: str

    def holds_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    article: ArticleRef
    source: str
    values: tuple[ParameterValue, ...]
    kind: str = "legal"  # legal | platform-policy (the law sets no number)
    level: str | None = None  # law | administrative-regulation | local-regulation | national-provision

    @property
    def is_policy(self) -> bool:
        return self.kind == "platform-policy"

    def at(self, day: date) -> ParameterValue:
        """The value in force on ``day``; raises ParameterNotInForce when none holds."""
        if not isinstance(day, date):
            raise TypeError(f"parameter {self.name}: expected a date, got {day!r}")
        for pv in self.values:
            if pv.holds_on(day):
                return pv
        spans = ", ".join(
            f"{pv.since.isoformat()}–{pv.until.isoformat() if pv.until else ''}" for pv in self.values
        )
        raise ParameterNotInForce(
            f"parameter {self.name} ({self.article.canonical}) has no value in force on "
            f"{day.isoformat()} (it holds {spans})",
            article=self.article.canonical,
        )

    def value(self, day: date) -> Any:
        return self.at(day).value


def _as_date(raw: Any, where: str) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise LawError(f"{where}: {raw!r} is not a date (YYYY-MM-DD)")


def _build(name: str, spec: Any) -> Parameter:
    where = f"{PARAMETERS_FILE}: {name}"
    if not isinstance(spec, dict):
        raise LawError(f"{where}: expected a mapping")
    unknown = set(spec) - _PARAM_KEYS - _OPTIONAL_KEYS
    missing = _PARAM_KEYS - set(spec)
    if unknown or missing:
        raise LawError(f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    kind = str(spec.get("kind") or "legal")
    if kind not in KINDS:
        raise LawError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    level = spec.get("level")
    if level is not None and level not in LEVELS:
        raise LawError(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}")
    if level is not None and kind == "platform-policy":
        raise LawError(f"{where}: a platform policy has no legal level (level {level!r})")
    if level is None and name.startswith(LEVEL_REQUIRED):
        raise LawError(f"{where}: give the level of its source ({', '.join(LEVELS)}): it applies only "
                       "because that source provides otherwise")
    article = ArticleRef.parse(str(spec["article"]))
    raw_values = spec["values"]
    if not isinstance(raw_values, list) or not raw_values:
        raise LawError(f"{where}: values must be a non-empty list")
    values: list[ParameterValue] = []
    for i, raw in enumerate(raw_values):
        vw = f"{where} values[{i}]"
        if not isinstance(raw, dict) or not {"value", "since"} <= set(raw) or set(raw) - _VALUE_KEYS:
            raise LawError(f"{vw}: needs value and since, optionally until and source")
        since = _as_date(raw["since"], vw)
        until = _as_date(raw["until"], vw) if raw.get("until") is not None else None
        if until is not None and until < since:
            raise LawError(f"{vw}: until {until} is before since {since}")
        value = raw["value"]
        if isinstance(value, list):
            value = tuple(value)
        values.append(ParameterValue(value, article, since, until, str(raw.get("source") or spec["source"])))
    values.sort(key=lambda pv: pv.since)
    for prev, nxt in zip(values, values[1:]):
        if prev.until is None or prev.until >= nxt.since:
            raise LawError(f"{where}: values overlap ({prev.since} and {nxt.since})")
    return Parameter(
        name=name,
        description=" ".join(str(spec["description"]).split()),
        unit=str(spec["unit"]),
        article=article,
        source=str(spec["source"]),
        values=tuple(values),
        kind=kind,
        level=level,
    )


def load_parameters(text: str) -> dict[str, Parameter]:
    """Parse and validate a parameters file (the packaged one, or one given in a test)."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise LawError(f"{PARAMETERS_FILE}: expected a mapping of parameter names")
    return {str(name): _build(str(name), spec) for name, spec in data.items()}


@lru_cache(maxsize=1)
def _packaged() -> dict[str, Parameter]:
    text = resources.files(__package__).joinpath(PARAMETERS_FILE).read_text(encoding="utf-8")
    return load_parameters(text)


_overlay: dict[str, Parameter] = {}
_generation = 0


def _registry() -> dict[str, Parameter]:
    return {**_packaged(), **_overlay} if _overlay else _packaged()


@contextmanager
def overlaid(extra: Mapping[str, Parameter]) -> Iterator[None]:
    """Look parameters up in ``extra`` first, then in the packaged file, while the block runs.

    For tests and what-if runs with a parameters file of their own (``load_parameters``), e.g. an
    item's own inquiry period that the packaged file does not ship. Process-wide: not for serving.
    """
    global _generation
    saved = dict(_overlay)
    _overlay.update(extra)
    _generation += 1
    try:
        yield
    finally:
        _overlay.clear()
        _overlay.update(saved)
        _generation += 1


def generation() -> int:
    """Changes whenever the parameters in force change (an overlay begins or ends): memos of values derived
    from them key on it."""
    return _generation


def has_parameter(name: str) -> bool:
    return name in _registry()


def parameter(name: str) -> Parameter:
    try:
        return _registry()[name]
    except KeyError:
        raise LawError(f"unknown legal parameter {name!r}") from None


def value(name: str, day: date) -> Any:
    """Shortcut: ``parameter(name).at(day).value``."""
    return parameter(name).at(day).value


def all_parameters() -> list[Parameter]:
    return sorted(_registry().values(), key=lambda p: p.name)
