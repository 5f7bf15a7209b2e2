"""Reads over the feeds' read models, each answering one route with its view."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, get_args

import asyncpg

from services.registry.feeds.models import feed_runs, feeds
from services.registry.feeds.schemas import FeedList, FeedStatus, HeldRef, HeldSnapshot
from services.registry.feeds.sources import FeedSource
from shared.contracts.feeds import FeedName
from shared.errors import NotFound

_FEEDS = f"SELECT * FROM {feeds.name}"
# Each feed's row with the run it holds, if any.
_HELD = f"""
SELECT r.* FROM {feeds.name} f JOIN {feed_runs.name} r ON r.run_id = f.held_run_id
 WHERE f.feed = $1
"""
_JSON = frozenset({"newest_files", "files", "missing", "reasons", "summary", "import_ids"})


def _row(record: asyncpg.Record) -> dict[str, Any]:
    return {
        name: json.loads(value) if name in _JSON and isinstance(value, str) else value
        for name, value in record.items()
    }


async def list_feeds(pool: asyncpg.Pool, sources: Sequence[FeedSource], now: datetime) -> FeedList:
    """Every feed with its last pull and held snapshot; the next run from ``sources``' schedules."""
    rows = {r["feed"]: _row(r) for r in await pool.fetch(_FEEDS)}
    by_name = {s.name: s for s in sources}
    out = []
    for name in get_args(FeedName):
        row = rows.get(name, {})
        source = by_name.get(name)
        held = await _held(pool, name) if row.get("held_run_id") else None
        out.append(
            FeedStatus(
                feed=name,
                configured=source is not None,
                base_url=source.base_url if source else None,
                schedule=source.schedule.text if source else None,
                last_run_id=row.get("last_run_id"),
                last_attempt_at=row.get("last_attempt_at"),
                last_outcome=row.get("last_outcome"),
                last_detail=row.get("last_detail"),
                newest_snapshot_date=row.get("newest_snapshot_date"),
                newest_files=row.get("newest_files") or [],
                applied_snapshot_date=row.get("applied_snapshot_date"),
                applied_at=row.get("applied_at"),
                held=None
                if held is None
                else HeldRef(
                    run_id=held["run_id"],
                    snapshot_date=held["snapshot_date"],
                    reasons=held["reasons"] or [],
                    url=f"/feeds/{name}/held",
                ),
                next_run_at=source.schedule.next_run(row.get("last_attempt_at"), now)
                if source
                else None,
            )
        )
    return FeedList(feeds=out)


async def get_held(pool: asyncpg.Pool, feed: FeedName) -> HeldSnapshot:
    """The snapshot ``feed`` holds, or NotFound."""
    run = await _held(pool, feed)
    if run is None:
        raise NotFound(f"the {feed} feed holds no snapshot")
    return HeldSnapshot(
        feed=feed,
        run_id=run["run_id"],
        snapshot_date=run["snapshot_date"],
        held_at=run["updated_at"],
        reasons=run["reasons"] or [],
        missing=run["missing"] or [],
        files=run["files"] or [],
        summary=run["summary"],
    )


async def _held(pool: asyncpg.Pool, feed: str) -> dict[str, Any] | None:
    record = await pool.fetchrow(_HELD, feed)
    return None if record is None else _row(record)
