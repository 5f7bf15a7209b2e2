"""A feed's own stream: its state, read from the log, and what each pull came to, appended.

Everything a pull records goes through ``FeedRecorder.record``, which appends at the
version the state was read at, so an instance that has lost its lead meets the version its
successor moved and stops, rather than recording over it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.registry.feeds.domain import FeedState, Snapshot, evolve_feed, fold_feed
from services.registry.gias.csvfile import UnusableInput
from shared.contracts.feeds import (
    FeedName,
    FeedSnapshotAccepted,
    FeedSnapshotApplied,
    FeedSnapshotFailed,
    FeedSnapshotHeld,
    FeedSnapshotUnusable,
    SnapshotSummary,
)
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.leader import Leader
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore

log = logging.getLogger(__name__)

ACTOR = "registry-feeds"


def feed_stream(feed: str) -> str:
    """The stream holding every pull of ``feed``."""
    return f"feed-{feed}"


async def load_feed(store: EventStore, feed: FeedName) -> FeedState:
    """A feed's state, folded from its stream."""
    events = await store.read_stream(feed_stream(feed))
    return fold_feed(feed, ((e.decode(store.registry), e.recorded_at) for e in events))


@dataclass(frozen=True)
class PullResult:
    """What one pull of one feed came to."""

    feed: str
    run_id: str | None
    outcome: str
    snapshot_date: date | None = None
    detail: str = ""
    events_written: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (``strongtrusts feeds run-once --json``)."""
        return {
            "feed": self.feed,
            "run_id": self.run_id,
            "outcome": self.outcome,
            "snapshot_date": self.snapshot_date.isoformat() if self.snapshot_date else None,
            "detail": self.detail,
            "events_written": self.events_written,
        }


@dataclass
class FeedRecorder:
    """Appends what a pull came to on the feed's stream, and says so as a ``PullResult``."""

    store: EventStore
    leader: Leader
    now: Callable[[], datetime]

    async def record(self, state: FeedState, run_id: str, event: EventContract) -> FeedState:
        """Append to the feed's stream at the version it was read at: an instance that lost
        its lead meets the version its successor moved, and stops."""
        if self.leader.active.is_set():
            self.leader.check()
        meta = EventMetadata(
            actor=ACTOR,
            reason=f"{state.feed} feed pull",
            correlation_id=run_id,
            source=f"feed:{state.feed}:{run_id}",
        )
        await self.store.append(
            feed_stream(state.feed), [NewEvent(event, meta)], expected_version=state.version
        )
        return evolve_feed(state, event, self.now())

    async def hold(
        self,
        state: FeedState,
        snapshot: Snapshot,
        missing: list[str],
        reasons: list[str],
        summary: SnapshotSummary | None,
    ) -> None:
        await self.record(
            state,
            snapshot.run_id,
            FeedSnapshotHeld(
                feed=state.feed,
                run_id=snapshot.run_id,
                snapshot_date=snapshot.snapshot_date,
                files=list(snapshot.files),
                missing=missing,
                reasons=reasons,
                summary=summary,
                superseded_run_id=state.held.snapshot.run_id if state.held else None,
            ),
        )

    def held(self, feed: str, snapshot: Snapshot, reasons: list[str]) -> PullResult:
        return PullResult(feed, snapshot.run_id, "held", snapshot.snapshot_date, "; ".join(reasons))

    async def unusable(
        self, state: FeedState, snapshot: Snapshot, bad: UnusableInput
    ) -> PullResult:
        await self.record(
            state,
            snapshot.run_id,
            FeedSnapshotUnusable(
                feed=state.feed,
                run_id=snapshot.run_id,
                snapshot_date=snapshot.snapshot_date,
                files=list(snapshot.files),
                file=bad.file,
                reason=bad.reason,
            ),
        )
        return PullResult(state.feed, snapshot.run_id, "unusable", snapshot.snapshot_date, str(bad))

    async def applied(
        self,
        state: FeedState,
        snapshot: Snapshot,
        import_ids: list[str],
        written: int,
        rejected: int,
    ) -> PullResult:
        await self.record(
            state,
            snapshot.run_id,
            FeedSnapshotApplied(
                feed=state.feed,
                run_id=snapshot.run_id,
                snapshot_date=snapshot.snapshot_date,
                import_ids=import_ids,
                events_written=written,
                rows_rejected=rejected,
            ),
        )
        return PullResult(
            state.feed,
            snapshot.run_id,
            "applied",
            snapshot.snapshot_date,
            f"{written} events written, {rejected} rows rejected",
            written,
        )

    async def failed(self, state: FeedState, snapshot: Snapshot, exc: Exception) -> PullResult:
        log.exception("applying %s snapshot %s failed", state.feed, snapshot.run_id)
        reason = (str(exc) or type(exc).__name__)[:2000]
        await self.record(
            state,
            snapshot.run_id,
            FeedSnapshotFailed(feed=state.feed, run_id=snapshot.run_id, reason=reason),
        )
        return PullResult(state.feed, snapshot.run_id, "failed", snapshot.snapshot_date, reason)


def accepted(
    state: FeedState, snapshot: Snapshot, summary: SnapshotSummary
) -> FeedSnapshotAccepted:
    """The event that says a snapshot was judged fit to apply, with what it will change."""
    return FeedSnapshotAccepted(
        feed=state.feed,
        run_id=snapshot.run_id,
        snapshot_date=snapshot.snapshot_date,
        files=list(snapshot.files),
        summary=summary,
        superseded_run_id=state.held.snapshot.run_id if state.held else None,
    )
