"""The scheduled GIAS pull: a national-size set served over HTTP, applied once, then an
unchanged day (with conditional requests, and from a server that ignores them)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import progress
from services.registry.feeds.domain import Schedule
from services.registry.feeds.sources import GIAS_FILES, FeedSource
from services.registry.feeds.worker import FeedWorker
from shared.clock import today_in_england
from shared.contracts import all_contracts
from shared.db import owner_database_url
from shared.eventlog.runtime import owner_store
from shared.settings import Settings
from tests import dbutil
from tests.registry.feed_server import FeedServer, sample_set

NATIONAL_SCHOOLS = 25_000


@dataclass(frozen=True)
class FeedSizes:
    """How much the feed scenario does."""

    repeats: int = 3
    schools: int = NATIONAL_SCHOOLS

    @classmethod
    def quick(cls, repeats: int) -> FeedSizes:
        """A smoke test: a tenth of the schools."""
        return cls(repeats=repeats, schools=2_500)


async def run_feeds(
    admin_url: str, sizes: FeedSizes, add: Callable[[str, float, str, int, int], None]
) -> dict[str, Any]:
    """A first pull (applied), then repeated unchanged pulls, timed."""
    today = today_in_england()
    folder = Path(tempfile.mkdtemp(prefix="st-bench-feeds-"))
    progress(f"feeds: writing a synthetic national GIAS set ({sizes.schools:,} schools)")
    files = sample_set(folder / "sample", today, schools=sizes.schools, seed=2030)
    server = FeedServer({n: b for n, b in files.items() if not n.startswith("ofsted")})
    server.start()
    url = await dbutil.create_database(admin_url)
    settings = Settings(environment="test", database_url=url, jwt_secret="b" * 40)
    details: dict[str, Any] = {
        "schools": sizes.schools,
        "bytes": sum(len(b) for b in server.files.values()),
    }
    try:
        async with owner_store(url, settings, all_contracts(), "registry") as store:
            worker = FeedWorker(
                store,
                owner_database_url(settings, "registry", url),
                [FeedSource("gias", server.base_url, GIAS_FILES, Schedule.parse("daily 06:00"), 7)],
                folder / "feeds",
                today=lambda: today,
            )
            started = time.perf_counter()
            [first] = await worker.run_once()
            details["first_pull_s"] = round(time.perf_counter() - started, 2)
            details["first_pull"] = first.as_dict()
            assert first.outcome == "applied", first
            for conditional, key in (
                (True, "feed_pull_unchanged_s"),
                (False, "feed_pull_unchanged_full_download_s"),
            ):
                server.conditional = conditional
                for rep in range(1, sizes.repeats + 1):
                    started = time.perf_counter()
                    [again] = await worker.run_once()
                    add(key, time.perf_counter() - started, "s", rep, sizes.repeats)
                    assert again.outcome == "unchanged", again
    finally:
        server.stop()
        await dbutil.drop_database(admin_url, url)
    return details
