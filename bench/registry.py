"""Registry benchmarks: a national GIAS import, a re-import, a rebuild, and reads under load."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import progress, service_server
from bench.http_load import load
from services.registry.importer import GiasFiles, import_gias
from services.registry.projections import rebuild
from services.registry.sample import write_sample
from shared.contracts import all_contracts
from shared.db import asyncpg_dsn, create_pool
from shared.eventlog.store import EventStore
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
    files = write_sample(folder, schools=sizes.schools, seed=2030)
    gias = GiasFiles(
        files.establishments, files.groups, files.group_links, files.establishment_links
    )
    n = sizes.repeats
    details: dict[str, Any] = {"schools": sizes.schools, "reimport_events_written": []}
    url = ""
    for rep in range(1, n + 1):
        if url:
            await dbutil.drop_database(admin_url, url)
        url = await dbutil.create_database(admin_url)
        settings = Settings(environment="test", database_url=url, jwt_secret="b" * 40)
        pool = await create_pool(url, settings, max_size=4)
        try:
            store = EventStore(pool, all_contracts())
            started = time.perf_counter()
            report = await import_gias(store, gias, actor="bench")
            seconds = time.perf_counter() - started
            add("gias_import_national_s", seconds, "s", rep, n)
            details["import_events_written"] = report.events_written
            details["import_rows_read"] = report.rows_read
            started = time.perf_counter()
            again = await import_gias(store, gias, actor="bench")
            add("gias_reimport_unchanged_s", time.perf_counter() - started, "s", rep, n)
            details["reimport_events_written"].append(again.events_written)
        finally:
            await pool.close()
    settings = Settings(environment="test", database_url=url, jwt_secret="b" * 40)
    try:
        for rep in range(1, n + 1):
            rebuilt = await rebuild(url, settings)
            add("rebuild_events_per_s", rebuilt.events_per_s, "events/s", rep, n)
            details["rebuild_events"] = rebuilt.events
        async with service_server("registry", url, settings, sizes.server_workers) as port:
            token = issue_token(settings, roles=[Role.READER], subject="bench")
            urns, las = await _targets(url, settings)
            details["load"] = {
                "clients": CLIENTS,
                "seconds": sizes.load_seconds,
                "server_workers": sizes.server_workers,
                "client": "bench.http_load (keep-alive, one connection per client)",
            }
            # One unmeasured run first: connection pools, statement caches, the page cache.
            await load(
                "127.0.0.1",
                port,
                token,
                lambda rng: f"/schools/{rng.choice(urns)}",
                clients=CLIENTS,
                seconds=sizes.load_seconds / 2,
            )
            for rep in range(1, n + 1):
                single = await load(
                    "127.0.0.1",
                    port,
                    token,
                    lambda rng: f"/schools/{rng.choice(urns)}",
                    clients=CLIENTS,
                    seconds=sizes.load_seconds,
                )
                add("get_school_p99_ms", single.p99_ms, "ms", rep, n)
                details.setdefault("get_school_p50_ms", []).append(round(single.p50_ms, 2))
                add("get_school_rps", single.rps, "req/s", rep, n)
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
                details.setdefault("load_errors", []).append(single.errors + listed.errors)
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
