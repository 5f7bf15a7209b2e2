"""The assessment service's app: ``create_app(settings)``."""

from __future__ import annotations

from fastapi import FastAPI

from shared.app import ServiceSpec, create_service_app
from shared.contracts import all_contracts
from shared.settings import Settings, get_settings

SPEC = ServiceSpec(
    name="assessment",
    title="strongtrusts assessment",
    description="Assessment: five-pillar trust evidence and judgements. Every write is an event in the shared append-only log.",
    registry=all_contracts(),
)


def create_app(settings: Settings | None = None, *, url: str | None = None) -> FastAPI:
    """Build the assessment app; it connects when its lifespan starts."""
    return create_service_app(SPEC, settings or get_settings(), url=url)
