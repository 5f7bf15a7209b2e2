"""The feed worker against a local HTTP server publishing GIAS files: normal and unchanged
days, a missing file, the drift guard, a flaky server, a bad file, and a crash mid-import."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from services.registry.feeds import models as feeds_models
from services.registry.feeds import projection as feeds_projection
from services.registry.feeds.domain import (
    CannotApply,
    DriftLimits,
    NothingHeld,
    NotTheHeldSnapshot,
    Schedule,
)
from services.registry.feeds.fetch import FetchPolicy
from services.registry.feeds.handlers import discard_held, release_held
from services.registry.feeds.imports import ofsted_import_id
from services.registry.feeds.models import FEED_TABLES
from services.registry.feeds.sources import GIAS_FILES, FeedSource, feed_sources
from services.registry.feeds.stream import PullResult, load_feed
from services.registry.feeds.worker import FeedWorker
from shared.contracts import all_contracts
from shared.contracts.feeds import FeedName
from shared.db import create_pool, owner_database_url
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.leader import Busy
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import EventStore
from shared.eventlog.unit import unit_of_work
from shared.eventlog.verify import verify_log
from shared.settings import Settings
from tests.dbutil import tables_as_modelled
from tests.integration.helpers import killed_after
from tests.registry.feed_server import (
    FeedServer,
    Rows,
    edit_csv,
    gias_names,
    open_academies,
    redated,
    sample_set,
)

DAY1 = date(2026, 11, 2)
DAY2 = date(2026, 11, 3)
FEED_EVENTS = "feed"
IMPORTED = ("school", "trust", "gias_import")


def gias_source(base_url: str) -> FeedSource:
    """The GIAS feed as these tests publish it."""
    return FeedSource("gias", base_url, GIAS_FILES, Schedule.parse("daily 06:00"), 7)


@pytest.fixture(scope="module")
def day1(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The sample writer's six files of DAY1, by name."""
    return sample_set(tmp_path_factory.mktemp("day1"), DAY1)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    s.start()
    yield s
    s.stop()


@dataclass
class Feeds:
    """A database of the test's own, its registry store, and workers against the server."""

    url: str
    settings: Settings
    store: EventStore
    server: FeedServer
    base_url: str
    folder: Path

    def worker(self, today: date, **options: object) -> FeedWorker:
        kwargs: dict[str, object] = {"policy": FetchPolicy(attempts=3, retry_base_s=0.0)}
        kwargs.update(options)
        return FeedWorker(
            self.store,
            owner_database_url(self.settings, "registry", self.url),
            [gias_source(self.base_url)],
            self.folder,
            today=lambda: today,
            **kwargs,  # type: ignore[arg-type]
        )

    async def pull(self, today: date, **options: object) -> PullResult:
        [result] = await self.worker(today, **options).run_once()
        return result

    async def counts(self) -> dict[str, int]:
        rows = await self.store.pool.fetch(
            "SELECT category, count(*) AS n FROM events GROUP BY category"
        )
        return {r["category"]: r["n"] for r in rows}

    async def feed_types(self) -> list[str]:
        return [e.type.split(".")[1] for e in await self.store.read_stream("feed-gias")]


@pytest.fixture
async def feeds(
    fresh_database: Callable[..., Awaitable[str]],
    settings: Settings,
    server: FeedServer,
    tmp_path: Path,
) -> AsyncIterator[Feeds]:
    url = await fresh_database()
    own = settings.model_copy(update={"database_url": url})
    async with owner_store(url, own, all_contracts(), "registry") as store:
        yield Feeds(url, own, store, server, server.base_url, tmp_path / "feeds")


def _publish(server: FeedServer, files: dict[str, bytes], *, only_gias: bool = True) -> None:
    server.files.clear()
    for name, body in files.items():
        if not only_gias or not name.startswith("ofsted"):
            server.files[name] = body


def _rename_first_open_school(rows: Rows) -> Rows:
    first = next(open_academies(rows))
    first["EstablishmentName"] = first["EstablishmentName"] + " (renamed)"
    return rows


def _close_a_third(rows: Rows) -> Rows:
    for i, row in enumerate(open_academies(rows)):
        if i % 3 == 0:
            row["EstablishmentStatus (name)"] = "Closed"
            row["CloseDate"] = "03-11-2026"
    return rows


async def test_a_normal_day_is_applied_and_an_unchanged_day_writes_nothing_new(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    _publish(feeds.server, day1)
    applied = await feeds.pull(DAY1)
    assert (applied.outcome, applied.snapshot_date) == ("applied", DAY1), applied
    after_first = await feeds.counts()
    assert after_first["school"] > 300 and after_first["trust"] > 0
    assert applied.events_written == after_first["school"] + after_first["trust"]
    assert await feeds.feed_types() == ["FeedSnapshotAccepted", "FeedSnapshotApplied"]
    # The import is the registry's own, under the pull's id.
    [completed] = await feeds.store.read_stream(f"gias_import-{applied.run_id}")
    assert completed.data["events_written"] == applied.events_written

    again = await feeds.pull(DAY1)
    assert (again.outcome, again.snapshot_date) == ("unchanged", DAY1)
    after_second = await feeds.counts()
    # No school, trust or import event: only the pull's own record that nothing changed.
    assert {c: after_second[c] for c in IMPORTED} == {c: after_first[c] for c in IMPORTED}
    assert after_second[FEED_EVENTS] == after_first[FEED_EVENTS] + 1
    assert (await feeds.feed_types())[-1] == "FeedChecked"
    # Asked conditionally, and told every file was unchanged.
    second_asks = feeds.server.requests[-4:]
    assert [r.status for r in second_asks] == [304, 304, 304, 304]
    assert all(r.headers.get("if-none-match", "").startswith('"') for r in second_asks)

    # A day later, one school renamed: only that change is written.
    day2 = redated(day1, DAY1, DAY2)
    name = gias_names(DAY2)["establishments"]
    day2[name] = edit_csv(day2[name], _rename_first_open_school)
    _publish(feeds.server, day2)
    next_day = await feeds.pull(DAY2)
    assert (next_day.outcome, next_day.snapshot_date) == ("applied", DAY2)
    assert next_day.events_written == 1
    state = await load_feed(feeds.store, "gias")
    assert state.applied is not None and state.applied.snapshot_date == DAY2
    assert not list(feeds.folder.glob("gias/*")), "files of finished pulls are removed"


async def test_a_server_without_conditional_requests_still_gives_an_unchanged_day(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    feeds.server.conditional = False
    _publish(feeds.server, day1)
    assert (await feeds.pull(DAY1)).outcome == "applied"
    before = await feeds.counts()
    again = await feeds.pull(DAY1)
    assert again.outcome == "unchanged"
    assert [r.status for r in feeds.server.requests[-4:]] == [200, 200, 200, 200]
    after = await feeds.counts()
    assert {c: after[c] for c in IMPORTED} == {c: before[c] for c in IMPORTED}


async def test_a_day_lacking_a_file_is_held_and_cannot_be_released_without_it(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    _publish(feeds.server, day1)
    await feeds.pull(DAY1)
    before = await feeds.counts()
    day2 = redated(day1, DAY1, DAY2)
    del day2[gias_names(DAY2)["links"]]
    _publish(feeds.server, day2)

    held = await feeds.pull(DAY2)
    assert held.outcome == "held"
    assert held.detail == f"lacks {gias_names(DAY2)['links']}"
    after = await feeds.counts()
    assert {c: after[c] for c in IMPORTED} == {c: before[c] for c in IMPORTED}
    state = await load_feed(feeds.store, "gias")
    assert state.held is not None and state.held.missing == (gias_names(DAY2)["links"],)
    assert state.applied is not None and state.applied.snapshot_date == DAY1

    meta = EventMetadata(actor="feed-person")
    with pytest.raises(CannotApply):
        await _release(
            feeds.store, feed="gias", run_id=held.run_id or "", reason="go", metadata=meta
        )
    # The next pull finds the same files: nothing new, and the snapshot stays held.
    assert (await feeds.pull(DAY2)).outcome == "unchanged"
    assert (await load_feed(feeds.store, "gias")).held is not None
    await _discard(
        feeds.store, feed="gias", run_id=held.run_id or "", reason="incomplete", metadata=meta
    )
    assert (await load_feed(feeds.store, "gias")).held is None
    with pytest.raises(NothingHeld):
        await _discard(
            feeds.store, feed="gias", run_id=held.run_id or "", reason="twice", metadata=meta
        )


async def test_a_day_that_trips_the_drift_guard_is_held_until_released(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    _publish(feeds.server, day1)
    await feeds.pull(DAY1)
    before = await feeds.counts()
    day2 = redated(day1, DAY1, DAY2)
    name = gias_names(DAY2)["establishments"]
    day2[name] = edit_csv(day2[name], _close_a_third)
    _publish(feeds.server, day2)

    held = await feeds.pull(DAY2)
    assert held.outcome == "held", held
    assert "would close or remove" in held.detail and "open schools" in held.detail
    after = await feeds.counts()
    assert {c: after[c] for c in IMPORTED} == {c: before[c] for c in IMPORTED}
    state = await load_feed(feeds.store, "gias")
    assert state.held is not None
    [event] = [e for e in await feeds.store.read_stream("feed-gias") if e.type.endswith("Held")]
    summary = event.data["summary"]
    closed = summary["counts"]["schools_closed"]
    assert closed > summary["open_schools_before"] * 0.3
    assert len(summary["samples"]["schools_closed"]) == 10

    meta = EventMetadata(actor="feed-person")
    with pytest.raises(NotTheHeldSnapshot):
        await _release(feeds.store, feed="gias", run_id="0" * 32, reason="wrong one", metadata=meta)
    await _release(
        feeds.store,
        feed="gias",
        run_id=held.run_id or "",
        reason="The closures are real: an LA reorganisation",
        metadata=meta,
    )
    worker = feeds.worker(DAY2)
    await worker.tick()
    state = await load_feed(feeds.store, "gias")
    assert state.held is None and state.pending is None
    assert state.applied is not None and state.applied.run_id == held.run_id
    assert (await feeds.feed_types())[-2:] == ["FeedSnapshotReleased", "FeedSnapshotApplied"]
    closures = await feeds.store.pool.fetchval(
        "SELECT count(*) FROM events WHERE event_type = 'registry.SchoolClosed'"
        " AND metadata->>'correlation_id' = $1",
        held.run_id,
    )
    assert closures == closed


async def test_a_server_that_fails_twice_then_succeeds_is_retried_with_backoff(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    _publish(feeds.server, day1)
    name = gias_names(DAY1)["establishments"]
    feeds.server.failures[name] = 2
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    result = await feeds.pull(DAY1, policy=FetchPolicy(attempts=4, retry_base_s=0.5), sleep=sleep)
    assert result.outcome == "applied"
    assert [r.status for r in feeds.server.asked_for(name)] == [503, 503, 200]
    assert waits == [0.5, 1.0]


async def test_a_server_that_keeps_failing_is_a_failed_fetch_and_nothing_applied(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    _publish(feeds.server, day1)
    feeds.server.failures[gias_names(DAY1)["groups"]] = 3  # every attempt of this pull
    result = await feeds.pull(DAY1)
    assert result.outcome == "fetch_failed"
    assert "HTTP 503" in result.detail and "after 3 attempts" in result.detail
    assert set(await feeds.counts()) == {FEED_EVENTS}
    # A failed fetch is not a set seen: the next pull fetches it again and applies it.
    assert (await feeds.pull(DAY1)).outcome == "applied"


async def test_a_file_over_the_size_limit_is_refused(feeds: Feeds, day1: dict[str, bytes]) -> None:
    _publish(feeds.server, day1)
    result = await feeds.pull(DAY1, policy=FetchPolicy(attempts=3, max_bytes=1000))
    assert result.outcome == "fetch_failed"
    assert "larger than the 1,000 bytes allowed" in result.detail
    assert set(await feeds.counts()) == {FEED_EVENTS}


async def test_a_file_in_the_wrong_format_applies_nothing_and_the_last_snapshot_stays(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    _publish(feeds.server, day1)
    await feeds.pull(DAY1)
    before = await feeds.counts()
    day2 = redated(day1, DAY1, DAY2)
    day2[gias_names(DAY2)["groups"]] = b"<html><body>Service unavailable</body></html>"
    _publish(feeds.server, day2)
    result = await feeds.pull(DAY2)
    assert result.outcome == "unusable"
    event = (await feeds.store.read_stream("feed-gias"))[-1]
    assert event.type == "registry.FeedSnapshotUnusable"
    assert event.data["file"] == gias_names(DAY2)["groups"]
    assert "missing required columns" in event.data["reason"]
    after = await feeds.counts()
    assert {c: after[c] for c in IMPORTED} == {c: before[c] for c in IMPORTED}
    state = await load_feed(feeds.store, "gias")
    assert state.applied is not None and state.applied.snapshot_date == DAY1


async def test_a_pull_killed_mid_import_finishes_on_restart_without_importing_twice(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    _publish(feeds.server, day1)
    line = await killed_after(
        "tests.registry.feed_proc", feeds.url, feeds.base_url, str(feeds.folder), DAY1.isoformat()
    )
    assert line == b"chunk committed\n", line
    partial = await feeds.counts()
    assert partial.get("trust", 0) + partial.get("school", 0) > 0
    state = await load_feed(feeds.store, "gias")
    assert state.pending is not None, "the kill landed after the snapshot was accepted"
    assert "gias_import" not in partial

    resumed = await feeds.pull(DAY1)
    assert (resumed.outcome, resumed.run_id) == ("applied", state.pending.run_id)
    assert await feeds.feed_types() == ["FeedSnapshotAccepted", "FeedSnapshotApplied"]
    assert await _each_fact_once(feeds.store.pool)
    assert len(await feeds.store.read_stream(f"gias_import-{resumed.run_id}")) == 1
    assert (await feeds.pull(DAY1)).outcome == "unchanged"
    conn = await asyncpg.connect(feeds.url.replace("+asyncpg", ""))
    try:
        assert (await verify_log(conn)).ok
    finally:
        await conn.close()


async def _each_fact_once(pool: asyncpg.Pool) -> bool:
    twice = await pool.fetchval(
        """
        SELECT count(*) FROM (
            SELECT stream_id, event_type, data FROM events
             WHERE category IN ('school', 'trust')
             GROUP BY 1, 2, 3 HAVING count(*) > 1) t
        """
    )
    registered = await pool.fetchval(
        "SELECT count(DISTINCT stream_id) = count(*) FROM events"
        " WHERE event_type IN ('registry.SchoolRegistered', 'registry.TrustIncorporated')"
    )
    return twice == 0 and bool(registered)


async def test_the_drift_limits_come_from_the_worker(feeds: Feeds, day1: dict[str, bytes]) -> None:
    _publish(feeds.server, day1)
    await feeds.pull(DAY1)
    day2 = redated(day1, DAY1, DAY2)
    name = gias_names(DAY2)["establishments"]
    day2[name] = edit_csv(day2[name], _close_a_third)
    _publish(feeds.server, day2)
    # With room for a third of the schools to close, the same day is applied.
    result = await feeds.pull(DAY2, limits=DriftLimits(max_closed_share=0.5))
    assert result.outcome == "applied"


async def test_the_feeds_read_models_are_a_projection_that_rebuilds_alike(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    _publish(feeds.server, day1)
    applied = await feeds.pull(DAY1)
    day2 = redated(day1, DAY1, DAY2)
    name = gias_names(DAY2)["establishments"]
    day2[name] = edit_csv(day2[name], _close_a_third)
    _publish(feeds.server, day2)
    held = await feeds.pull(DAY2)

    await feeds_projection.rebuild(feeds.url, feeds.settings)
    owner = await create_pool(feeds.url, feeds.settings, max_size=1)
    try:
        await tables_as_modelled(owner, "registry", feeds_models.metadata, FEED_TABLES)
        first = await _feed_rows(owner)
        gias = first["registry_feeds"][0]
        assert gias["last_outcome"] == "held" and gias["held_run_id"] == held.run_id
        assert gias["applied_snapshot_date"] == DAY1.isoformat()
        assert gias["applied_run_id"] == applied.run_id
        statuses = {r["run_id"]: r["status"] for r in first["registry_feed_runs"]}
        assert statuses == {applied.run_id: "applied", held.run_id: "held"}
        await feeds_projection.rebuild(feeds.url, feeds.settings)
        assert await _feed_rows(owner) == first
    finally:
        await owner.close()


async def _feed_rows(pool: asyncpg.Pool) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for table in FEED_TABLES:
        rows = await pool.fetch(f"SELECT row_to_json(t)::text AS j FROM {table} t ORDER BY 1")
        out[table] = [json.loads(r["j"]) for r in rows]
    return out


def ofsted_source(base_url: str) -> FeedSource:
    """The Ofsted feed as these tests publish it (the sample writer's two files)."""
    settings = Settings(environment="test", jwt_secret="x" * 40, feeds_ofsted_base_url=base_url)
    [source] = feed_sources(settings)
    return source


async def test_ofsted_is_applied_once_and_a_month_lacking_a_file_waits_for_a_release(
    feeds: Feeds, day1: dict[str, bytes]
) -> None:
    feeds.server.files.update(day1)
    assert (await feeds.pull(DAY1)).outcome == "applied"
    [applied] = await _ofsted_pull(feeds, DAY1)
    assert applied.outcome == "applied", applied
    inspections = await feeds.store.pool.fetchval(
        "SELECT count(*) FROM events WHERE event_type = 'registry.OfstedInspectionRecorded'"
    )
    assert inspections == applied.events_written > 0
    state = await load_feed(feeds.store, "ofsted")
    assert state.applied is not None
    report_cards = ofsted_import_id(applied.run_id or "", "ofsted_mi")
    assert len(await feeds.store.read_stream(f"ofsted_import-{report_cards}")) == 1
    [again] = await _ofsted_pull(feeds, DAY1)
    assert again.outcome == "unchanged"

    # The next month: only the report cards are published so far.
    month = redated({n: b for n, b in day1.items() if n.startswith("ofsted_mi_2")}, DAY1, DAY2)
    feeds.server.files.update(month)
    [held] = await _ofsted_pull(feeds, DAY2)
    assert held.outcome == "held", held
    state = await load_feed(feeds.store, "ofsted")
    assert state.held is not None and state.held.missing == ("ofsted_mi_legacy_20261103.csv",)
    await _release(
        feeds.store,
        feed="ofsted",
        run_id=held.run_id or "",
        reason="The single grades have not changed",
        metadata=EventMetadata(actor="feed-person"),
    )
    [finished] = await _ofsted_pull(feeds, DAY2)
    assert finished.outcome == "applied" and finished.events_written == 0


async def _ofsted_pull(feeds: Feeds, today: date) -> list[PullResult]:
    worker = feeds.worker(today)
    worker.sources = [ofsted_source(feeds.base_url)]
    return await worker.run_once()


async def test_nothing_published_in_the_look_back_is_said_so(feeds: Feeds) -> None:
    result = await feeds.pull(DAY1)
    assert (result.outcome, result.detail) == (
        "nothing_published",
        "no file of the set published in the last 7 days",
    )
    # Each day back to the look-back, every file of the set asked for.
    assert len(feeds.server.requests) == 8 * 4
    assert {r.status for r in feeds.server.requests} == {404}
    assert await feeds.feed_types() == ["FeedChecked"]


async def test_a_pull_by_hand_waits_for_no_one_while_the_worker_leads(feeds: Feeds) -> None:
    running, by_hand = feeds.worker(DAY1), feeds.worker(DAY1)
    async with running.leader.hold():
        with pytest.raises(Busy, match="registry-feed-worker is active in another process"):
            async with by_hand.leader.hold():
                pass
    async with by_hand.leader.hold():
        assert by_hand.active.is_set()
    assert not by_hand.active.is_set()


async def _release(
    store: EventStore, *, feed: FeedName, run_id: str, reason: str, metadata: EventMetadata
) -> None:
    async with unit_of_work(store, metadata) as uow:
        await release_held(uow, feed=feed, run_id=run_id, reason=reason)


async def _discard(
    store: EventStore, *, feed: FeedName, run_id: str, reason: str, metadata: EventMetadata
) -> None:
    async with unit_of_work(store, metadata) as uow:
        await discard_held(uow, feed=feed, run_id=run_id, reason=reason)
