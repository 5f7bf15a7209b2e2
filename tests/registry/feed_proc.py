"""A feed pull in its own process, for the crash test: after the import's first chunk of
streams has committed it says so on stdout and waits for good, so a kill always lands in the
middle of the import.

Usage: python -m tests.registry.feed_proc DATABASE_URL BASE_URL FOLDER TODAY
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import Any

from services.registry import importer
from services.registry.feeds.fetch import FetchPolicy
from services.registry.feeds.worker import FeedWorker
from shared.contracts import all_contracts
from shared.db import create_pool, owner_database_url
from shared.eventlog.store import EventStore
from shared.ownership import owner
from shared.settings import Settings
from tests.registry.test_feeds import gias_source

_write_chunk = importer._write_chunk


async def _stalling_write_chunk(*args: Any, **kwargs: Any) -> int:
    # Stops for good once the first chunk of a snapshot's streams has committed.
    written = await _write_chunk(*args, **kwargs)
    print("chunk committed", flush=True)
    await asyncio.Event().wait()
    return written


async def main(url: str, base_url: str, folder: str, today: str) -> None:
    # Many small chunks, so that the first is a small part of the import.
    importer.CHUNK_STREAMS = 50
    importer._write_chunk = _stalling_write_chunk
    settings = Settings(environment="test", database_url=url, jwt_secret="x" * 40)
    pool = await create_pool(url, settings, as_owner="registry")
    store = EventStore(pool, all_contracts(), owner=owner("registry"))
    worker = FeedWorker(
        store,
        owner_database_url(settings, "registry", url),
        [gias_source(base_url)],
        Path(folder),
        policy=FetchPolicy(attempts=1),
        today=lambda: date.fromisoformat(today),
    )
    await worker.run_once()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
