"""Who is asking: the Actor, and bearer tokens (only their digests are stored)."""

from __future__ import annotations

import hashlib
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

UNIT_KINDS = (
    "administrative",
    "judicial",
    "public-enterprise",
    "public-institution",
    "credit-service",
    "enterprise",
    "operator",
    "supervisor",
    "platform",  # another credit information platform the platform exchanges with (Art. 12; xinyong.exchange)
)
# Kinds that produce public credit information (Art. 8.2).
PROVIDER_KINDS = ("administrative", "judicial", "public-enterprise", "public-institution")
# A partner platform's unit relays what the providers of its region produced (Art. 12): its records are stored
# under it, so it provides items, but it is not a provider on the platform's own front doors.
RELAY_KINDS = ("platform",)


@dataclass(frozen=True)
class Actor:
    """The party behind a request.

    A unit (role = its kind), one of its officers (``officer_id``), a subject asking about itself
    (role "subject"), the operator's console on the platform's machine ("console"), or the public.
    """

    role: str
    unit_id: int | None = None
    unit_uscc: str | None = None
    officer: str | None = None  # the officer's staff number, or "console" when the CLI acts for a unit
    officer_id: int | None = None
    subject_id: int | None = None
    # The officer's query rights within the unit's (Art. 19(2)); None: all of the unit's.
    officer_items: tuple[str, ...] | None = None
    officer_purposes: tuple[str, ...] | None = None
    unit_subkind: str | None = None  # a judicial organ's kind: court | procuratorate
    mandate: bool = False  # an Art. 28.2 organization (inquires as an organ does)
    token_id: int | None = None  # the access token (a subject's: which agent, if any, acts)
    agent: str | None = None  # the agent's name, when a subject acts through one (shown to the subject only)

    @property
    def label(self) -> str:
        if self.unit_uscc:
            return f"unit:{self.unit_uscc}" + (f"/{self.officer}" if self.officer else "")
        if self.subject_id is not None:
            # an agent by its token's number, never by name (labels go into logs)
            return f"subject:{self.subject_id}" + (f"/agent#{self.token_id}" if self.agent else "")
        return self.role


CONSOLE = Actor(role="console")
PUBLIC = Actor(role="public")


def new_token() -> str:
    return "xy_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    # Tokens are 256-bit random, so a plain hash is enough (no dictionary to guess from).
    return hashlib.sha256(token.encode()).hexdigest()


# What one HTTP request learnt about who is asking, for the guard (``xinyong.guard``): set to a fresh dict
# per request by its middleware; ``tokens.authenticate`` notes the actor, or why a token failed. A dict
# (mutated, never rebound), so that what a dependency run in the threadpool notes is seen by the request.
REQUEST_NOTE: ContextVar[dict | None] = ContextVar("xinyong_request_note", default=None)


def note(key: str, value: object) -> None:
    found = REQUEST_NOTE.get()
    if found is not None:
        found[key] = value
