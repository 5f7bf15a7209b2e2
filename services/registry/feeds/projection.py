"""The feeds' read models, from the ``feed`` streams: one row per feed, one per pull.

Pulls are a handful of events a day, so each event is its own upsert. Every row remembers
the stream version that last wrote it and an older one never overwrites it, so a replay
changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from services.registry.feeds.models import FEED_TABLES, feed_runs, feeds
from shared.contracts import all_contracts
from shared.contracts.feeds import (
    FeedChecked,
    FeedFetchFailed,
    FeedSnapshotAccepted,
    FeedSnapshotApplied,
    FeedSnapshotDiscarded,
    FeedSnapshotFailed,
    FeedSnapshotHeld,
    FeedSnapshotReleased,
    FeedSnapshotUnusable,
    FetchedFile,
    SnapshotSummary,
)
from shared.eventlog.model import RecordedEvent
from shared.eventlog.projection import Handlers, Projection
from shared.eventlog.rebuild import RebuildReport, rebuild_projection
from shared.eventlog.subscriptions import HandlerContext
from shared.settings import Settings

PROJECTION_NAME = "registry-feeds"
_CONTRACTS = all_contracts()
_JSON_COLUMNS = frozenset({"newest_files", "files", "missing", "reasons", "summary", "import_ids"})


def _upsert(table: str, key: str, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    names = list(values)
    params = [
        f"${i}::jsonb" if name in _JSON_COLUMNS else f"${i}" for i, name in enumerate(names, 1)
    ]
    updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n not in (key, "started_at"))
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(params)})"
        f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
        f" WHERE {table}.version <= EXCLUDED.version"
    )
    args = [json.dumps(v) if n in _JSON_COLUMNS and v is not None else v for n, v in values.items()]
    return sql, args


handlers = Handlers()
# The files of a snapshot, as the read model keeps them (JSON).
_Files = list[FetchedFile]


def _files(files: _Files) -> list[dict[str, Any]]:
    return [f.model_dump(mode="json") for f in files]


def _summary(summary: SnapshotSummary | None) -> dict[str, Any] | None:
    return None if summary is None else summary.model_dump(mode="json")


async def _feed(ctx: HandlerContext, event: RecordedEvent, feed: str, **values: Any) -> None:
    sql, args = _upsert(
        feeds.name,
        "feed",
        {
            "feed": feed,
            "version": event.stream_version,
            "updated_at": event.recorded_at,
            **values,
        },
    )
    await ctx.conn.execute(sql, *args)


async def _run(
    ctx: HandlerContext, event: RecordedEvent, feed: str, run_id: str, **values: Any
) -> None:
    sql, args = _upsert(
        feed_runs.name,
        "run_id",
        {
            "run_id": run_id,
            "feed": feed,
            "version": event.stream_version,
            "started_at": event.recorded_at,
            "updated_at": event.recorded_at,
            **values,
        },
    )
    await ctx.conn.execute(sql, *args)


async def _attempt(
    ctx: HandlerContext, event: RecordedEvent, feed: str, run_id: str, outcome: str, detail: str
) -> None:
    await _feed(
        ctx,
        event,
        feed,
        last_run_id=run_id,
        last_attempt_at=event.recorded_at,
        last_outcome=outcome,
        last_detail=detail,
    )


async def _superseded(
    ctx: HandlerContext, event: RecordedEvent, feed: str, run_id: str | None
) -> None:
    if run_id:
        await _run(ctx, event, feed, run_id, status="superseded")


@handlers.on(FeedChecked)
async def _checked(e: FeedChecked, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _run(
        ctx,
        event,
        e.feed,
        e.run_id,
        status=e.outcome,
        snapshot_date=e.snapshot_date,
        detail=e.detail,
    )
    await _attempt(ctx, event, e.feed, e.run_id, e.outcome, e.detail)


@handlers.on(FeedFetchFailed)
async def _fetch_failed(e: FeedFetchFailed, event: RecordedEvent, ctx: HandlerContext) -> None:
    detail = f"{e.url or ''}: {e.reason} after {e.attempts} attempts".lstrip(": ")
    await _run(ctx, event, e.feed, e.run_id, status="fetch_failed", detail=detail)
    await _attempt(ctx, event, e.feed, e.run_id, "fetch_failed", detail)


@handlers.on(FeedSnapshotHeld)
async def _held(e: FeedSnapshotHeld, event: RecordedEvent, ctx: HandlerContext) -> None:
    detail = "; ".join(e.reasons)
    await _superseded(ctx, event, e.feed, e.superseded_run_id)
    await _run(
        ctx,
        event,
        e.feed,
        e.run_id,
        status="held",
        snapshot_date=e.snapshot_date,
        files=_files(e.files),
        missing=list(e.missing),
        reasons=list(e.reasons),
        summary=_summary(e.summary),
        detail=detail,
    )
    await _attempt(ctx, event, e.feed, e.run_id, "held", detail)
    await _feed(
        ctx,
        event,
        e.feed,
        newest_snapshot_date=e.snapshot_date,
        newest_files=_files(e.files),
        held_run_id=e.run_id,
    )


@handlers.on(FeedSnapshotUnusable)
async def _unusable(e: FeedSnapshotUnusable, event: RecordedEvent, ctx: HandlerContext) -> None:
    detail = f"{e.file}: {e.reason}"
    await _run(
        ctx,
        event,
        e.feed,
        e.run_id,
        status="unusable",
        snapshot_date=e.snapshot_date,
        files=_files(e.files),
        detail=detail,
    )
    await _attempt(ctx, event, e.feed, e.run_id, "unusable", detail)
    await _feed(
        ctx, event, e.feed, newest_snapshot_date=e.snapshot_date, newest_files=_files(e.files)
    )


@handlers.on(FeedSnapshotAccepted)
async def _accepted(e: FeedSnapshotAccepted, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _superseded(ctx, event, e.feed, e.superseded_run_id)
    await _run(
        ctx,
        event,
        e.feed,
        e.run_id,
        status="accepted",
        snapshot_date=e.snapshot_date,
        files=_files(e.files),
        summary=_summary(e.summary),
        detail="passed the drift guard; being applied",
    )
    await _attempt(
        ctx, event, e.feed, e.run_id, "accepted", "passed the drift guard; being applied"
    )
    await _feed(
        ctx,
        event,
        e.feed,
        newest_snapshot_date=e.snapshot_date,
        newest_files=_files(e.files),
        held_run_id=None,
    )


async def _decided(
    ctx: HandlerContext,
    event: RecordedEvent,
    e: FeedSnapshotReleased | FeedSnapshotDiscarded,
    status: str,
) -> None:
    await _run(
        ctx,
        event,
        e.feed,
        e.run_id,
        status=status,
        decided_by=event.meta.actor,
        decision_reason=e.reason,
    )
    await _feed(ctx, event, e.feed, held_run_id=None)


@handlers.on(FeedSnapshotReleased)
async def _released(e: FeedSnapshotReleased, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _decided(ctx, event, e, "released")


@handlers.on(FeedSnapshotDiscarded)
async def _discarded(e: FeedSnapshotDiscarded, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _decided(ctx, event, e, "discarded")


@handlers.on(FeedSnapshotApplied)
async def _applied(e: FeedSnapshotApplied, event: RecordedEvent, ctx: HandlerContext) -> None:
    detail = f"{e.events_written} events written, {e.rows_rejected} rows rejected"
    await _run(
        ctx,
        event,
        e.feed,
        e.run_id,
        status="applied",
        import_ids=list(e.import_ids),
        events_written=e.events_written,
        detail=detail,
    )
    await _feed(
        ctx,
        event,
        e.feed,
        applied_snapshot_date=e.snapshot_date,
        applied_run_id=e.run_id,
        applied_at=event.recorded_at,
    )


@handlers.on(FeedSnapshotFailed)
async def _failed(e: FeedSnapshotFailed, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _run(ctx, event, e.feed, e.run_id, status="failed", detail=e.reason)
    await _feed(ctx, event, e.feed, last_outcome="failed", last_detail=e.reason)


def feeds_projection() -> Projection:
    """The consumer that keeps ``registry_feeds`` and ``registry_feed_runs``."""
    return Projection(PROJECTION_NAME, handlers, categories=frozenset({"feed"}))


async def rebuild(url: str, settings: Settings) -> RebuildReport:
    """Empty the feeds' read models and replay the ``feed`` streams (registry stopped)."""
    return await rebuild_projection(
        url, settings, feeds_projection(), FEED_TABLES, _CONTRACTS, service="registry"
    )
