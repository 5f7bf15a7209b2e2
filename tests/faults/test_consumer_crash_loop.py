"""A consumer that keeps failing stops, says so in /readyz and /metrics, and stops nothing else.

tests/e2e/test_platform.py checks that one stopped consumer makes the service not ready;
this test runs it beside healthy consumers of the same events and follows them afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import httpx

from shared.app import ServiceSpec
from shared.eventlog.model import ANY, RecordedEvent
from shared.eventlog.subscriptions import HandlerContext
from shared.settings import Settings
from tests.contracts import test_registry
from tests.dbutil import log_writer_app
from tests.integration.helpers import note, wait_until

ATTEMPTS = 3


class Broken:
    """Fails on every event of its category: a projection bug that no retry fixes."""

    def __init__(self, category: str) -> None:
        self.name = f"broken-{category}"
        self.categories = frozenset({category})
        self.attempts = 0

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        self.attempts += 1
        raise RuntimeError("projection bug")


class Counting:
    """A healthy consumer of the same events."""

    def __init__(self, category: str) -> None:
        self.name = f"counting-{category}"
        self.categories = frozenset({category})
        self.seen: list[int] = []

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        self.seen.extend(e.position for e in events)


async def test_a_consumer_in_a_crash_loop_is_reported_and_the_others_keep_going(
    settings: Settings, database_url: str
) -> None:
    category = f"crash{uuid.uuid4().hex[:8]}"
    broken, counting = Broken(category), Counting(category)
    spec = ServiceSpec(
        name="registry",
        title="t",
        description="t",
        registry=test_registry,
        consumers=lambda: [broken, counting],
    )
    fast = settings.model_copy(update={"consumer_max_attempts": ATTEMPTS, "poll_interval_s": 0.05})
    app = log_writer_app(spec, fast, database_url)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        store = runtime.store
        first = await store.append(f"{category}-1", [note(1)], expected_version=ANY)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:

            async def not_ready() -> bool:
                return (await c.get("/readyz")).status_code == 503

            await wait_until(not_ready, what="readiness to report the crashing consumer")
            # It was retried before it stopped: a loop, not a single failure.
            assert broken.attempts >= ATTEMPTS
            consumers = (await c.get("/readyz")).json()["checks"]["consumers"]
            assert consumers[broken.name]["status"] == "failed"
            assert "projection bug" in consumers[broken.name]["error"]
            assert consumers[broken.name]["failed_position"] == first.positions[-1]
            assert runtime.failed_consumers() == {broken.name: "RuntimeError: projection bug"}

            async def seal_position() -> int:
                value: int = await store.pool.fetchval(
                    "SELECT position FROM audit.subscriptions WHERE name = 'eventlog-sealer'"
                )
                return value

            # The others go on: new events reach the healthy consumer and the sealer, and
            # their durable checkpoints move past them.
            sealed_before = await seal_position()
            later = [
                await store.append(f"{category}-{n}", [note(n)], expected_version=ANY)
                for n in range(2, 6)
            ]
            last = later[-1].positions[-1]

            async def others_caught_up() -> bool:
                row = await store.pool.fetchrow(
                    "SELECT position, status FROM subscriptions WHERE name = $1", counting.name
                )
                # No row yet while its first take-over is still under way (a loaded machine).
                if row is None:
                    return False
                return bool(row["position"] >= last and await seal_position() >= last)

            await wait_until(others_caught_up, what="the healthy consumers to pass the new events")
            assert await seal_position() > sealed_before
            assert counting.seen == [first.positions[-1], *(r.positions[-1] for r in later)]
            # The crashed one stays where it stopped, and is not tried again.
            attempts = broken.attempts
            body = (await c.get("/readyz")).json()
            assert (
                body["checks"]["consumers"][broken.name]["failed_position"] == first.positions[-1]
            )
            assert body["checks"]["consumers"][counting.name]["status"] == "running"
            assert body["checks"]["consumers"][counting.name]["lag_events"] == 0
            assert broken.attempts == attempts

            metrics_text = (await c.get("/metrics")).text
            assert f'subscription_failed{{subscription="{broken.name}"}} 1.0' in metrics_text
            assert f'subscription_failed{{subscription="{counting.name}"}} 0.0' in metrics_text
            assert f'subscription_lag_events{{subscription="{counting.name}"}} 0.0' in metrics_text
