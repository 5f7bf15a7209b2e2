"""A consumer in its own process, for the crash test: records each event it handles in a table.

Usage: python -m tests.integration.consumer_proc DATABASE_URL CATEGORY NAME
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from shared.eventlog.model import RecordedEvent
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import ConsumerRunner, HandlerContext
from shared.settings import Settings
from tests.contracts import test_registry
from tests.dbutil import log_writer_pool, log_writer_url


class SlowEffects:
    """Writes one effect row per event, slowly, so a kill lands in the middle of a batch."""

    def __init__(self, name: str, category: str) -> None:
        self.name = name
        self.categories = {category}

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        for event in events:
            await ctx.conn.execute(
                "INSERT INTO crash_effects (consumer, event_id) VALUES ($1, $2)",
                self.name,
                event.event_id,
            )
            await asyncio.sleep(0.002)


async def main(url: str, category: str, name: str) -> None:
    settings = Settings(environment="test", database_url=url, jwt_secret="x" * 40)
    pool = await log_writer_pool(url, settings)
    store = EventStore(pool, test_registry)
    runner = ConsumerRunner(
        SlowEffects(name, category),
        store,
        None,
        log_writer_url(url),
        batch_size=50,
        poll_interval_s=0.05,
    )
    await runner.run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
