"""The assessment service's app: ``create_app(settings)``."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI

from services.assessment.api import ROUTERS
from services.assessment.indicators import indicators_projection
from services.assessment.indicators import router as indicators_router
from services.assessment.projections import assessment_projection
from services.assessment.requests import assessment_requests_consumer
from shared.app import ServiceSpec, create_service_app
from shared.authority.table import AUTHORITY, AUTHORITY_KIND
from shared.contracts import all_contracts
from shared.contracts.assessment import PolicyVersionPublished
from shared.policy.book import PolicyBook
from shared.settings import Settings, get_settings

# The service's policies, as data: its authority table (who may take which step, where),
# seeded from policies/authority/v<N>.json.
POLICIES = PolicyBook(
    service="assessment",
    contract=PolicyVersionPublished,
    kinds={AUTHORITY: AUTHORITY_KIND},
    seeds=files("services.assessment").joinpath("policies"),
)

SPEC = ServiceSpec(
    name="assessment",
    title="strongtrusts assessment",
    description="Assessment: five-pillar trust evidence and judgements, with no overall grade. Every write is an event in the shared append-only log.",
    registry=all_contracts(),
    routers=(*ROUTERS, indicators_router),
    consumers=lambda: [
        assessment_projection(),
        indicators_projection(),
        assessment_requests_consumer(),
    ],
    policies=POLICIES,
)


def create_app(settings: Settings | None = None, *, url: str | None = None) -> FastAPI:
    """Build the assessment app; it connects when its lifespan starts."""
    return create_service_app(SPEC, settings or get_settings(), url=url)
