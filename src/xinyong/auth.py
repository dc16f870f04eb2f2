"""Who is asking: the Actor, and bearer tokens (only their digests are stored)."""

from __future__ import annotations

import hashlib
import secrets
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
)
# Kinds that produce public credit information (Art. 8.2).
PROVIDER_KINDS = ("administrative", "judicial", "public-enterprise", "public-institution")


@dataclass(frozen=True)
class Actor:
    """The party behind a request: a unit (with its kind), the operator's console, or the public."""

    role: str  # a unit kind, "console" (the operator's CLI on the platform's machine) or "public"
    unit_id: int | None = None
    unit_uscc: str | None = None
    officer: str | None = None

    @property
    def label(self) -> str:
        if self.unit_uscc:
            return f"unit:{self.unit_uscc}" + (f"/{self.officer}" if self.officer else "")
        return self.role


CONSOLE = Actor(role="console")
PUBLIC = Actor(role="public")


def new_token() -> str:
    return "xy_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    # Tokens are 256-bit random, so a plain hash is enough (no dictionary to guess from).
    return hashlib.sha256(token.encode()).hexdigest()
