"""Running the publisher: its own database role, its own runtime, and where it starts from."""

from __future__ import annotations

import asyncpg

from shared.eventlog.contracts import EventRegistry
from shared.eventlog.model import START, Checkpoint
from shared.eventlog.runtime import EventLogRuntime
from shared.publisher.jetstream import PUBLISHER_NAME, JetStreamPublisher, PublisherConfig
from shared.settings import Settings


def publisher_config(settings: Settings) -> PublisherConfig | None:
    """Where events are published, or None where no NATS URL is configured."""
    if not settings.nats_url:
        return None
    return PublisherConfig(
        url=settings.nats_url,
        stream=settings.nats_stream,
        prefix=settings.nats_subject_prefix,
        duplicate_window_s=settings.nats_duplicate_window_s,
        ack_timeout_s=settings.nats_ack_timeout_s,
    )


def publisher_runtime(
    url: str, settings: Settings, registry: EventRegistry
) -> EventLogRuntime | None:
    """The publisher's runtime, as its own role; None without a NATS URL, or in production
    where this process has no publisher credentials (like the audit worker's)."""
    config = publisher_config(settings)
    if config is None:
        return None
    if settings.environment == "production" and not settings.publisher_database_url:
        return None
    # Larger batches than other consumers': one round of acks and one checkpoint per batch.
    own = settings.model_copy(update={"consumer_batch_size": settings.publisher_batch_size})
    return EventLogRuntime(
        url, own, registry, [JetStreamPublisher(config, registry)], owner="publisher"
    )


async def start_from(conn: asyncpg.Connection, position: int | None) -> Checkpoint:
    """Make the publisher start at the event at ``position`` (the log's start for None).

    For a backfill into an empty or purged stream: events the stream already holds are
    never sent again, whatever this says. A running publisher is fenced off and takes up
    the new place when it next becomes active. Run on the publisher's own connection.
    """
    checkpoint = START
    if position is not None and position > 1:
        row = await conn.fetchrow(
            "SELECT era, tx_id, position FROM events WHERE position = $1", position
        )
        if row is None:
            raise ValueError(f"no event at position {position}")
        # Just before it in log order: (era, tx_id, position) is compared as a row.
        checkpoint = Checkpoint(row["era"], row["tx_id"], row["position"] - 1)
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO subscriptions (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
            PUBLISHER_NAME,
        )
        # The fence moves, so a running instance's next checkpoint is refused and it comes
        # back through taking over, reading this place.
        await conn.execute(
            """
            UPDATE subscriptions
               SET era = $2, tx_id = $3, position = $4, fence = fence + 1, status = 'idle',
                   attempts = 0, failed_position = NULL, failed_event_id = NULL,
                   failed_event_type = NULL, last_error = NULL, updated_at = now()
             WHERE name = $1
            """,
            PUBLISHER_NAME,
            checkpoint.era,
            checkpoint.tx_id,
            checkpoint.position,
        )
    return checkpoint
