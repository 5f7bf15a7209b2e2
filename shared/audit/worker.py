"""The audit worker: the sealer (the global hash chain) and the audit index, as the audit role.

It appends nothing and reads every service's events; only it may write the seals and the
index. In development and tests every process runs it (one instance of each consumer is
active at a time); in production only where STRONGTRUSTS_AUDIT_DATABASE_URL is given, which
docker-compose does for its audit worker alone.
"""

from __future__ import annotations

import asyncio
import signal

from shared.audit.index import AuditIndex
from shared.db import base_url, connect
from shared.eventlog.contracts import EventRegistry
from shared.eventlog.runtime import EventLogRuntime
from shared.eventlog.sealer import Sealer
from shared.eventlog.status import subscription_statuses
from shared.eventlog.subscriptions import Consumer
from shared.settings import Settings


def audit_consumers() -> list[Consumer]:
    """The audit role's consumers."""
    return [Sealer(), AuditIndex()]


def audit_runtime(url: str, settings: Settings, registry: EventRegistry) -> EventLogRuntime | None:
    """The audit worker's runtime, or None where this process has no audit credentials."""
    if settings.environment == "production" and not settings.audit_database_url:
        return None
    return EventLogRuntime(url, settings, registry, audit_consumers(), owner="audit")


async def run_audit_worker(settings: Settings, registry: EventRegistry) -> None:
    """Run the audit consumers as the audit role until SIGTERM or SIGINT, then stop cleanly."""
    runtime = audit_runtime(base_url(settings, "audit"), settings, registry)
    if runtime is None:
        raise RuntimeError("the audit worker needs STRONGTRUSTS_AUDIT_DATABASE_URL in production")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await runtime.start()
    try:
        await stopping.wait()
    finally:
        await runtime.stop()


async def audit_worker_healthy(settings: Settings) -> list[str]:
    """What is wrong with the audit worker's consumers (nothing: healthy)."""
    conn = await connect(base_url(settings, "audit"), settings, as_owner="audit")
    try:
        statuses = {s.name: s for s in await subscription_statuses(conn)}
    finally:
        await conn.close()
    problems = []
    for consumer in audit_consumers():
        status = statuses.get(consumer.name)
        if status is None:
            problems.append(f"{consumer.name} has not started")
        elif status.status == "failed":
            problems.append(
                f"{consumer.name} stopped at {status.failed_position}: {status.last_error}"
            )
    return problems
