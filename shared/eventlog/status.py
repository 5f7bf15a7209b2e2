"""How far behind things are: the read horizon and each subscription."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from shared.eventlog.store import HORIZON_CONDITION


@dataclass(frozen=True)
class HorizonStatus:
    """Events committed but not yet readable, and how long the oldest writer has been open."""

    events_behind: int
    oldest_writer_seconds: float


@dataclass(frozen=True)
class SubscriptionStatus:
    """A durable consumer's state as stored, plus how many readable events it has not handled."""

    name: str
    status: str
    position: int
    lag_events: int
    owner: str | None
    events_handled: int
    attempts: int
    failed_position: int | None
    failed_event_type: str | None
    last_error: str | None
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        out = dict(self.__dict__)
        out["updated_at"] = self.updated_at.isoformat()
        return out


_LAG_CAP = 1_000_000


async def horizon_status(conn: asyncpg.Connection | asyncpg.Pool) -> HorizonStatus:
    """Measure the horizon lag in one statement."""
    row = await conn.fetchrow(
        f"""
        SELECT
          (SELECT count(*) FROM (SELECT 1 FROM events WHERE NOT {HORIZON_CONDITION} LIMIT {_LAG_CAP}) t)
            AS behind,
          -- The owner's function: other roles' transactions are hidden from ours.
          eventlog.oldest_writer_seconds() AS oldest
        """
    )
    assert row is not None
    return HorizonStatus(int(row["behind"]), float(row["oldest"]))


async def subscription_statuses(
    conn: asyncpg.Connection | asyncpg.Pool, *, schema: str | None = None
) -> list[SubscriptionStatus]:
    """Every subscription with its lag (capped, counted from its checkpoint to the horizon).

    Those of the connection's own schema, or of ``schema`` (for the admin's view of all).
    """
    table = "subscriptions" if schema is None else f'"{schema}".subscriptions'
    rows = await conn.fetch(
        f"""
        SELECT s.*, (
            SELECT count(*) FROM (
                SELECT 1 FROM events e
                 WHERE (e.era, e.tx_id, e.position) > (s.era, s.tx_id, s.position)
                   AND (s.categories IS NULL OR e.category = ANY(s.categories))
                   AND {HORIZON_CONDITION.replace("(era, tx_id)", "(e.era, e.tx_id)")}
                 LIMIT {_LAG_CAP}) t
        ) AS lag
          FROM {table} s ORDER BY s.name
        """
    )
    return [
        SubscriptionStatus(
            name=r["name"],
            status=r["status"],
            position=r["position"],
            lag_events=int(r["lag"]),
            owner=r["owner"],
            events_handled=r["events_handled"],
            attempts=r["attempts"],
            failed_position=r["failed_position"],
            failed_event_type=r["failed_event_type"],
            last_error=r["last_error"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]
