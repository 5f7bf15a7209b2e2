"""What the audit API answers with about the chains: their status, and signed checkpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class CheckpointView(BaseModel):
    """A signed checkpoint of the global hash chain, as exported."""

    format: str
    seq: int
    position: int
    chain_hash: str
    sealed_at: str
    signed_at: str
    public_key: str
    key_id: str
    signature: str


class ChainStatus(BaseModel):
    """Whether the stored log is consistent with both hash chains, and how far sealing is."""

    ok: bool
    events_checked: int
    streams_checked: int
    seals_checked: int
    last_sealed_position: int | None
    unsealed_events: int
    first_broken_position: int | None
    breaks: list[dict[str, Any]]
    checkpoint: CheckpointView | None
    verified_at: datetime = Field(description="When this verification ran")
