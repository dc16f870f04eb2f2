"""Rules about the catalog (Art. 9–11)."""

from __future__ import annotations

from datetime import date

from ..errors import RuleViolation, msg
from ..law.rules import rule

STATES = ("proposed", "under-assessment", "public-comment", "approved", "published", "retired")
DISCLOSURE = ("public", "authorized", "restricted")

# Until the supervisor's full Art. 10 workflow exists, publishing and retiring are the two moves.
_ALLOWED = {
    "published": {"proposed", "under-assessment", "public-comment", "approved", "retired"},
    "retired": {"published"},
}


@rule("Art. 10.2")
def check_transition(current: str, target: str) -> None:
    """A catalog item moves only along its lifecycle: it is published after drafting, and retired once published."""
    if current not in _ALLOWED.get(target, set()):
        raise RuleViolation(
            msg("a catalog item that is '{current}' cannot become '{target}'", current=current, target=target),
            article="Art. 10.2",
            field="state",
        )


@rule("Art. 11")
def check_item_aggregable(code: str, state: str, published_on: date | None, retired_on: date | None,
                          on: date) -> None:
    """Only information of an item in the published catalog may be aggregated on the platform."""
    if state != "published" or published_on is None or published_on > on:
        raise RuleViolation(
            msg("catalog item '{code}' is not in the published catalog ({state}); information not in the catalog "
                "must not be aggregated", code=code, state=state),
            article="Art. 11",
            field="catalog_item",
        )
    if retired_on is not None and retired_on <= on:
        raise RuleViolation(
            msg("catalog item '{code}' was retired on {retired_on}", code=code, retired_on=retired_on.isoformat()),
            article="Art. 11",
            field="catalog_item",
        )


COMPILERS = ("supervisor",)


@rule("Art. 10.2")
def may_compile(role: str) -> None:
    """The catalog is compiled and published by the social credit supervisor, under its own identity."""
    if role not in COMPILERS:
        from ..errors import Forbidden

        raise Forbidden("the catalog is compiled and published by the social credit supervisor, under its own "
                        "identity (its token)", article="Art. 10.2")
