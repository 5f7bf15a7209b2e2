"""Request and response models of the feeds' routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.feeds import FeedName


class FeedFile(BaseModel):
    """One file of a snapshot as it was fetched."""

    role: str
    name: str
    url: str
    size: int
    sha256: str
    etag: str | None = None
    last_modified: str | None = None


class Summary(BaseModel):
    """What applying a snapshot would change: counts by kind, with examples (URNs or UIDs)."""

    counts: dict[str, int]
    samples: dict[str, list[int]]
    open_schools_before: int | None = None
    open_trusts_before: int | None = None


class HeldRef(BaseModel):
    """The snapshot a feed holds, in brief."""

    run_id: str
    snapshot_date: date | None
    reasons: list[str]
    url: str = Field(description="Where its summary is: GET it, then release or discard it.")


class FeedStatus(BaseModel):
    """One feed: how its last pull went, which snapshot is applied, and when it pulls next."""

    feed: FeedName
    configured: bool = Field(description="Whether this deployment pulls the feed.")
    base_url: str | None
    schedule: str | None
    last_run_id: str | None
    last_attempt_at: datetime | None
    last_outcome: str | None = Field(
        description="unchanged, nothing_published, fetch_failed, held, unusable, accepted"
        " (being applied) or failed."
    )
    last_detail: str | None
    newest_snapshot_date: date | None = Field(
        description="The date of the newest set a pull decided something about."
    )
    newest_files: list[FeedFile]
    applied_snapshot_date: date | None
    applied_at: datetime | None
    held: HeldRef | None
    next_run_at: datetime | None


class FeedList(BaseModel):
    """Every feed the registry knows."""

    feeds: list[FeedStatus]


class HeldSnapshot(BaseModel):
    """A snapshot held back by the drift guard or for a missing file, waiting for a person."""

    feed: FeedName
    run_id: str
    snapshot_date: date | None
    held_at: datetime
    reasons: list[str]
    missing: list[str]
    files: list[FeedFile]
    summary: Summary | None


class FeedDecision(BaseModel):
    """Why a held snapshot is released or discarded (recorded with the event)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "The trust closures were confirmed with the GIAS team"}]
        },
    )

    reason: str = Field(min_length=1, max_length=4000)


class FeedDecisionRecorded(BaseModel):
    """The decision, recorded: a released snapshot is applied by the feed worker next."""

    feed: FeedName
    run_id: str
    status: Literal["released", "discarded"]
    feed_url: str
