from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from ..schemas import ReadModel


class CheckpointRead(ReadModel):
    """A signed checkpoint of the audit log (RFC 6962 Merkle tree head, Ed25519 signature)."""

    model_config = ConfigDict(extra="allow")  # a signed document: later versions may add keys

    version: int
    log: str
    seq: int
    tree_size: int
    root_hash: str
    last_event_id: int
    chain_head: str
    sealed_at: str
    key_id: str | None = None
    signature: str
    previous: dict[str, Any] | None = None
    consistency_proof: list[str] | None = None


class PublishedCheckpointRead(ReadModel):
    checkpoint: CheckpointRead
    document: str = Field(..., description="The signed document exactly as exported (checkpoint-<seq>.json)")
    file_name: str
    public_key: str = Field(..., description="PEM")
    key_id: str | None
    signature_valid: bool
    verify: str
