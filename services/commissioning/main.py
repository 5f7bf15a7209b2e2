"""The commissioning service's app: ``create_app(settings)``."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI

from services.commissioning import api, delegations_api, interventions_api
from services.commissioning.area_plans.api import router as area_plan_router
from services.commissioning.candidates.service import keep_warm
from services.commissioning.knowledge import knowledge_projection
from services.commissioning.projections import cases_projection
from shared.app import ServiceSpec, create_service_app
from shared.audit import api as audit_api
from shared.authority.table import AUTHORITY, AUTHORITY_KIND
from shared.contracts import all_contracts
from shared.contracts.commissioning import PolicyVersionPublished
from shared.policy.book import PolicyBook
from shared.settings import Settings, get_settings

# The service's policies, as data: its authority table (who may take which step, where),
# seeded from policies/authority/v<N>.json.
POLICIES = PolicyBook(
    service="commissioning",
    contract=PolicyVersionPublished,
    kinds={AUTHORITY: AUTHORITY_KIND},
    seeds=files("services.commissioning").joinpath("policies"),
)

SPEC = ServiceSpec(
    name="commissioning",
    title="strongtrusts commissioning",
    description="Commissioning: cases, shortlists, decisions, transfers and interventions. Every write is an event in the shared append-only log.",
    registry=all_contracts(),
    # The cross-service audit API lives here, beside the decisions it exists to explain.
    routers=(
        api.router,
        interventions_api.router,
        delegations_api.router,
        area_plan_router,
        audit_api.router,
    ),
    consumers=lambda: [knowledge_projection(), cases_projection()],
    policies=POLICIES,
    # The shortlists' trust profiles, loaded from start-up on rather than by the first request.
    background=lambda runtime: [keep_warm(runtime.store.pool)],
)


def create_app(settings: Settings | None = None, *, url: str | None = None) -> FastAPI:
    """Build the commissioning app; it connects when its lifespan starts."""
    return create_service_app(SPEC, settings or get_settings(), url=url)
