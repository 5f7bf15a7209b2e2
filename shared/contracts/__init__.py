"""Published event contracts, one module per publishing service, so no service imports another."""

from __future__ import annotations

from shared.contracts import assessment, commissioning, registry
from shared.eventlog.contracts import EventRegistry


def all_contracts() -> EventRegistry:
    """Every published contract: services read each other's events through these."""
    combined = EventRegistry()
    for module in (registry, assessment, commissioning):
        combined.merge(module.contracts)
    return combined
