"""The feeds' read models, from the ``feed`` streams: one row per feed, one per pull.

Pulls are a handful of events a day, so each event is its own upsert. Every row remembers
the stream version that last wrote it and an older one never overwrites it, so a replay
changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from services.registry.feeds.models import FEED_TABLES, feed_runs, feeds
from shared.contracts import all_contracts
from shared.contracts.registry import (
    FeedChecked,
    FeedFetchFailed,
    FeedSnapshotAccepted,
    FeedSnapshotApplied,
    FeedSnapshotDiscarded,
    FeedSnapshotFailed,
    FeedSnapshotHeld,
    FeedSnapshotReleased,
    FeedSnapshotUnusable,
)
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import RecordedEvent
from shared.eventlog.rebuild import RebuildReport, rebuild_projection
from shared.eventlog.subscriptions import EventHandler, HandlerContext, Projection
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


async def _feed(ctx: HandlerContext, event: RecordedEvent, **values: Any) -> None:
    sql, args = _upsert(
        feeds.name,
        "feed",
        {
            "feed": event.data["feed"],
            "version": event.stream_version,
            "updated_at": event.recorded_at,
            **values,
        },
    )
    await ctx.conn.execute(sql, *args)


async def _run(ctx: HandlerContext, event: RecordedEvent, run_id: str, **values: Any) -> None:
    sql, args = _upsert(
        feed_runs.name,
        "run_id",
        {
            "run_id": run_id,
            "feed": event.data["feed"],
            "version": event.stream_version,
            "started_at": event.recorded_at,
            "updated_at": event.recorded_at,
            **values,
        },
    )
    await ctx.conn.execute(sql, *args)


async def _attempt(ctx: HandlerContext, event: RecordedEvent, outcome: str, detail: str) -> None:
    await _feed(
        ctx,
        event,
        last_run_id=event.data["run_id"],
        last_attempt_at=event.recorded_at,
        last_outcome=outcome,
        last_detail=detail,
    )


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


async def _superseded(ctx: HandlerContext, event: RecordedEvent) -> None:
    run_id = event.data.get("superseded_run_id")
    if run_id:
        await _run(ctx, event, run_id, status="superseded")


async def _checked(event: RecordedEvent, ctx: HandlerContext) -> None:
    d = event.data
    await _run(
        ctx,
        event,
        d["run_id"],
        status=d["outcome"],
        snapshot_date=_day(d.get("snapshot_date")),
        detail=d["detail"],
    )
    await _attempt(ctx, event, d["outcome"], d["detail"])


async def _fetch_failed(event: RecordedEvent, ctx: HandlerContext) -> None:
    d = event.data
    detail = f"{d.get('url') or ''}: {d['reason']} after {d['attempts']} attempts".lstrip(": ")
    await _run(ctx, event, d["run_id"], status="fetch_failed", detail=detail)
    await _attempt(ctx, event, "fetch_failed", detail)


async def _held(event: RecordedEvent, ctx: HandlerContext) -> None:
    d = event.data
    detail = "; ".join(d["reasons"])
    await _superseded(ctx, event)
    await _run(
        ctx,
        event,
        d["run_id"],
        status="held",
        snapshot_date=_day(d["snapshot_date"]),
        files=d["files"],
        missing=d["missing"],
        reasons=d["reasons"],
        summary=d.get("summary"),
        detail=detail,
    )
    await _attempt(ctx, event, "held", detail)
    await _feed(
        ctx,
        event,
        newest_snapshot_date=_day(d["snapshot_date"]),
        newest_files=d["files"],
        held_run_id=d["run_id"],
    )


async def _unusable(event: RecordedEvent, ctx: HandlerContext) -> None:
    d = event.data
    detail = f"{d['file']}: {d['reason']}"
    await _run(
        ctx,
        event,
        d["run_id"],
        status="unusable",
        snapshot_date=_day(d["snapshot_date"]),
        files=d["files"],
        detail=detail,
    )
    await _attempt(ctx, event, "unusable", detail)
    await _feed(ctx, event, newest_snapshot_date=_day(d["snapshot_date"]), newest_files=d["files"])


async def _accepted(event: RecordedEvent, ctx: HandlerContext) -> None:
    d = event.data
    await _superseded(ctx, event)
    await _run(
        ctx,
        event,
        d["run_id"],
        status="accepted",
        snapshot_date=_day(d["snapshot_date"]),
        files=d["files"],
        summary=d.get("summary"),
        detail="passed the drift guard; being applied",
    )
    await _attempt(ctx, event, "accepted", "passed the drift guard; being applied")
    await _feed(
        ctx,
        event,
        newest_snapshot_date=_day(d["snapshot_date"]),
        newest_files=d["files"],
        held_run_id=None,
    )


async def _decided(event: RecordedEvent, ctx: HandlerContext, status: str) -> None:
    d = event.data
    actor = json.loads(event.metadata_json).get("actor")
    await _run(
        ctx, event, d["run_id"], status=status, decided_by=actor, decision_reason=d["reason"]
    )
    await _feed(ctx, event, held_run_id=None)


async def _released(event: RecordedEvent, ctx: HandlerContext) -> None:
    await _decided(event, ctx, "released")


async def _discarded(event: RecordedEvent, ctx: HandlerContext) -> None:
    await _decided(event, ctx, "discarded")


async def _applied(event: RecordedEvent, ctx: HandlerContext) -> None:
    d = event.data
    detail = f"{d['events_written']} events written, {d['rows_rejected']} rows rejected"
    await _run(
        ctx,
        event,
        d["run_id"],
        status="applied",
        import_ids=d["import_ids"],
        events_written=d["events_written"],
        detail=detail,
    )
    await _feed(
        ctx,
        event,
        applied_snapshot_date=_day(d["snapshot_date"]),
        applied_run_id=d["run_id"],
        applied_at=event.recorded_at,
    )


async def _failed(event: RecordedEvent, ctx: HandlerContext) -> None:
    d = event.data
    await _run(ctx, event, d["run_id"], status="failed", detail=d["reason"])
    await _feed(ctx, event, last_outcome="failed", last_detail=d["reason"])


_HANDLERS: dict[type[EventContract], EventHandler] = {
    FeedChecked: _checked,
    FeedFetchFailed: _fetch_failed,
    FeedSnapshotHeld: _held,
    FeedSnapshotUnusable: _unusable,
    FeedSnapshotAccepted: _accepted,
    FeedSnapshotReleased: _released,
    FeedSnapshotDiscarded: _discarded,
    FeedSnapshotApplied: _applied,
    FeedSnapshotFailed: _failed,
}


def feeds_projection() -> Projection:
    """The consumer that keeps ``registry_feeds`` and ``registry_feed_runs``."""
    return Projection(
        PROJECTION_NAME,
        {contract.type_name: fn for contract, fn in _HANDLERS.items()},
        categories=frozenset({"feed"}),
    )


async def rebuild(url: str, settings: Settings) -> RebuildReport:
    """Empty the feeds' read models and replay the ``feed`` streams (registry stopped)."""
    return await rebuild_projection(
        url, settings, feeds_projection(), FEED_TABLES, _CONTRACTS, service="registry"
    )
