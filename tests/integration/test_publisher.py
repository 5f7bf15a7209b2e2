"""Every event published to NATS JetStream once, in log order, as CloudEvents whose data is
the log's own bytes: through crashes, fresh checkpoints, NATS outages and a poison event."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg
import httpx
import pytest
from cloudevents.core.formats.json import JSONFormat
from nats.aio.msg import Msg

from services.assessment.handlers import seed_frameworks
from services.registry.gias.snapshot import GiasFiles
from services.registry.handlers import register_trust
from services.registry.importer import import_gias
from services.registry.main import create_app as registry_app
from services.registry.ofsted.importer import import_ofsted
from services.registry.sample import write_sample
from shared.contracts import all_contracts
from shared.contracts.registry import TrustDetails
from shared.db import connect, create_pool, owner_database_url
from shared.eventlog.canonical import canonical_bytes, loads_exact
from shared.eventlog.contracts import EventMetadata, EventRegistry
from shared.eventlog.model import GENESIS_HASH
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import ConsumerFailed, ConsumerRunner
from shared.eventlog.unit import unit_of_work
from shared.http.auth import Role, issue_token
from shared.ownership import owner
from shared.publisher import asyncapi
from shared.publisher.envelope import stream_link
from shared.publisher.jetstream import PUBLISHER_NAME, JetStreamPublisher, PublisherConfig
from shared.publisher.worker import start_from
from shared.settings import Settings
from tests.integration.helpers import killed_after, wait_until
from tests.integration.nats_helpers import (
    deleted_after,
    machine_nats,
    private_nats,
    read_back,
    stream_count,
    unique_config,
)


@dataclass
class Log:
    """A database of the test's own, holding a register, Ofsted and the frameworks."""

    url: str
    settings: Settings
    pool: asyncpg.Pool  # as the publisher's own role

    async def total(self) -> int:
        return int(await self.pool.fetchval("SELECT count(*) FROM events"))

    async def in_order(self) -> list[asyncpg.Record]:
        return list(
            await self.pool.fetch(
                "SELECT event_id, stream_id, category, event_type, schema_version,"
                " data::text AS data, stream_hash FROM events ORDER BY era, tx_id, position"
            )
        )

    async def last_position(self) -> int:
        return int(
            await self.pool.fetchval(
                "SELECT position FROM events ORDER BY era DESC, tx_id DESC, position DESC LIMIT 1"
            )
        )

    async def checkpoint(self) -> int:
        return int(
            await self.pool.fetchval(
                "SELECT position FROM subscriptions WHERE name = $1", PUBLISHER_NAME
            )
            or 0
        )

    def runner(
        self, config: PublisherConfig, registry: EventRegistry | None = None
    ) -> ConsumerRunner:
        contracts = registry or all_contracts()
        return ConsumerRunner(
            JetStreamPublisher(config, contracts),
            EventStore(self.pool, contracts, owner=owner("publisher")),
            None,
            owner_database_url(self.settings, "publisher", self.url),
            batch_size=500,
            poll_interval_s=0.05,
            max_attempts=3,
            retry_base_s=0.01,
            unavailable_max_s=0.2,
        )


@pytest.fixture(scope="module")
async def log(
    fresh_database_module: Callable[..., Awaitable[str]],
    settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Log]:
    url = await fresh_database_module()
    own = settings.model_copy(update={"database_url": url})
    files = write_sample(tmp_path_factory.mktemp("sample"), schools=300, seed=3)
    async with owner_store(url, own, all_contracts(), "registry") as registry:
        gias = GiasFiles(
            files.establishments, files.groups, files.group_links, files.establishment_links
        )
        await import_gias(registry, gias, actor="publisher-test")
        await import_ofsted(registry, files.ofsted_legacy, actor="publisher-test")
    async with owner_store(url, own, all_contracts(), "assessment") as assessment:
        await seed_frameworks(assessment)
    pool = await create_pool(url, own, as_owner="publisher", max_size=4)
    yield Log(url, own, pool)
    await pool.close()


@pytest.fixture
async def config() -> AsyncIterator[PublisherConfig]:
    async with deleted_after(unique_config(await machine_nats(), ack_timeout_s=5)) as c:
        yield c


@pytest.fixture(autouse=True)
async def fresh_checkpoint(log: Log) -> None:
    """Each test publishes the whole log into its own stream, from the start."""
    conn = await connect(log.url, log.settings, as_owner="publisher")
    try:
        await start_from(conn, None)
    finally:
        await conn.close()


async def _publish_all(log: Log, config: PublisherConfig) -> ConsumerRunner:
    runner = log.runner(config)
    task = asyncio.create_task(runner.run())
    total = await log.total()
    try:

        async def caught_up() -> bool:
            if await stream_count(config) != total:
                return False
            return await log.checkpoint() == await log.last_position()

        await wait_until(caught_up, what="the whole log in the stream, checkpointed")
    finally:
        await _stop(runner, task)
    return runner


def _publisher(runner: ConsumerRunner) -> JetStreamPublisher:
    publisher = runner.consumer
    assert isinstance(publisher, JetStreamPublisher)
    return publisher


async def _stop(runner: ConsumerRunner, task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _publisher(runner).close()


def _assert_once_each_in_order(messages: list[Msg], events: list[asyncpg.Record]) -> None:
    assert [m.headers["Nats-Msg-Id"] if m.headers else None for m in messages] == [
        str(e["event_id"]) for e in events
    ]


async def test_the_whole_log_is_published_once_in_order_with_the_logs_own_bytes(
    log: Log, config: PublisherConfig
) -> None:
    await _publish_all(log, config)
    messages = await read_back(config)
    events = await log.in_order()
    assert len(events) > 1000
    _assert_once_each_in_order(messages, events)
    categories = {e["category"] for e in events}
    assert categories >= {"school", "trust", "gias_import", "ofsted_import", "framework"}
    # Each on the subject asyncapi.json documents for its type.
    channels = asyncapi.document(config.prefix)["channels"]
    for event in events:
        channel = channels[f"{event['event_type'].split('.')[0]}.{event['category']}"]
        # Under the version it was stored as (an Ofsted inspection is at version 2 now).
        assert f"{event['event_type']}.v{event['schema_version']}" in channel["messages"]
    heads: dict[str, bytes] = {}
    for message, event in zip(messages, events, strict=True):
        service = event["event_type"].split(".")[0]
        assert message.subject == f"{config.prefix}.{service}.{event['category']}"
        assert message.headers is not None
        assert message.headers["Content-Type"].startswith("application/cloudevents+json")
        # A CloudEvent by the CloudEvents SDK's own reading.
        ce = JSONFormat().read(None, message.data)
        assert ce.get_specversion() == "1.0"
        assert ce.get_id() == str(event["event_id"])
        assert ce.get_type() == f"strongtrusts.{event['event_type']}.v{event['schema_version']}"
        assert ce.get_source() == f"/strongtrusts/{service}"
        assert ce.get_subject() == event["stream_id"]
        # The data is byte for byte what the hash chain covers.
        data = canonical_bytes(loads_exact(event["data"]))
        assert message.data.endswith(b'"data":' + data + b"}")
        parsed = json.loads(message.data)
        assert parsed["streamhash"] == bytes(event["stream_hash"]).hex()
        # And a consumer can recompute the chain from the messages alone.
        link = stream_link(heads.get(parsed["subject"], GENESIS_HASH), parsed)
        assert link.hex() == parsed["streamhash"]
        heads[parsed["subject"]] = link
        meta = json.loads(parsed["metadata"])
        assert parsed.get("correlationid") == meta.get("correlation_id")


async def test_a_publisher_killed_mid_batch_sends_nothing_twice_when_it_comes_back(
    log: Log, config: PublisherConfig
) -> None:
    line = await killed_after(
        "tests.integration.publisher_proc", log.url, config.url, config.stream, config.prefix
    )
    assert line == b"published 200 of 400\n", line
    # Half a batch is in the stream and acknowledged; the checkpoint never moved.
    assert await stream_count(config) == 200
    assert await log.checkpoint() == 0

    runner = await _publish_all(log, config)
    _assert_once_each_in_order(await read_back(config), await log.in_order())
    assert _publisher(runner).published == await log.total() - 200


async def test_a_fresh_checkpoint_sends_nothing_the_stream_already_holds(
    log: Log, config: PublisherConfig
) -> None:
    await _publish_all(log, config)
    conn = await connect(log.url, log.settings, as_owner="publisher")
    try:
        await start_from(conn, None)
    finally:
        await conn.close()
    assert await log.checkpoint() == 0
    runner = await _publish_all(log, config)
    _assert_once_each_in_order(await read_back(config), await log.in_order())
    # Skipped by reading the stream's last message, not left to the de-duplication window.
    assert _publisher(runner).published == 0


async def test_a_backfill_starts_at_the_position_given(log: Log, config: PublisherConfig) -> None:
    events = await log.pool.fetch("SELECT position FROM events ORDER BY era, tx_id, position")
    start = events[100]["position"]
    conn = await connect(log.url, log.settings, as_owner="publisher")
    try:
        await start_from(conn, start)
    finally:
        await conn.close()
    runner = log.runner(config)
    task = asyncio.create_task(runner.run())
    try:

        async def caught_up() -> bool:
            return await stream_count(config) == len(events) - 100

        await wait_until(caught_up, what="the log from position 101 in the stream")
    finally:
        await _stop(runner, task)
    _assert_once_each_in_order(await read_back(config), (await log.in_order())[100:])


async def test_an_event_no_contract_describes_stops_the_publisher_where_it_is(
    log: Log, config: PublisherConfig
) -> None:
    events = await log.in_order()
    poison_type = "registry.OfstedImportCompleted"
    known = all_contracts()
    partial = EventRegistry(known.contract(t) for t in known.type_names if t != poison_type)
    runner = log.runner(config, partial)
    try:
        with pytest.raises(ConsumerFailed, match=poison_type):
            await asyncio.wait_for(runner.run(), timeout=60)
    finally:
        await _publisher(runner).close()
    poison = next(i for i, e in enumerate(events) if e["event_type"] == poison_type)
    # Everything before it, and nothing from it on.
    _assert_once_each_in_order(await read_back(config), events[:poison])
    row = await log.pool.fetchrow(
        "SELECT status, failed_event_id, last_error FROM subscriptions WHERE name = $1",
        PUBLISHER_NAME,
    )
    assert row is not None and row["status"] == "failed"
    assert row["failed_event_id"] == events[poison]["event_id"]
    assert "no event contract" in row["last_error"]


async def test_without_nats_the_publisher_waits_and_reports_then_resumes_through_a_restart(
    log: Log, tmp_path: Path
) -> None:
    async with private_nats(tmp_path / "nats") as server:
        config = unique_config(server.url, ack_timeout_s=2)
        runner = log.runner(config)
        task = asyncio.create_task(runner.run())
        try:

            async def status() -> tuple[str, str]:
                row = await log.pool.fetchrow(
                    "SELECT status, coalesce(last_error, '') AS e FROM subscriptions"
                    " WHERE name = $1",
                    PUBLISHER_NAME,
                )
                return (row["status"], row["e"]) if row else ("", "")

            async def waiting() -> bool:
                return (await status())[0] == "waiting"

            # Nothing is listening yet: it waits, says why, and never gives up on an event.
            await wait_until(waiting, what="the publisher to report it is waiting for NATS")
            assert server.url in (await status())[1]
            assert runner.stopped_by_failure is None and not task.done()

            await server.start()
            total = await log.total()

            async def all_in() -> bool:
                return await stream_count(config) == total

            await wait_until(all_in, timeout_s=60, what="the publisher to catch up")
            assert (await status())[0] == "running"

            # NATS dies; more events arrive; NATS comes back on the same store.
            await server.stop()
            added = await _three_more_trusts(log)
            await wait_until(waiting, what="the publisher to notice NATS is gone")
            await server.start()

            async def all_again() -> bool:
                return await stream_count(config) == total + added

            await wait_until(all_again, timeout_s=60, what="the publisher to resume")
        finally:
            await _stop(runner, task)
        _assert_once_each_in_order(await read_back(config), await log.in_order())


async def _three_more_trusts(log: Log) -> int:
    async with owner_store(log.url, log.settings, all_contracts(), "registry") as store:
        for n in range(3):
            async with unit_of_work(store, EventMetadata(actor="publisher-test")) as uow:
                await register_trust(
                    uow,
                    details=TrustDetails(
                        name=f"Outage Academy Trust {n}",
                        trust_type="multi_academy_trust",
                        status="Open",
                    ),
                    uid=None,
                    founding_la_code=None,
                    effective_on=date(2026, 12, 1),
                )
    return 3


async def test_a_service_with_a_nats_url_publishes_and_shows_the_lag_in_readyz_and_metrics(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> None:
    config = unique_config(await machine_nats())
    url = await fresh_database()
    own = settings.model_copy(
        update={
            "database_url": url,
            "nats_url": config.url,
            "nats_stream": config.stream,
            "nats_subject_prefix": config.prefix,
        }
    )
    app = registry_app(own, url=url)
    async with deleted_after(config), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            token = issue_token(own, roles=[Role.CASEWORKER], subject="lag-test")
            created = await client.post(
                "/trusts",
                json={
                    "name": "Published Academy Trust",
                    "trust_type": "multi_academy_trust",
                    "incorporated_on": "2026-12-01",
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            assert created.status_code == 201, created.text

            # The service has published its policies as it started: those, and the trust.
            in_log = await log_count(url, own)

            async def published() -> bool:
                ready = (await client.get("/readyz")).json()
                entry = ready["checks"]["consumers"].get(PUBLISHER_NAME, {})
                return entry.get("lag_events") == 0 and await stream_count(config) == in_log

            await wait_until(published, what="the trust's event in the stream, lag 0")
            ready = (await client.get("/readyz")).json()
            assert ready["status"] == "ready"
            assert ready["checks"]["consumers"][PUBLISHER_NAME]["status"] == "running"
            metrics = (await client.get("/metrics")).text
            assert f'subscription_lag_events{{subscription="{PUBLISHER_NAME}"}} 0.0' in metrics
            assert f'subscription_waiting{{subscription="{PUBLISHER_NAME}"}} 0.0' in metrics
        [message] = [m for m in await read_back(config) if m.subject.endswith(".trust")]
        assert message.subject == f"{config.prefix}.registry.trust"


async def log_count(url: str, settings: Settings) -> int:
    """How many events the log holds."""
    conn = await connect(url, settings)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM eventlog.events"))
    finally:
        await conn.close()
