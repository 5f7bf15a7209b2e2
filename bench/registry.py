"""Registry benchmarks: a national GIAS import, a re-import, a rebuild, and reads under load."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench import http_floor
from bench.common import floor_server, progress, run_worker, service_server
from bench.http_load import load, open_loop
from services.registry.sample import write_sample
from shared.db import asyncpg_dsn, create_pool
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests import dbutil

NATIONAL_SCHOOLS = 25_000
CLIENTS = 32


@dataclass(frozen=True)
class RegistrySizes:
    """How much each registry scenario does."""

    repeats: int = 3
    schools: int = NATIONAL_SCHOOLS
    load_seconds: float = 5.0
    # Server processes for the read load: stateless replicas, as production would run them.
    server_workers: int = 1

    @classmethod
    def quick(cls, repeats: int) -> RegistrySizes:
        """A smoke test: a tenth of the schools, short load runs."""
        return cls(repeats=repeats, schools=2_500, load_seconds=1.5, server_workers=1)


async def run_registry(
    admin_url: str, sizes: RegistrySizes, add: Callable[[str, float, str, int, int], None]
) -> dict[str, Any]:
    """Every registry scenario; headline samples go to ``add``, the rest is returned."""
    # Start clean of the event-log scenarios' leftovers: flush their dirty pages first.
    admin = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await admin.execute("CHECKPOINT")
    finally:
        await admin.close()
    folder = Path(tempfile.mkdtemp(prefix="st-bench-gias-"))
    progress(f"writing a synthetic national GIAS set ({sizes.schools:,} schools)")
    write_sample(folder, schools=sizes.schools, seed=2030)
    n = sizes.repeats
    details: dict[str, Any] = {
        "schools": sizes.schools,
        "reimport_events_written": [],
        "import": "python -m bench.worker import: a process of its own, as the registry's role",
    }
    url = ""
    for rep in range(1, n + 1):
        if url:
            await dbutil.drop_database(admin_url, url)
        url = await dbutil.create_database(admin_url)
        # Imported (and imported again) by a process of its own, as the CLI does it.
        done = await run_worker("import", url, "--dir", str(folder))
        add("gias_import_national_s", done["import_s"], "s", rep, n)
        add("gias_reimport_unchanged_s", done["reimport_s"], "s", rep, n)
        add("gias_import_peak_rss_mb", done["peak_rss_mb"], "MB", rep, n)
        details["import_events_written"] = done["events_written"]
        details["import_rows_read"] = done["rows_read"]
        details["reimport_events_written"].append(done["reimport_events_written"])
    settings = Settings(environment="test", database_url=url, jwt_secret="b" * 40)
    try:
        for rep in range(1, n + 1):
            rebuilt = await run_worker("rebuild", url)
            add("rebuild_events_per_s", rebuilt["events_per_s"], "events/s", rep, n)
            add("rebuild_peak_rss_mb", rebuilt["peak_rss_mb"], "MB", rep, n)
            details["rebuild_events"] = rebuilt["events"]
        async with (
            service_server("registry", url, settings, sizes.server_workers) as port,
            floor_server(url, settings) as floor,
        ):
            token = issue_token(settings, roles=[Role.READER], subject="bench")
            urns, las = await _targets(url, settings)
            details["load"] = {
                "clients": CLIENTS,
                "seconds": sizes.load_seconds,
                "server_workers": sizes.server_workers,
                "client": "bench.http_load (keep-alive, one connection per client)",
                "floor": "bench.http_floor: the same query on a bare FastAPI route, same server",
            }

            def school(rng: random.Random) -> str:
                return f"/schools/{rng.choice(urns)}"

            # One unmeasured run of each first: connection pools, statement caches, the page cache.
            for each in (port, floor):
                await load(
                    "127.0.0.1",
                    each,
                    token,
                    school,
                    clients=CLIENTS,
                    seconds=sizes.load_seconds / 2,
                )
            floor_rps = []
            for rep in range(1, n + 1):
                # The route and its floor alternate, so drift hits both alike.
                single = await load(
                    "127.0.0.1", port, token, school, clients=CLIENTS, seconds=sizes.load_seconds
                )
                add("get_school_p99_ms", single.p99_ms, "ms", rep, n)
                details.setdefault("get_school_p50_ms", []).append(round(single.p50_ms, 2))
                add("get_school_rps", single.rps, "req/s", rep, n)
                bare = await load(
                    "127.0.0.1", floor, token, school, clients=CLIENTS, seconds=sizes.load_seconds
                )
                add("get_school_floor_rps", bare.rps, "req/s", rep, n)
                floor_rps.append(bare.rps)
                details.setdefault("get_school_floor_p99_ms", []).append(round(bare.p99_ms, 2))
                listed = await load(
                    "127.0.0.1",
                    port,
                    token,
                    lambda rng: f"/schools?la={rng.choice(las)}&phase=Primary&status=Open&limit=50",
                    clients=CLIENTS,
                    seconds=sizes.load_seconds,
                )
                add("list_schools_filtered_p99_ms", listed.p99_ms, "ms", rep, n)
                details.setdefault("list_schools_filtered_p50_ms", []).append(
                    round(listed.p50_ms, 2)
                )
                add("list_schools_filtered_rps", listed.rps, "req/s", rep, n)
                details.setdefault("load_errors", []).append(
                    single.errors + bare.errors + listed.errors
                )
            # Latency at a fixed offered rate: half what the floor can serve.
            rate = http_floor.offered_rate(floor_rps)
            details["open_loop_rate_per_s"] = round(rate, 1)
            for rep in range(1, n + 1):
                run = await open_loop(
                    "127.0.0.1", port, token, school, rate=rate, seconds=sizes.load_seconds
                )
                add("get_school_open_p50_ms", run.p50_ms, "ms", rep, n)
                add("get_school_open_p99_ms", run.p99_ms, "ms", rep, n)
                details.setdefault("open_loop_errors", []).append(run.errors)
    finally:
        await dbutil.drop_database(admin_url, url)
    details["reimport_events_written_max"] = max(details["reimport_events_written"])
    return details


async def _targets(url: str, settings: Settings) -> tuple[list[int], list[str]]:
    pool = await create_pool(url, settings, max_size=1)
    try:
        urns = [
            r[0] for r in await pool.fetch("SELECT urn FROM registry_schools WHERE status = 'Open'")
        ]
        las = [r[0] for r in await pool.fetch("SELECT DISTINCT la_code FROM registry_schools")]
    finally:
        await pool.close()
    return urns, las
