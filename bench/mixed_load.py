"""Mixed reads and writes across the three services, and writes through a database restart.

The three services run as separate uvicorn processes over one database holding a national
GIAS sample. 64 clients on loopback each keep one connection per service and send a mix of
reads and writes (endpoints are taken from each service's served OpenAPI document, so those
not built yet are left out). Every request carries a unique X-Request-ID, which a service
records as the correlation id of the events a write appends: after each run, every write
answered 2xx must be found in the log by that id.

``lost_acknowledged_writes`` is measured under the fault the issue names: the registry under
write load while its PostgreSQL is stopped and started twice (a fast shutdown, then a crash),
on a throwaway embedded server of its own, since the benchmark's own server may not be ours
to stop (BENCH_DATABASE_URL). The scenario is the fault test's, tests/faults/restart.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.common import percentile, progress, service_server
from bench.http_load import Call, MixedRun, mixed_load
from services.registry.gias.snapshot import GiasFiles
from services.registry.importer import import_gias
from services.registry.projections import rebuild
from services.registry.sample import write_sample
from shared.contracts import all_contracts
from shared.db import asyncpg_dsn, create_pool
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests import dbutil

NATIONAL_SCHOOLS = 25_000
CLIENTS = 64
SECRET = "m" * 40


@dataclass(frozen=True)
class MixedSizes:
    """How much the mixed-load scenario does."""

    repeats: int = 3
    schools: int = NATIONAL_SCHOOLS
    clients: int = CLIENTS
    load_seconds: float = 10.0
    # Run the restart fault for lost_acknowledged_writes (about 20 s).
    fault: bool = True

    @classmethod
    def quick(cls, repeats: int) -> MixedSizes:
        """A smoke test: a tenth of the schools, short runs."""
        return cls(repeats=repeats, schools=2_500, load_seconds=3.0)


@dataclass(frozen=True)
class Endpoint:
    """One kind of request in the mix, and how often it is picked."""

    service: str
    label: str
    weight: int
    make: Callable[[random.Random], tuple[str, bytes | None]]  # rng -> (target, body)

    @property
    def method(self) -> str:
        return self.label.split(" ", 1)[0]


@dataclass(frozen=True)
class _Targets:
    urns: list[int]
    uids: list[int]
    areas: list[str]


def _mix(paths: dict[str, dict[str, set[str]]], t: _Targets, run_id: str) -> list[Endpoint]:
    """The endpoints that exist, with their weights: mostly reads, a tenth to a fifth writes."""
    counter = iter(range(1, 1 << 62))

    def new_trust(rng: random.Random) -> tuple[str, bytes | None]:
        body = {
            "name": f"Mixed Load Trust {run_id}-{next(counter)}",
            "trust_type": "multi_academy_trust",
            "incorporated_on": "2026-09-01",
        }
        return "/trusts", json.dumps(body).encode()

    def new_case(rng: random.Random) -> tuple[str, bytes | None]:
        body = {
            "urns": [rng.choice(t.urns)],
            "trigger": "rebrokerage",
            "title": f"Mixed load case {run_id}-{next(counter)}",
        }
        return "/cases", json.dumps(body).encode()

    candidates = [
        Endpoint(
            "registry",
            "GET /schools/{urn}",
            30,
            lambda rng: (f"/schools/{rng.choice(t.urns)}", None),
        ),
        Endpoint(
            "registry", "GET /trusts/{uid}", 15, lambda rng: (f"/trusts/{rng.choice(t.uids)}", None)
        ),
        Endpoint("registry", "POST /trusts", 10, new_trust),
        Endpoint(
            "assessment",
            "GET /trusts/{uid}/indicators",
            10,
            lambda rng: (f"/trusts/{rng.choice(t.uids)}/indicators", None),
        ),
        Endpoint(
            "assessment",
            "GET /assessments",
            5,
            lambda rng: (f"/assessments?trust_uid={rng.choice(t.uids)}", None),
        ),
        Endpoint(
            "commissioning",
            "GET /cases",
            10,
            lambda rng: (f"/cases?urn={rng.choice(t.urns)}", None),
        ),
        Endpoint("commissioning", "POST /cases", 5, new_case),
    ]
    if t.areas:
        candidates.append(
            Endpoint(
                "commissioning",
                "GET /areas/{area}/plan",
                5,
                lambda rng: (f"/areas/{rng.choice(t.areas)}/plan?limit=20", None),
            )
        )
    out = []
    for e in candidates:
        method, path = e.label.split(" ", 1)
        if method.lower() in paths.get(e.service, {}).get(path, set()):
            out.append(e)
    return out


async def _served_paths(ports: dict[str, int]) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = {}
    for service, port in ports.items():
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            document = (await client.get("/openapi.json")).json()
        out[service] = {path: set(ops) for path, ops in document["paths"].items()}
    return out


async def _caught_up(ports: dict[str, int], timeout_s: float = 600.0) -> None:
    """Wait until every consumer of every service has handled the imported register."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient() as client:
        for service, port in ports.items():
            while True:
                body = (await client.get(f"http://127.0.0.1:{port}/readyz")).json()
                consumers = body.get("checks", {}).get("consumers", {})
                if consumers and all(c.get("lag_events") == 0 for c in consumers.values()):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service}'s consumers did not catch up: {consumers}")
                await asyncio.sleep(0.5)


async def _targets(url: str, settings: Settings) -> _Targets:
    pool = await create_pool(url, settings, max_size=1)
    try:
        urns = [
            r[0] for r in await pool.fetch("SELECT urn FROM registry_schools WHERE status = 'Open'")
        ]
        uids = [r[0] for r in await pool.fetch("SELECT uid FROM registry_trusts")]
    finally:
        await pool.close()
    return _Targets(urns, uids, [])


async def _areas(port: int, token: str) -> list[str]:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
    ) as client:
        response = await client.get("/areas")
        if response.status_code != 200:
            return []
        items = response.json().get("items", [])
    return [str(a["name"]) for a in items if "name" in a]


async def _works(port: int, token: str, endpoint: Endpoint, rng: random.Random) -> str | None:
    """None if one request of this kind succeeds; else why it is left out of the mix."""
    target, body = endpoint.make(rng)
    headers = {"Authorization": f"Bearer {token}", "X-Reason": "mixed load benchmark trial"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
        if body is None:
            response = await client.get(target)
        else:
            response = await client.post(
                target, content=body, headers={"Content-Type": "application/json"}
            )
    ok = response.status_code < 300 or (endpoint.method == "GET" and response.status_code == 404)
    return None if ok else f"{response.status_code} {response.text[:200]}"


async def _logged_request_ids(url: str, run_id: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT DISTINCT metadata->>'correlation_id' AS id FROM events"
            " WHERE metadata->>'correlation_id' LIKE $1",
            f"{run_id}-%",
        )
    finally:
        await conn.close()
    return {r["id"] for r in rows}


def _ok(endpoint: Endpoint, status: int) -> bool:
    # A read of a trust with no indicators yet is a proper 404 answer, not an error.
    return status < 300 or (endpoint.method == "GET" and status == 404)


def _summarise(run: MixedRun, endpoints: list[Endpoint]) -> dict[str, Any]:
    by_label = {e.label: e for e in endpoints}
    per_endpoint: dict[str, Any] = {}
    all_latencies: list[float] = []
    ok_total = 0
    for label, latencies in run.latencies_ms.items():
        statuses = run.statuses[label]
        ok = sum(n for s, n in statuses.items() if _ok(by_label[label], s))
        ok_total += ok
        all_latencies.extend(latencies)
        per_endpoint[label] = {
            "requests": len(latencies),
            "rps": round(ok / run.seconds, 1),
            "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "statuses": {str(s): n for s, n in sorted(statuses.items())},
        }
    return {
        "rps": ok_total / run.seconds,
        "p50_ms": percentile(all_latencies, 50),
        "p99_ms": percentile(all_latencies, 99),
        "errors": len(all_latencies) - ok_total,
        "endpoints": per_endpoint,
    }


async def _import_register(url: str, settings: Settings, schools: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="st-bench-mixed-"))
    progress(f"mixed load: writing and importing a synthetic GIAS set ({schools:,} schools)")
    files = write_sample(folder, schools=schools, seed=2031)
    gias = GiasFiles(
        files.establishments, files.groups, files.group_links, files.establishment_links
    )
    pool = await create_pool(url, settings, max_size=4)
    try:
        await import_gias(EventStore(pool, all_contracts()), gias, actor="bench")
    finally:
        await pool.close()
    # The registry's read models at once; the other services' consumers catch up on start.
    await rebuild(url, settings)


async def run_mixed(
    admin_url: str, sizes: MixedSizes, add: Callable[[str, float, str, int, int], None]
) -> dict[str, Any]:
    """The mixed load, ``sizes.repeats`` times, then the restart fault; headline samples go
    to ``add`` (mixed_load_rps, mixed_load_p99_ms, lost_acknowledged_writes)."""
    n = sizes.repeats
    url = await dbutil.create_database(admin_url)
    settings = Settings(environment="test", database_url=url, jwt_secret=SECRET)
    token = issue_token(settings, roles=list(Role), subject="bench-mixed")
    details: dict[str, Any] = {
        "schools": sizes.schools,
        "clients": sizes.clients,
        "seconds": sizes.load_seconds,
        "client": "bench.http_load.mixed_load (keep-alive, one connection per client per service)",
    }
    try:
        await _import_register(url, settings, sizes.schools)
        async with contextlib.AsyncExitStack() as stack:
            ports = {
                service: await stack.enter_async_context(service_server(service, url, settings))
                for service in ("registry", "assessment", "commissioning")
            }
            progress("mixed load: waiting for every service's consumers to catch up")
            await _caught_up(ports)
            targets = await _targets(url, settings)
            targets = _Targets(
                targets.urns, targets.uids, await _areas(ports["commissioning"], token)
            )
            trial_id = f"mixed-trial-{uuid.uuid4().hex[:6]}"
            endpoints = []
            left_out: dict[str, str] = {}
            rng = random.Random(1)
            for e in _mix(await _served_paths(ports), targets, trial_id):
                why = await _works(ports[e.service], token, e, rng)
                if why is None:
                    endpoints.append(e)
                else:
                    left_out[e.label] = why
            details["endpoints"] = {e.label: e.weight for e in endpoints}
            details["left_out"] = left_out
            progress(f"mixed load: {len(endpoints)} endpoints; left out: {sorted(left_out)}")

            cum_weights = list(itertools.accumulate(e.weight for e in endpoints))

            def pick(r: random.Random) -> Call:
                e = r.choices(endpoints, cum_weights=cum_weights)[0]
                target, body = e.make(r)
                return Call(e.label, ports[e.service], e.method, target, body)

            # One unmeasured run first: connection pools, statement caches, the page cache.
            await mixed_load(
                "127.0.0.1",
                token,
                pick,
                clients=sizes.clients,
                seconds=sizes.load_seconds / 2,
                run_id=f"mixed-warm-{uuid.uuid4().hex[:6]}",
            )
            runs = []
            lost_total = 0
            for rep in range(1, n + 1):
                run_id = f"mixed-{uuid.uuid4().hex[:8]}"
                run = await mixed_load(
                    "127.0.0.1",
                    token,
                    pick,
                    clients=sizes.clients,
                    seconds=sizes.load_seconds,
                    run_id=run_id,
                )
                summary = _summarise(run, endpoints)
                logged = await _logged_request_ids(url, run_id)
                acknowledged = set(run.acknowledged_writes)
                summary["writes"] = {
                    "sent": run.writes_sent,
                    "acknowledged": len(acknowledged),
                    "acknowledged_in_log": len(acknowledged & logged),
                    "in_log_unacknowledged": len(logged - acknowledged),
                }
                lost = len(acknowledged - logged)
                lost_total += lost
                add("mixed_load_rps", summary["rps"], "req/s", rep, n)
                add("mixed_load_p99_ms", summary["p99_ms"], "ms", rep, n)
                runs.append(summary)
            details["runs"] = runs
            # Without a fault every acknowledged write must be in the log too.
            details["lost_acknowledged_writes_without_fault"] = lost_total
    finally:
        await dbutil.drop_database(admin_url, url)
    if sizes.fault:
        details["restart_fault"] = await _restart_fault(add)
    return details


async def _restart_fault(add: Callable[[str, float, str, int, int], None]) -> dict[str, Any]:
    from tests.faults.embedded import EmbeddedPostgres
    from tests.faults.restart import STOPS, run_restart_scenario

    progress(f"restart fault: registry writes while PostgreSQL stops ({', '.join(STOPS)})")
    pg = await asyncio.to_thread(EmbeddedPostgres.start)
    try:
        outcome = await run_restart_scenario(pg, SECRET)
    finally:
        await asyncio.to_thread(pg.close)
    summary: dict[str, Any] = dict(outcome.summary())
    summary["service_recovered_without_restart"] = outcome.service_pid_unchanged
    add("lost_acknowledged_writes", float(len(outcome.lost)), "writes", 1, 1)
    return summary
