"""How a person proves who they are before the portal opens a session: the interface a real-name identity
provider (OpenID Connect, e.g. the city's 一网通办 unified identity) implements in production.

The embedded default is the token sign-in of ``signin.py``: the operator checks identity at the counter and
issues a token (``xinyong subject token``, ``xinyong unit officer``). A provider instead verifies the person
itself and names them to the platform; the platform then issues a short-lived token for that holder and opens
the session with it, so that everything after sign-in — the session, its revocation, the audit trail — is the
same whichever way the person came in. docs/identity.md describes the flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi import Request


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a provider asserts after its own real-name check: the kind of holder and their identifier
    (a resident ID number or a USCC, normalised by ``xinyong.subject.identifiers``), or an officer's unit
    and staff number; ``agent_*`` when a person signs in for an organization they represent."""

    holder: str  # "subject" | "officer"
    identifier: str | None = None
    unit_uscc: str | None = None
    staff_no: str | None = None
    agent_name: str | None = None
    agent_document: str | None = None
    assurance: str = ""  # the provider's level of assurance, recorded with the sign-in


class IdentityProvider(Protocol):
    """A sign-in method the portal offers beside (or instead of) the token form."""

    name: str  # shown on /login

    def start(self, request: Request, *, next_path: str) -> str:
        """The URL to send the browser to (an OpenID Connect authorization request with state and nonce)."""

    def finish(self, request: Request) -> VerifiedIdentity:
        """Called on the provider's redirect back: check state, nonce and the ID token's signature, audience
        and expiry; return the verified identity or raise ``xinyong.errors.Unauthorized``."""
