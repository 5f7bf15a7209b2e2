"""Orchestrates one benchmark run: every scenario, repeated, against one fresh database."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import platform
import subprocess
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg

from bench import eventlog, ownership, raw
from bench.assessment import AssessmentSizes, run_assessment
from bench.commissioning import CommissioningSizes, run_commissioning
from bench.common import BenchDatabase, bench_database, median, progress, quiet_platformdirs
from bench.console import ConsoleSizes, run_console
from bench.contract import CATEGORY, bench_registry, new_events
from bench.feeds import FeedSizes, run_feeds
from bench.mixed_load import MixedSizes, run_mixed
from bench.publish import PublishSizes, run_publish
from bench.registry import RegistrySizes, run_registry
from bench.report import build_results, render_table, write_results
from bench.transfers import TransferSizes, run_transfers
from shared.db import create_pool, server_settings
from shared.eventlog.model import NewEvent
from shared.eventlog.signals import LogSignals
from shared.eventlog.store import EventStore
from shared.settings import Settings

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.json"


@dataclass(frozen=True)
class Sizes:
    """How much each repetition does."""

    repeats: int = 5
    writers: int = 8
    raw_rows_per_conn: int = 1500
    raw_copy_rows: int = 100_000
    append_events_per_writer: int = 1000
    append_batches: int = 30
    batch_size: int = 1000
    read_batch_size: int = 5000
    lag_duration_s: float = 3.0
    lag_paced_rate_per_writer: float = 100.0

    @classmethod
    def quick(cls, repeats: int) -> Sizes:
        """A smoke-test run: same scenarios, a tenth of the work."""
        return cls(
            repeats=repeats,
            raw_rows_per_conn=150,
            raw_copy_rows=5_000,
            append_events_per_writer=100,
            append_batches=3,
            lag_duration_s=1.0,
        )


class Samples:
    """Per-repetition figures by key."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[float]] = {}

    def add(self, key: str, value: float, unit: str, rep: int, total: int) -> None:
        self.by_key.setdefault(key, []).append(value)
        shown = (
            f"{value:,.1f}" if unit == "ms" else f"{value:,.3f}" if unit == "s" else f"{value:,.0f}"
        )
        progress(f"{key} {rep}/{total}: {shown} {unit}")

    def medians(self) -> dict[str, float]:
        return {k: median(v) for k, v in self.by_key.items()}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_state() -> dict[str, Any]:
    """The commit measured, and whether the event log's code differed from it."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=10
        )
        return done.stdout.rstrip()

    try:
        return {
            "commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_eventlog_changes": git(
                "status", "--porcelain", "--", "shared/eventlog", "shared/db.py", "migrations"
            ).splitlines(),
        }
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "uncommitted_eventlog_changes": []}


async def _machine(conn: asyncpg.Connection, db: BenchDatabase) -> dict[str, Any]:
    cpu_model = await asyncio.to_thread(_cpu_model)

    async def setting(name: str) -> Any:
        return await conn.fetchval("SELECT current_setting($1)", name)

    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "postgres_version": await setting("server_version"),
        "postgres_full_version": await conn.fetchval("SELECT version()"),
        "postgres_settings": {
            name: await setting(name)
            for name in ("fsync", "synchronous_commit", "shared_buffers", "wal_level")
        },
        "database": db.source,
        "python_version": platform.python_version(),
        "asyncpg_version": asyncpg.__version__,
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": await asyncio.to_thread(_git_state),
    }


Add = Callable[[str, float, str, int, int], None]
ServiceScenario = Callable[[str, Any, Add], Awaitable[dict[str, Any]]]

# The service scenarios, each on databases of its own on the same server, in this order:
# name -> (its sizes class, its run function).
SERVICE_SCENARIOS: dict[str, tuple[Any, ServiceScenario]] = {
    "registry": (RegistrySizes, run_registry),
    "assessment": (AssessmentSizes, run_assessment),
    "commissioning": (CommissioningSizes, run_commissioning),
    "transfers": (TransferSizes, run_transfers),
    "mixed": (MixedSizes, run_mixed),
    "publish": (PublishSizes, run_publish),
    "feeds": (FeedSizes, run_feeds),
    "console": (ConsoleSizes, run_console),
}


def service_sizes(repeats: int, *, quick: bool, server_workers: int = 1) -> dict[str, Any]:
    """Each service scenario's sizes: at most its own default repetitions.

    ``server_workers`` is how many processes serve a scenario's read load, where it has
    one: stateless replicas, which is how the services scale.
    """
    out = {}
    for name, (sizes_class, _) in SERVICE_SCENARIOS.items():
        n = min(repeats, sizes_class.repeats)
        sizes = sizes_class.quick(n) if quick else sizes_class(repeats=n)
        if hasattr(sizes, "server_workers"):
            sizes = replace(sizes, server_workers=server_workers)
        out[name] = sizes
    return out


async def run(
    sizes: Sizes, scenario_sizes: dict[str, Any], output: Path, only: str | None
) -> dict[str, Any]:
    """Run every scenario ``sizes.repeats`` times; write and return the results."""
    progress("starting PostgreSQL and creating a migrated database")
    samples = Samples()
    details: dict[str, Any] = {}
    async with bench_database() as db:
        progress(f"database ready ({db.source})")
        settings = Settings(database_url=db.url)
        await raw.create_table(db.url)
        await ownership.prepare(db.url)
        raw_conns = [await raw.connect(db.url) for _ in range(sizes.writers)]
        role_conns = await ownership.role_connections(db.url, sizes.writers)
        pool = await create_pool(
            db.url, settings, min_size=sizes.writers + 2, max_size=sizes.writers + 8
        )
        # The store as a service runs it: a role the ownership policy applies to.
        role_pool = await ownership.role_pool(
            db.url, settings, min_size=sizes.writers + 2, max_size=sizes.writers + 8
        )
        store = EventStore(role_pool, bench_registry)
        try:
            if only in (None, "eventlog"):
                details.update(
                    await _scenarios(
                        sizes,
                        db,
                        _Connections(raw_conns, role_conns),
                        pool,
                        store,
                        settings,
                        samples,
                    )
                )
            for name, (_, scenario) in SERVICE_SCENARIOS.items():
                if only in (None, name):
                    details[name] = await scenario(db.admin_url, scenario_sizes[name], samples.add)
            machine = await _machine(raw_conns[0], db)
        finally:
            for conn in [*raw_conns, *role_conns]:
                await conn.close()
            await pool.close()
            await role_pool.close()
    config = {
        **asdict(sizes),
        **{name: asdict(each) for name, each in scenario_sizes.items()},
        "only": only,
    }
    results = build_results(samples.medians(), samples.by_key, machine, config, details)
    write_results(results, output)
    progress(f"wrote {output}")
    return results


@dataclass(frozen=True)
class _Connections:
    """Plain connections: as the database owner, and as the bench role."""

    owner: list[asyncpg.Connection]
    role: list[asyncpg.Connection]


async def _scenarios(
    sizes: Sizes,
    db: BenchDatabase,
    conns: _Connections,
    pool: asyncpg.Pool,
    store: EventStore,
    settings: Settings,
    samples: Samples,
) -> dict[str, Any]:
    n, w = sizes.repeats, sizes.writers
    raw_conns = conns.owner
    rows = raw.RawRows()
    counter = 0

    def events(count: int) -> list[NewEvent]:
        nonlocal counter
        counter += count
        return new_events(counter - count, count)

    def tag() -> str:
        return uuid.uuid4().hex[:10]

    # Warm-ups (not counted): prepared statements on every connection, caches, the function.
    progress("warming up")
    await raw.insert_concurrently(
        raw_conns, [rows.insert_rows(50, f"warm-{tag()}") for _ in range(w)]
    )
    await raw.copy_rows(raw_conns[0], rows.copy_rows(1000, f"warm-{tag()}"))
    await eventlog.append_concurrently(store, [events(50) for _ in range(w)], tag())
    await eventlog.append_batches(store, [events(sizes.batch_size)], tag())
    await ownership.insert_concurrently(
        conns.role, ownership.TRIGGERED, [rows.insert_rows(50, f"warm-{tag()}") for _ in range(w)]
    )
    for staged in (False, True):
        await ownership.insert_batches(
            conns.role[0], rows.copy_rows(2000, f"{CATEGORY}-warm-{tag()}"), staged=staged
        )

    # Ours and the baselines alternate, so slow drift on the server hits them alike. The
    # store appends as a service does, under the ownership policy; then the same appends,
    # same role and pool, with the policy switched off: the two are what the policy costs.
    # Which of the two goes first alternates too.
    for rep in range(1, n + 1):
        per_conn = [rows.insert_rows(sizes.raw_rows_per_conn, f"raw-{tag()}") for _ in range(w)]
        rate = await raw.insert_concurrently(raw_conns, per_conn)
        samples.add("raw_insert_8c_rows_per_s", rate, "rows/s", rep, n)
        policy = [(True, "append_8w_events_per_s"), (False, "append_8w_unchecked_events_per_s")]
        for enabled, key in policy if rep % 2 else reversed(policy):
            await ownership.set_policy(raw_conns[0], enabled=enabled)
            per_writer = [events(sizes.append_events_per_writer) for _ in range(w)]
            rate = await eventlog.append_concurrently(store, per_writer, tag())
            samples.add(key, rate, "events/s", rep, n)
        await ownership.set_policy(raw_conns[0], enabled=True)
        per_conn = [rows.insert_rows(sizes.raw_rows_per_conn, f"raw-{tag()}") for _ in range(w)]
        rate = await ownership.insert_concurrently(raw_conns, ownership.INDEXED, per_conn)
        samples.add("raw_insert_indexed_8c_rows_per_s", rate, "rows/s", rep, n)
        per_conn = [rows.insert_rows(sizes.raw_rows_per_conn, f"raw-{tag()}") for _ in range(w)]
        rate = await ownership.insert_concurrently(conns.role, ownership.TRIGGERED, per_conn)
        samples.add("raw_insert_triggered_8c_rows_per_s", rate, "rows/s", rep, n)

    for rep in range(1, n + 1):
        copy = rows.copy_rows(sizes.raw_copy_rows, f"raw-{tag()}")
        rate = await raw.copy_rows(raw_conns[0], copy)
        samples.add("raw_copy_rows_per_s", rate, "rows/s", rep, n)
        batches = [events(sizes.batch_size) for _ in range(sizes.append_batches)]
        rate = await eventlog.append_batches(store, batches, tag())
        samples.add("append_batch_events_per_s", rate, "events/s", rep, n)
        copy = rows.copy_rows(sizes.raw_copy_rows, f"raw-{tag()}")
        rate = await ownership.copy_rows(raw_conns[0], ownership.INDEXED, copy)
        samples.add("raw_copy_indexed_rows_per_s", rate, "rows/s", rep, n)
        copy = rows.copy_rows(sizes.raw_copy_rows, f"raw-{tag()}")
        rate = await ownership.copy_rows(conns.role[0], ownership.TRIGGERED, copy)
        samples.add("copy_triggered_rows_per_s", rate, "rows/s", rep, n)
        ready = rows.copy_rows(sizes.batch_size * sizes.append_batches, f"{CATEGORY}-u{tag()}")
        rate = await ownership.insert_batches(conns.role[0], ready, staged=False)
        samples.add("insert_unnest_rows_per_s", rate, "rows/s", rep, n)
        ready = rows.copy_rows(sizes.batch_size * sizes.append_batches, f"{CATEGORY}-s{tag()}")
        rate = await ownership.insert_batches(conns.role[0], ready, staged=True)
        samples.add("insert_staged_rows_per_s", rate, "rows/s", rep, n)

    # Both reads cover the same number of rows: the whole log, and as many raw rows.
    log_size = int(await raw_conns[0].fetchval("SELECT count(*) FROM events"))
    read_counts: dict[str, int] = {}
    for rep in range(1, n + 1):
        rate, read_counts["raw_rows"] = await raw.read_ordered(
            raw_conns[0], log_size, sizes.read_batch_size
        )
        samples.add("raw_read_rows_per_s", rate, "rows/s", rep, n)
        rate, read_counts["events"] = await eventlog.read_everything(store, sizes.read_batch_size)
        samples.add("read_all_events_per_s", rate, "events/s", rep, n)

    progress("measuring per-event Python costs")
    probe_events = events(2000)
    prepare_us = eventlog.prepare_cost_us(store, probe_events)
    decode_us = min([await eventlog.decode_cost_us(pool) for _ in range(3)])

    signals = LogSignals(db.url, server_settings=server_settings(settings))
    await signals.start()
    await asyncio.wait_for(signals.wait_listening(), timeout=10)
    live_store = EventStore(pool, bench_registry, on_commit=signals.appended)
    paced: list[eventlog.LagRun] = []
    flat: list[eventlog.LagRun] = []
    try:
        for rep in range(1, n + 1):
            run_flat = await eventlog.subscription_lag(
                live_store,
                signals,
                db.url,
                tag=tag(),
                writers=w,
                duration_s=sizes.lag_duration_s,
                poll_interval_s=settings.poll_interval_s,
                batch_size=settings.consumer_batch_size,
            )
            flat.append(run_flat)
            samples.add("subscription_lag_p50_ms", run_flat.p50_ms, "ms", rep, n)
            samples.add("subscription_lag_p99_ms", run_flat.p99_ms, "ms", rep, n)
            run_paced = await eventlog.subscription_lag(
                live_store,
                signals,
                db.url,
                tag=tag(),
                writers=w,
                duration_s=sizes.lag_duration_s,
                rate_per_writer=sizes.lag_paced_rate_per_writer,
                poll_interval_s=settings.poll_interval_s,
                batch_size=settings.consumer_batch_size,
            )
            paced.append(run_paced)
            progress(
                f"subscription lag (paced, {w}x{sizes.lag_paced_rate_per_writer:g}/s) {rep}/{n}: "
                f"p50 {run_paced.p50_ms:.1f} ms, p99 {run_paced.p99_ms:.1f} ms"
            )
    finally:
        await signals.stop()

    details: dict[str, Any] = {
        "rows_read": read_counts,
        "python_prepare_us_per_event": None if prepare_us is None else round(prepare_us, 2),
        "python_decode_us_per_event": round(decode_us, 2),
        "subscription_lag_flat_out": {
            "mode": f"{w} writers appending one event per call as fast as they can, "
            "consumer in the same process",
            "p50_ms": round(median([r.p50_ms for r in flat]), 3),
            "p99_ms": round(median([r.p99_ms for r in flat]), 3),
            "max_ms": round(max(r.max_ms for r in flat), 3),
            "events_per_run": [r.events for r in flat],
            "append_events_per_s_while_consuming": round(median([r.events_per_s for r in flat]), 1),
            "seen_before_append_returned": sum(r.seen_before_append_returned for r in flat),
        },
        "subscription_lag_paced": {
            "mode": f"{w} writers at {sizes.lag_paced_rate_per_writer:g} appends/s each",
            "p50_ms": round(median([r.p50_ms for r in paced]), 3),
            "p99_ms": round(median([r.p99_ms for r in paced]), 3),
            "max_ms": round(max(r.max_ms for r in paced), 3),
            "events_per_run": [r.events for r in paced],
            "seen_before_append_returned": sum(r.seen_before_append_returned for r in paced),
        },
    }
    return details


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench``."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--repeats",
        type=int,
        default=Sizes.repeats,
        help="repetitions per scenario (median reported)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the work, for a smoke test"
    )
    parser.add_argument(
        "--server-workers",
        type=int,
        default=1,
        help="processes serving each service's read load (stateless replicas)",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="where to write results.json"
    )
    parser.add_argument(
        "--only", choices=["eventlog", *SERVICE_SCENARIOS], help="run one group of scenarios"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    logging.basicConfig(level=logging.WARNING)
    quiet_platformdirs()
    sizes = Sizes.quick(args.repeats) if args.quick else Sizes(repeats=args.repeats)
    scenario_sizes = service_sizes(
        args.repeats, quick=args.quick, server_workers=args.server_workers
    )
    results = asyncio.run(run(sizes, scenario_sizes, args.output, args.only))
    print(render_table(results))
    return 0
