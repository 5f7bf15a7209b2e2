"""The feed worker: pulls each feed on its schedule, one active instance across replicas.

A pull looks for the newest set of files (today's, then each day back to the set it last
saw), fetches it with conditional requests, and then, in this order:

- the same bytes as the set last seen: ``FeedChecked`` (unchanged), nothing else;
- a file missing, or more change than the drift guard allows: ``FeedSnapshotHeld``, for a
  data-feed user to release or discard;
- a file that is not in the expected format: ``FeedSnapshotUnusable``, nothing applied;
- otherwise ``FeedSnapshotAccepted``, the registry's own importer, ``FeedSnapshotApplied``.

Accepted (or released) and not yet applied is where a crash leaves a pull; the next tick
finishes it first. The importers write only what the log lacks, and an import already
completed under the pull's id is not run again, so nothing is imported twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from services.registry.feeds.domain import (
    DriftLimits,
    FeedState,
    Snapshot,
    drift_reasons,
    missing_reasons,
    probe_dates,
    summarise_gias,
    unchanged,
)
from services.registry.feeds.fetch import (
    FetchFailed,
    FetchPolicy,
    Outcome,
    Sleep,
    fetch_file,
)
from services.registry.feeds.imports import (
    apply_gias,
    apply_ofsted,
    gias_files,
    ofsted_import_id,
)
from services.registry.feeds.runfiles import FileChanged, RunFiles
from services.registry.feeds.sources import FeedSource
from services.registry.feeds.stream import (
    ACTOR,
    FeedRecorder,
    PullResult,
    accepted,
    feed_stream,
    load_feed,
)
from services.registry.gias.csvfile import UnusableInput
from services.registry.importer import GiasPlan, import_gias
from services.registry.ofsted.importer import OfstedReport, read_inspections
from shared.clock import today_in_england
from shared.contracts.feeds import FeedChecked, FeedFetchFailed, FetchedFile, SnapshotSummary
from shared.db import UNREACHABLE_ERRORS
from shared.eventlog.leader import Leader, wait_for_wake
from shared.eventlog.signals import LogSignals
from shared.eventlog.store import EventStore

log = logging.getLogger(__name__)

# The leader lock's name; consumers' locks are named by the consumer, so never one of theirs.
WORKER_NAME = "registry-feed-worker"


@dataclass(frozen=True)
class _Found:
    day: date
    outcomes: dict[str, Outcome]


class _HoldBack(Exception):
    def __init__(self, summary: SnapshotSummary, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.summary = summary
        self.reasons = reasons


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class FeedWorker:
    """Pulls each feed when it is due, and finishes released or interrupted pulls first."""

    store: EventStore
    url: str
    sources: Sequence[FeedSource]
    folder: Path
    limits: DriftLimits = field(default_factory=DriftLimits)
    policy: FetchPolicy = field(default_factory=FetchPolicy)
    timeout_s: float = 60.0
    signals: LogSignals | None = None
    # The longest it waits without looking (a release in another process wakes it sooner,
    # through the log's NOTIFY).
    poll_interval_s: float = 30.0
    now: Callable[[], datetime] = _utcnow
    today: Callable[[], date] = today_in_england
    new_id: Callable[[], str] = _new_id
    sleep: Sleep = asyncio.sleep

    def __post_init__(self) -> None:
        self.leader = Leader(WORKER_NAME, self.url, poll_interval_s=self.poll_interval_s)
        self._states: dict[str, FeedState] = {}
        self.recorder = FeedRecorder(self.store, self.leader, self.now)
        self.files = RunFiles(self.folder)

    async def _state(self, source: FeedSource) -> FeedState:
        """The feed's state; folded again only when its stream has moved (every append in
        the log wakes the worker, and almost none is a feed's)."""
        cached = self._states.get(source.name)
        if cached is not None and cached.version == await self.store.stream_version(
            feed_stream(source.name)
        ):
            return cached
        state = self._states[source.name] = await load_feed(self.store, source.name)
        return state

    @property
    def active(self) -> asyncio.Event:
        """Set while this instance is the active feed worker."""
        return self.leader.active

    async def run(self) -> None:
        """Run until cancelled: stand by, or pull feeds while active."""
        await self.leader.run(self._serve)

    async def _serve(self) -> None:
        waiter = self.signals.waiter() if self.signals is not None else asyncio.Event()
        try:
            while True:
                self.leader.check()
                waiter.clear()
                wait_s = await self.tick()
                await wait_for_wake(waiter, min(wait_s, self.poll_interval_s))
        finally:
            if self.signals is not None:
                self.signals.forget(waiter)

    async def tick(self) -> float:
        """Finish any released or interrupted pull, run each due one; seconds until the next."""
        wait = self.poll_interval_s
        for source in self.sources:
            state = await self._state(source)
            now = self.now()
            if state.pending is not None:
                await self._finish(source, state, state.pending)
                state = await self._state(source)
            elif source.schedule.next_run(state.last_attempt_at, now) <= now:
                await self.pull(source, state)
                state = await self._state(source)
            self.files.tidy(source.name, state)
            due = source.schedule.next_run(state.last_attempt_at, self.now())
            wait = min(wait, max(0.0, (due - self.now()).total_seconds()))
        return wait

    async def run_once(self, feeds: Sequence[str] | None = None) -> list[PullResult]:
        """Pull each feed (or those named) now, whatever the schedule says."""
        results = []
        for source in self.sources:
            if feeds is None or source.name in feeds:
                results.append(await self.pull(source, await self._state(source)))
                self.files.tidy(source.name, await self._state(source))
        return results

    # ------------------------------------------------------------------- a pull

    async def pull(self, source: FeedSource, state: FeedState) -> PullResult:
        """One pull of ``source``; an unfinished one is finished instead."""
        if state.pending is not None:
            return await self._finish(source, state, state.pending)
        run_id = self.new_id()
        run_dir = self.files.run_dir(source.name, run_id)
        async with self._client() as client:
            try:
                found = await self._find(client, source, state, run_dir)
            except FetchFailed as failed:
                await self.recorder.record(
                    state,
                    run_id,
                    FeedFetchFailed(
                        feed=source.name,
                        run_id=run_id,
                        url=failed.url,
                        reason=failed.reason,
                        attempts=failed.attempts,
                    ),
                )
                return PullResult(source.name, run_id, "fetch_failed", detail=str(failed))
            if found is None:
                detail = f"no file of the set published in the last {source.lookback_days} days"
                await self.recorder.record(
                    state,
                    run_id,
                    FeedChecked(
                        feed=source.name,
                        run_id=run_id,
                        outcome="nothing_published",
                        detail=detail,
                    ),
                )
                return PullResult(source.name, run_id, "nothing_published", detail=detail)
            digests = {
                role: (o.file.sha256 if o.file else _seen_digest(state, role))
                for role, o in found.outcomes.items()
                if o.status != "not_found"
            }
            if unchanged(state.seen, found.day, digests):
                detail = f"the set of {found.day.isoformat()} is the one already seen"
                await self.recorder.record(
                    state,
                    run_id,
                    FeedChecked(
                        feed=source.name,
                        run_id=run_id,
                        outcome="unchanged",
                        snapshot_date=found.day,
                        detail=detail,
                    ),
                )
                return PullResult(source.name, run_id, "unchanged", found.day, detail)
            # Changed: a file the server said was unchanged is needed again in full.
            for spec in source.files:
                if found.outcomes[spec.role].status == "not_modified":
                    found.outcomes[spec.role] = await self._fetch(
                        client, source.url(spec, found.day), run_dir, spec.role, None
                    )
        files = tuple(o.file for o in found.outcomes.values() if o.file is not None)
        missing = [
            spec.name(found.day)
            for spec in source.files
            if found.outcomes[spec.role].status == "not_found"
        ]
        snapshot = Snapshot(run_id, found.day, files)
        if source.name == "gias":
            return await self._evaluate_gias(source, state, snapshot, missing)
        return await self._evaluate_ofsted(source, state, snapshot, missing)

    async def _find(
        self, client: httpx.AsyncClient, source: FeedSource, state: FeedState, run_dir: Path
    ) -> _Found | None:
        # A set of a day is published when any of its files is: one that lacks a file is
        # found (and held), not mistaken for no set at all.
        for day in probe_dates(state, self.today(), source.lookback_days):
            outcomes = {
                spec.role: await self._fetch(
                    client, source.url(spec, day), run_dir, spec.role, _seen(state, day, spec.role)
                )
                for spec in source.files
            }
            if any(o.status != "not_found" for o in outcomes.values()):
                return _Found(day, outcomes)
        return None

    async def _fetch(
        self,
        client: httpx.AsyncClient,
        url: str,
        run_dir: Path,
        role: str,
        previous: FetchedFile | None,
    ) -> Outcome:
        dest = run_dir / url.rsplit("/", 1)[-1]
        return await fetch_file(
            client, url, dest, role=role, previous=previous, policy=self.policy, sleep=self.sleep
        )

    # ------------------------------------------------------------------- GIAS

    async def _evaluate_gias(
        self, source: FeedSource, state: FeedState, snapshot: Snapshot, missing: list[str]
    ) -> PullResult:
        paths = self.files.paths(source.name, snapshot)
        lacking = [role for role in source.required if role not in paths]
        if lacking:
            await self.recorder.hold(state, snapshot, missing, missing_reasons(missing), None)
            return self.recorder.held(source.name, snapshot, missing_reasons(missing))
        recorded = state

        async def guard(plan: GiasPlan) -> None:
            nonlocal recorded
            summary = summarise_gias(
                plan.changes,
                (u for u, s in plan.schools.items() if s.details is not None and not s.closed),
                (u for u, t in plan.trusts.items() if t.details is not None and not t.closed),
                plan.parsed.establishments,
                plan.parsed.trusts,
            )
            reasons = missing_reasons(missing) + drift_reasons(summary, self.limits)
            if reasons:
                raise _HoldBack(summary, reasons)
            recorded = await self.recorder.record(
                state, snapshot.run_id, accepted(state, snapshot, summary)
            )

        try:
            report = await import_gias(
                self.store,
                gias_files(paths),
                actor=ACTOR,
                import_id=snapshot.run_id,
                snapshot=snapshot.snapshot_date,
                before_apply=guard,
            )
        except _HoldBack as held:
            await self.recorder.hold(state, snapshot, missing, held.reasons, held.summary)
            return self.recorder.held(source.name, snapshot, held.reasons)
        except UnusableInput as bad:
            return await self.recorder.unusable(state, snapshot, bad)
        except UNREACHABLE_ERRORS:
            raise
        except Exception as exc:
            return await self.recorder.failed(recorded, snapshot, exc)
        return await self.recorder.applied(
            recorded, snapshot, [snapshot.run_id], report.events_written, len(report.rejected)
        )

    # ----------------------------------------------------------------- Ofsted

    async def _evaluate_ofsted(
        self, source: FeedSource, state: FeedState, snapshot: Snapshot, missing: list[str]
    ) -> PullResult:
        paths = self.files.paths(source.name, snapshot)
        # Every file is read before any is applied: one unusable file applies nothing.
        counts = {"rows_read": 0, "inspections": 0, "rows_rejected": 0}
        urns: list[int] = []
        for role, path in paths.items():
            parsed = OfstedReport(ofsted_import_id(snapshot.run_id, role))
            try:
                inspections = read_inspections(path, parsed)
            except UnusableInput as bad:
                return await self.recorder.unusable(state, snapshot, bad)
            counts["rows_read"] += parsed.rows_read
            counts["inspections"] += len(inspections)
            counts["rows_rejected"] += len(parsed.rejected)
            urns.extend(i.urn for _, i in inspections[: 10 - len(urns)])
        summary = SnapshotSummary(counts=counts, samples={"inspections": urns})
        if missing:
            await self.recorder.hold(state, snapshot, missing, missing_reasons(missing), summary)
            return self.recorder.held(source.name, snapshot, missing_reasons(missing))
        recorded = await self.recorder.record(
            state, snapshot.run_id, accepted(state, snapshot, summary)
        )
        return await self._finish(source, recorded, snapshot)

    # ---------------------------------------------------------- finishing a pull

    async def _finish(self, source: FeedSource, state: FeedState, snapshot: Snapshot) -> PullResult:
        """Apply an accepted or released snapshot, doing only what is not done yet."""
        try:
            async with self._client() as client:
                paths = await self.files.on_disk(
                    client, source.name, snapshot, self.policy, self.sleep
                )
        except (FetchFailed, FileChanged) as exc:
            return await self.recorder.failed(state, snapshot, exc)
        try:
            if source.name == "gias":
                ids, written, rejected = await apply_gias(self.store, snapshot, paths)
            else:
                ids, written, rejected = await apply_ofsted(self.store, snapshot, paths)
            return await self.recorder.applied(state, snapshot, ids, written, rejected)
        except UNREACHABLE_ERRORS:
            raise
        except Exception as exc:
            return await self.recorder.failed(state, snapshot, exc)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=True)


def _seen(state: FeedState, day: date, role: str) -> FetchedFile | None:
    if state.seen is None or state.seen.snapshot_date != day:
        return None
    return next((f for f in state.seen.files if f.role == role), None)


def _seen_digest(state: FeedState, role: str) -> str:
    seen = next((f for f in state.seen.files if f.role == role), None) if state.seen else None
    return seen.sha256 if seen is not None else ""
