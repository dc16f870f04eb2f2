"""Oversight by the social credit supervisor (Art. 19, 20, 50, 51): what it sees of how the platform is used;
and the operator's agents' tokens (Art. 17.1) under ``/agent-tokens``."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import actor, engine, require_role
from ..errors import responses
from ..schemas import id_path, text_path
from . import agents, register, service
from .schemas import (AgentTokenIn, AgentTokenIssuedRead, AgentTokenRead, ConsoleActRead, OversightDecisionIn,
                      RegisterEntryRead)

router = APIRouter()
oversight = APIRouter(prefix="/oversight", tags=["oversight"])
agent_tokens = APIRouter(prefix="/agent-tokens", tags=["tokens"])


@oversight.get("/console-acts", response_model=list[ConsoleActRead], responses=responses(401, 403, 422))
def console_acts(since: date | None = Query(None), who: Actor = Depends(require_role("supervisor")),
                 eng: Engine = Depends(engine)) -> list[dict]:
    """The console's acts for units, each with its recorded reason (the supervisor's view, Art. 19(2))."""
    with session_scope(eng) as s:
        return service.console_acts(s, since=since)


@oversight.get("/register", response_model=list[RegisterEntryRead], responses=responses(401, 403))
def register_entries(who: Actor = Depends(require_role("supervisor")), eng: Engine = Depends(engine)) -> list[dict]:
    """The oversight register: every possible breach the platform records, with its article, party, competent
    authority, the consequence attached and its state (Art. 19, 20, 49-51)."""
    with session_scope(eng) as s:
        return register.entries(s)


@oversight.post("/register/{key}/decision", response_model=RegisterEntryRead,
                responses=responses(401, 403, 404, 409, 422))
def register_decision(body: OversightDecisionIn, key: str = text_path("The entry's key", max_length=120), *,
                      who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> dict:
    """Record the competent authority's decision on an entry: the supervisor only (the Center cannot edit the
    register, Art. 51); a fine within the dated range, an order to correct with a deadline after today."""
    with session_scope(eng) as s:
        return register.decide(s, key=key, actor=who, **body.model_dump())


@agent_tokens.post("", status_code=201, response_model=AgentTokenIssuedRead, responses=responses(401, 403, 404, 422))
def issue_agent_token(body: AgentTokenIn, who: Actor = Depends(require_role("operator")),
                      eng: Engine = Depends(engine)) -> dict:
    """Issue an agent's token for an organization (or for the agent a natural person chose), naming the agent
    and the written authorization (Art. 17.1); the token is in the response, once."""
    with session_scope(eng) as s:
        return agents.issue(s, actor=who, subject=body.subject, agent_name=body.agent_name,
                            agent_document=body.agent_document, expires_on=body.expires_on)


@agent_tokens.get("", response_model=list[AgentTokenRead], responses=responses(401, 403))
def list_agent_tokens(_who: Actor = Depends(require_role("operator")), eng: Engine = Depends(engine)) -> list[dict]:
    """Every agent's token with its subject (masked), agent, authorization and state; never the token."""
    with session_scope(eng) as s:
        return agents.list_tokens(s)


@agent_tokens.post("/{token_id}/revocation", response_model=AgentTokenRead, responses=responses(401, 403, 404, 422))
def revoke_agent_token(token_id: int = id_path("The agent's token id"), *,
                       who: Actor = Depends(require_role("operator")), eng: Engine = Depends(engine)) -> dict:
    """Revoke an agent's token at once (its sessions end with it)."""
    with session_scope(eng) as s:
        return agents.revoke(s, token_id=token_id, actor=who)


router.include_router(oversight)
router.include_router(agent_tokens)
