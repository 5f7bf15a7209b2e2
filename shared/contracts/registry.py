"""Events the registry service publishes. Contracts arrive with the service's own issue."""

from __future__ import annotations

from shared.eventlog.contracts import EventRegistry

contracts = EventRegistry()
