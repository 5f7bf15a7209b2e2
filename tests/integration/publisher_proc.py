"""The publisher in its own process, for the crash test: it sends the first half of its
first batch, waits for JetStream's acks, says so on stdout and then waits for good, so a
kill lands after some of a batch is in the stream and before its checkpoint moves.

Usage: python -m tests.integration.publisher_proc DATABASE_URL NATS_URL STREAM PREFIX
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from nats.js import JetStreamContext

from shared.contracts import all_contracts
from shared.db import create_pool, owner_database_url
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import ConsumerRunner
from shared.ownership import owner
from shared.publisher.jetstream import JetStreamPublisher, PublisherConfig
from shared.settings import Settings


class HalfAndStop(JetStreamPublisher):
    """Publishes half of a batch, then stops for good."""

    async def publish_batch(self, js: JetStreamContext, events: Sequence[Any], tail: Any) -> Any:
        await super().publish_batch(js, events[: len(events) // 2], tail)
        print(f"published {len(events) // 2} of {len(events)}", flush=True)
        await asyncio.Event().wait()


async def main(url: str, nats_url: str, stream: str, prefix: str) -> None:
    settings = Settings(environment="test", database_url=url, jwt_secret="x" * 40)
    pool = await create_pool(url, settings, as_owner="publisher")
    store = EventStore(pool, all_contracts(), owner=owner("publisher"))
    config = PublisherConfig(url=nats_url, stream=stream, prefix=prefix)
    runner = ConsumerRunner(
        HalfAndStop(config, all_contracts()),
        store,
        None,
        owner_database_url(settings, "publisher", url),
        batch_size=400,
    )
    await runner.run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
