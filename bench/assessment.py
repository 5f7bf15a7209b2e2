"""Assessment benchmarks: every trust's indicators after a national import, and profile reads."""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import http_floor
from bench.common import progress, service_server
from bench.http_load import load, open_loop
from services.assessment.indicators import rebuild_indicators
from services.registry.gias.snapshot import GiasFiles
from services.registry.importer import import_gias
from services.registry.ofsted.importer import import_ofsted
from services.registry.sample import write_sample
from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests import dbutil

NATIONAL_SCHOOLS = 25_000
CLIENTS = 32


@dataclass(frozen=True)
class AssessmentSizes:
    """How much each assessment scenario does."""

    repeats: int = 3
    schools: int = NATIONAL_SCHOOLS
    load_seconds: float = 5.0
    server_workers: int = 1

    @classmethod
    def quick(cls, repeats: int) -> AssessmentSizes:
        """A smoke test: a tenth of the schools, short load runs."""
        return cls(repeats=repeats, schools=2_500, load_seconds=1.5)


async def run_assessment(
    admin_url: str, sizes: AssessmentSizes, add: Callable[[str, float, str, int, int], None]
) -> dict[str, Any]:
    """Every assessment scenario; headline samples go to ``add``, the rest is returned."""
    folder = Path(tempfile.mkdtemp(prefix="st-bench-assessment-"))
    progress(f"writing a synthetic national GIAS + Ofsted set ({sizes.schools:,} schools)")
    files = write_sample(folder, schools=sizes.schools, seed=2030)
    gias = GiasFiles(
        files.establishments, files.groups, files.group_links, files.establishment_links
    )
    n = sizes.repeats
    details: dict[str, Any] = {"schools": sizes.schools}
    url = await dbutil.create_database(admin_url)
    settings = Settings(environment="test", database_url=url, jwt_secret="b" * 40)
    try:
        pool = await create_pool(url, settings, max_size=4)
        try:
            store = EventStore(pool, all_contracts())
            progress("importing the national set into the registry's streams")
            imported = await import_gias(store, gias, actor="bench")
            inspected = 0
            for path in (files.ofsted_legacy, files.ofsted):
                inspected += (await import_ofsted(store, path, actor="bench")).events_written
            details["registry_events"] = await pool.fetchval(
                "SELECT count(*) FROM events WHERE category = ANY($1::text[])",
                ["school", "trust"],
            )
            details["gias_events_written"] = imported.events_written
            details["ofsted_events_written"] = inspected
        finally:
            await pool.close()
        # The consumer starting after the import has everything to do, exactly as a rebuild:
        # each repetition empties the read models and times the consumer until it has
        # handled every event and no trust's figures are left to compute.
        for rep in range(1, n + 1):
            progress(f"indicators after the national import, {rep}/{n}")
            report = await rebuild_indicators(url, settings)
            add("indicators_national_s", report.seconds, "s", rep, n)
            details["indicators_events"] = report.events
        # The same with the live consumer's batch size (the service's consumer_batch_size),
        # for comparison: each read of the log has a cost of its own.
        report = await rebuild_indicators(url, settings, batch_size=settings.consumer_batch_size)
        details["indicators_national_live_batch_s"] = round(report.seconds, 2)
        details["live_batch_size"] = settings.consumer_batch_size
        details.update(await _counts(url, settings))
        if details["trusts_dirty"]:
            raise RuntimeError(f"{details['trusts_dirty']} trusts were left uncomputed")
        details["load"] = await _profile_load(url, settings, sizes, add)
    finally:
        await dbutil.drop_database(admin_url, url)
        shutil.rmtree(folder, ignore_errors=True)
    return details


async def _counts(url: str, settings: Settings) -> dict[str, Any]:
    pool = await create_pool(url, settings, max_size=1)
    try:
        row = await pool.fetchrow(
            """
            SELECT count(*) AS trusts,
                   count(*) FILTER (WHERE dirty OR indicators IS NULL) AS dirty,
                   max((indicators -> 'size' ->> 'schools')::int) AS largest
              FROM assessment_indicator_trusts
            """
        )
    finally:
        await pool.close()
    assert row is not None
    return {
        "trusts_with_indicators": row["trusts"] - row["dirty"],
        "trusts_dirty": row["dirty"],
        "largest_trust_schools": row["largest"],
    }


async def _profile_load(
    url: str,
    settings: Settings,
    sizes: AssessmentSizes,
    add: Callable[[str, float, str, int, int], None],
) -> dict[str, Any]:
    """GET /trusts/{uid}/indicators, then /profile, from 32 clients against a live server."""
    pool = await create_pool(url, settings, max_size=1)
    try:
        uids = [r[0] for r in await pool.fetch("SELECT uid FROM assessment_indicator_trusts")]
    finally:
        await pool.close()
    n = sizes.repeats
    out: dict[str, Any] = {
        "clients": CLIENTS,
        "seconds": sizes.load_seconds,
        "server_workers": sizes.server_workers,
        "trusts": len(uids),
        "client": "bench.http_load (keep-alive, one connection per client)",
    }
    async with service_server("assessment", url, settings, sizes.server_workers) as port:
        # Its consumers (the log sealer among them) catch up first, not during the load.
        out["settle_s"] = round(await _settled(port), 2)
        token = issue_token(settings, roles=[Role.READER], subject="bench")
        for path, key in (("indicators", None), ("profile", "get_trust_profile_p99_ms")):

            def target(rng: random.Random, path: str = path) -> str:
                return f"/trusts/{rng.choice(uids)}/{path}"

            # One unmeasured run first: connection pools, statement caches, the page cache.
            await load(
                "127.0.0.1", port, token, target, clients=CLIENTS, seconds=sizes.load_seconds / 2
            )
            for rep in range(1, n + 1):
                run = await load(
                    "127.0.0.1", port, token, target, clients=CLIENTS, seconds=sizes.load_seconds
                )
                if key is not None:
                    add(key, run.p99_ms, "ms", rep, n)
                else:
                    out.setdefault(f"get_trust_{path}_p99_ms", []).append(round(run.p99_ms, 2))
                out.setdefault(f"get_trust_{path}_p50_ms", []).append(round(run.p50_ms, 2))
                out.setdefault(f"get_trust_{path}_rps", []).append(round(run.rps, 1))
                out.setdefault(f"get_trust_{path}_errors", []).append(run.errors)

        # Latency at a fixed offered rate: half what the floor (bench.http_floor) serves.
        def profile(rng: random.Random) -> str:
            return f"/trusts/{rng.choice(uids)}/profile"

        rate = http_floor.offered_rate()
        out["open_loop_rate_per_s"] = round(rate, 1)
        for rep in range(1, n + 1):
            run = await open_loop(
                "127.0.0.1", port, token, profile, rate=rate, seconds=sizes.load_seconds
            )
            add("get_trust_profile_open_p50_ms", run.p50_ms, "ms", rep, n)
            add("get_trust_profile_open_p99_ms", run.p99_ms, "ms", rep, n)
            out.setdefault("open_loop_errors", []).append(run.errors)
    return out


async def _settled(port: int, timeout_s: float = 600.0) -> float:
    """Wait until /readyz shows every consumer of the server with no lag; the seconds taken."""
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        while True:
            checks = (await client.get("/readyz")).json()["checks"]
            lags = [c.get("lag_events") for c in checks.get("consumers", {}).values()]
            if lags and all(lag == 0 for lag in lags):
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout_s:
                raise TimeoutError(f"the assessment server's consumers still lag: {checks}")
            await asyncio.sleep(0.5)
