"""The audit worker: the sealer (the global hash chain) and the audit index, as the audit role.

It appends nothing and reads every service's events; only it may write the seals and the
index. In development and tests every process runs it (one instance of each consumer is
active at a time); in production only where STRONGTRUSTS_AUDIT_DATABASE_URL is given, which
docker-compose does for its audit worker alone.
"""

from __future__ import annotations

from shared.audit.index import AuditIndex
from shared.eventlog.contracts import EventRegistry
from shared.eventlog.runtime import EventLogRuntime
from shared.eventlog.sealer import Sealer
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
