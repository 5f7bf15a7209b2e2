"""Publishing to NATS JetStream: the whole log by the publisher, against nats-py publishing
the very same messages (subjects, bytes and message ids), acknowledged, in the same run."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from nats.js.api import StreamConfig

from bench.common import progress
from services.registry.gias.snapshot import GiasFiles
from services.registry.importer import import_gias
from services.registry.ofsted.importer import import_ofsted
from services.registry.sample import write_sample
from shared.contracts import all_contracts
from shared.db import connect, create_pool, owner_database_url
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import ConsumerRunner
from shared.ownership import owner
from shared.publisher.jetstream import PUBLISHER_NAME, JetStreamPublisher
from shared.publisher.worker import start_from
from shared.settings import Settings
from tests import dbutil
from tests.integration.nats_helpers import NATS_URL, reachable, read_back, unique_config

NATIONAL_SCHOOLS = 25_000
SENT_HEADERS = ("Nats-Msg-Id", "Nats-Expected-Last-Sequence", "Content-Type")


@dataclass(frozen=True)
class PublishSizes:
    """How much the publishing scenario does."""

    # Five: on a shared machine one pair of runs can differ by half; the median holds.
    repeats: int = 5
    schools: int = NATIONAL_SCHOOLS
    # Messages nats-py keeps in flight before awaiting their acks: the publisher's batch.
    window: int = Settings.model_fields["publisher_batch_size"].default

    @classmethod
    def quick(cls, repeats: int) -> PublishSizes:
        """A smoke test: a tenth of the schools."""
        return cls(repeats=repeats, schools=2_500)


async def run_publish(
    admin_url: str, sizes: PublishSizes, add: Callable[[str, float, str, int, int], None]
) -> dict[str, Any]:
    """The publisher's rate and the raw nats-py rate, alternating repetition by repetition."""
    if not await reachable(NATS_URL):
        progress(f"publish: no NATS server at {NATS_URL}; skipped")
        return {"skipped": f"no NATS server at {NATS_URL}"}
    url = await dbutil.create_database(admin_url)
    settings = Settings(environment="test", database_url=url, jwt_secret="b" * 40)
    try:
        total = await _populate(url, settings, sizes.schools)
        details: dict[str, Any] = {"events": total, "window": sizes.window}
        pool = await create_pool(url, settings, as_owner="publisher", max_size=4)
        try:
            for rep in range(1, sizes.repeats + 1):
                ours_config = unique_config(NATS_URL)
                seconds = await _ours(url, settings, pool, ours_config, total)
                ours = total / seconds
                add("publish_events_per_s", ours, "events/s", rep, sizes.repeats)
                messages = await read_back(ours_config)
                assert len(messages) == total
                raw_config = unique_config(NATS_URL)
                # The very messages: subject (under the raw stream's prefix), bytes and
                # headers (message id, expected sequence, content type), in stream order.
                batch = [
                    (
                        m.subject.replace(ours_config.prefix, raw_config.prefix, 1),
                        m.data,
                        {k: (m.headers or {})[k] for k in SENT_HEADERS},
                    )
                    for m in messages
                ]
                seconds = await _raw(
                    raw_config.url, raw_config.stream, raw_config.prefix, batch, sizes.window
                )
                raw = total / seconds
                add("raw_nats_publish_events_per_s", raw, "events/s", rep, sizes.repeats)
                # Each run beside the raw run right after it: less swayed by the machine's
                # load drifting over the whole scenario than the ratio of the medians.
                details.setdefault("ratio_per_repetition", []).append(round(ours / raw, 3))
                details.setdefault("bytes", sum(len(m.data) for m in messages))
                await _delete(ours_config.stream, raw_config.stream)
        finally:
            await pool.close()
        return details
    finally:
        await dbutil.drop_database(admin_url, url)


async def _populate(url: str, settings: Settings, schools: int) -> int:
    folder = Path(tempfile.mkdtemp(prefix="st-bench-publish-"))
    progress(f"publish: writing and importing a synthetic register ({schools:,} schools)")
    files = write_sample(folder, schools=schools, seed=2030)
    async with owner_store(url, settings, all_contracts(), "registry") as store:
        gias = GiasFiles(
            files.establishments, files.groups, files.group_links, files.establishment_links
        )
        await import_gias(store, gias, actor="bench")
        for ofsted in (files.ofsted_legacy, files.ofsted):
            await import_ofsted(store, ofsted, actor="bench")
        return int(await store.pool.fetchval("SELECT count(*) FROM events"))


async def _ours(url: str, settings: Settings, pool: Any, config: Any, total: int) -> float:
    conn = await connect(url, settings, as_owner="publisher")
    try:
        await start_from(conn, None)
    finally:
        await conn.close()
    last = await pool.fetchval(
        "SELECT position FROM events ORDER BY era DESC, tx_id DESC, position DESC LIMIT 1"
    )
    publisher = JetStreamPublisher(config, all_contracts())
    runner = ConsumerRunner(
        publisher,
        EventStore(pool, all_contracts(), owner=owner("publisher")),
        None,
        owner_database_url(settings, "publisher", url),
        batch_size=settings.publisher_batch_size,
        poll_interval_s=settings.poll_interval_s,
    )
    started = time.perf_counter()
    task = asyncio.create_task(runner.run())
    try:
        while (
            await pool.fetchval(
                "SELECT position FROM subscriptions WHERE name = $1", PUBLISHER_NAME
            )
            != last
        ):
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        seconds = time.perf_counter() - started
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await publisher.close()
    assert publisher.published == total
    return seconds


async def _raw(
    url: str, stream: str, prefix: str, batch: list[tuple[str, bytes, dict[str, str]]], window: int
) -> float:
    """nats-py alone: the same messages, ``window`` in flight, every ack awaited."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name=stream, subjects=[f"{prefix}.>"]))
        started = time.perf_counter()
        for start in range(0, len(batch), window):
            futures = [
                await js.publish_async(subject, body, headers=dict(headers))
                for subject, body, headers in batch[start : start + window]
            ]
            for ack in await asyncio.gather(*futures):
                assert not ack.duplicate
        return time.perf_counter() - started
    finally:
        await nc.close()


async def _delete(*streams: str) -> None:
    nc = await nats.connect(NATS_URL)
    try:
        for stream in streams:
            await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()
