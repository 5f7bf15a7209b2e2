"""Decision to transfer: from an approved decision's commit to the school in its new trust.

The registry runs as a live uvicorn process (its read-model projection, its transfers
consumer and its scheduler, on England's real date). This process writes what commissioning
writes when a decision is approved, ``DecisionRecorded`` + ``TransferApproved`` in one
append with the significant date already come (the 1st of this month), and times each one
from the append's commit to the school's ``trust_uid`` changing in ``registry_schools``.
Decisions go one at a time: this is a latency, not a throughput, figure.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from bench.common import median, percentile, progress, service_server
from services.registry.transfers.clock import EnglandClock
from shared.contracts import all_contracts
from shared.contracts.commissioning import DecisionRecorded, TransferApproved
from shared.contracts.registry import (
    SchoolDetails,
    SchoolJoinedTrust,
    SchoolRegistered,
    TrustDetails,
    TrustIncorporated,
)
from shared.db import create_pool, server_settings
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NO_STREAM, NewEvent, StreamAppend
from shared.eventlog.signals import LogSignals
from shared.eventlog.store import EventStore
from shared.settings import Settings
from tests import dbutil

FIRST_URN = 200_000
FIRST_UID = 1_000
# How often the waiting side looks at the read model: the figure's resolution.
POLL_S = 0.002


@dataclass(frozen=True)
class TransferSizes:
    """How much the transfer scenario does."""

    repeats: int = 3
    decisions: int = 100  # timed decisions per repetition
    schools: int = 5_000  # the register behind them
    trusts: int = 500

    @classmethod
    def quick(cls, repeats: int) -> TransferSizes:
        """A smoke test: fewer decisions over a smaller register."""
        return cls(repeats=repeats, decisions=15, schools=500, trusts=50)


async def run_transfers(
    admin_url: str, sizes: TransferSizes, add: Callable[[str, float, str, int, int], None]
) -> dict[str, Any]:
    """Time approved decisions through to the registry's read model; p99 per repetition to ``add``."""
    needed = sizes.repeats * sizes.decisions + 1  # one untimed warm-up decision
    if sizes.schools < needed:
        raise ValueError(f"{sizes.schools} schools cannot take {needed} decisions")
    url = await dbutil.create_database(admin_url)
    settings = Settings(environment="test", database_url=url, jwt_secret="b" * 40)
    signals = LogSignals(url, server_settings=server_settings(settings))
    pool = await create_pool(url, settings, max_size=4)
    details: dict[str, Any] = {
        "decisions_per_repeat": sizes.decisions,
        "schools": sizes.schools,
        "trusts": sizes.trusts,
        "poll_resolution_ms": POLL_S * 1000,
        "p50_ms": [],
        "p99_ms": [],
        "max_ms": [],
    }
    try:
        # Appends here must wake the server's consumers as the services' own appends do.
        await signals.start()
        await asyncio.wait_for(signals.wait_listening(), timeout=10)
        store = EventStore(pool, all_contracts(), on_commit=signals.appended)
        progress(f"registering {sizes.schools:,} schools in {sizes.trusts:,} trusts")
        await _register(store, sizes)
        async with service_server("registry", url, settings):
            await _projected(pool, sizes.schools)
            significant = EnglandClock().today().replace(day=1)
            schools = iter(range(FIRST_URN, FIRST_URN + sizes.schools))
            async with pool.acquire() as conn:

                async def decide() -> float:
                    urn = next(schools)
                    current = await conn.fetchval(
                        "SELECT trust_uid FROM registry_schools WHERE urn = $1", urn
                    )
                    target = FIRST_UID + (current - FIRST_UID + 1) % sizes.trusts
                    return await _one(store, conn, urn, target, significant)

                await decide()  # warm-up: first statements, caches
                n = sizes.repeats
                for rep in range(1, n + 1):
                    samples = [await decide() for _ in range(sizes.decisions)]
                    add("decision_to_transfer_p99_ms", percentile(samples, 99), "ms", rep, n)
                    details["p50_ms"].append(round(median(samples), 2))
                    details["p99_ms"].append(round(percentile(samples, 99), 2))
                    details["max_ms"].append(round(max(samples), 2))
    finally:
        await signals.stop()
        await pool.close()
        await dbutil.drop_database(admin_url, url)
    details["decision_to_transfer_p50_ms"] = median(details["p50_ms"])
    return details


async def _one(
    store: EventStore, conn: asyncpg.Connection, urn: int, target: int, significant: date
) -> float:
    """One approved decision, timed from its commit to the school in ``target`` on the read side."""
    case_id, decision_id = uuid.uuid4().hex, uuid.uuid4().hex
    meta = EventMetadata(
        actor="bench-director", reason="benchmark decision", correlation_id=f"case-{case_id}"
    )
    decided = DecisionRecorded(
        case_id=case_id,
        decision_id=decision_id,
        outcome="approved",
        decided_on=significant,
        decision_maker_name="Bench Director",
        decision_maker_capacity="regional_director_for_region",
        trust_uid=target,
        rationale="Benchmark.",
        significant_date=significant,
    )
    approved = TransferApproved(
        case_id=case_id,
        decision_id=decision_id,
        urns=[urn],
        to_trust_uid=target,
        significant_date=significant,
        kind="transfer",
    )
    await store.append(
        f"case-{case_id}",
        [NewEvent(decided, meta), NewEvent(approved, meta)],
        expected_version=NO_STREAM,
    )
    committed = time.perf_counter()
    deadline = committed + 30
    while (
        await conn.fetchval("SELECT trust_uid FROM registry_schools WHERE urn = $1", urn) != target
    ):
        if time.perf_counter() > deadline:
            raise RuntimeError(f"school {urn} did not reach trust {target} within 30 s")
        await asyncio.sleep(POLL_S)
    return (time.perf_counter() - committed) * 1000


async def _register(store: EventStore, sizes: TransferSizes) -> None:
    meta = EventMetadata(actor="bench", reason="benchmark register")
    on = date(2020, 9, 1)
    appends = [
        StreamAppend(
            f"trust-{uid}",
            [
                NewEvent(
                    TrustIncorporated(
                        uid=uid,
                        details=TrustDetails(
                            name=f"Bench Trust {uid}",
                            trust_type="multi_academy_trust",
                            status="Open",
                        ),
                        effective_on=on,
                    ),
                    meta,
                )
            ],
            NO_STREAM,
        )
        for uid in range(FIRST_UID, FIRST_UID + sizes.trusts)
    ]
    for i in range(sizes.schools):
        urn = FIRST_URN + i
        details = SchoolDetails(
            name=f"Bench School {urn}", la_code="383", la_name="Leeds", status="Open"
        )
        appends.append(
            StreamAppend(
                f"school-{urn}",
                [
                    NewEvent(SchoolRegistered(urn=urn, details=details, effective_on=on), meta),
                    NewEvent(
                        SchoolJoinedTrust(
                            urn=urn,
                            trust_uid=FIRST_UID + i % sizes.trusts,
                            joined_on=on,
                            reason="reported_by_gias",
                        ),
                        meta,
                    ),
                ],
                NO_STREAM,
            )
        )
    for start in range(0, len(appends), 1000):
        await store.append_streams(appends[start : start + 1000])


async def _projected(pool: asyncpg.Pool, schools: int) -> None:
    """Wait until the registry's read model holds every school, each in its trust."""
    deadline = time.perf_counter() + 120
    while (
        await pool.fetchval("SELECT count(*) FROM registry_schools WHERE trust_uid IS NOT NULL")
        < schools
    ):
        if time.perf_counter() > deadline:
            raise RuntimeError("the registry did not project the register within 120 s")
        await asyncio.sleep(0.1)
