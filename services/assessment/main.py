"""The assessment service's app: ``create_app(settings)``."""

from __future__ import annotations

from fastapi import FastAPI

from services.assessment.api import ROUTERS
from services.assessment.indicators import indicators_projection
from services.assessment.indicators import router as indicators_router
from services.assessment.projections import assessment_projection
from shared.app import ServiceSpec, create_service_app
from shared.contracts import all_contracts
from shared.settings import Settings, get_settings

SPEC = ServiceSpec(
    name="assessment",
    title="strongtrusts assessment",
    description="Assessment: five-pillar trust evidence and judgements, with no overall grade. Every write is an event in the shared append-only log.",
    registry=all_contracts(),
    routers=(*ROUTERS, indicators_router),
    consumers=lambda: [assessment_projection(), indicators_projection()],
)


def create_app(settings: Settings | None = None, *, url: str | None = None) -> FastAPI:
    """Build the assessment app; it connects when its lifespan starts."""
    return create_service_app(SPEC, settings or get_settings(), url=url)
