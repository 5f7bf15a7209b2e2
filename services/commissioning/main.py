"""The commissioning service's app: ``create_app(settings)``."""

from __future__ import annotations

from fastapi import FastAPI

from services.commissioning import api
from services.commissioning.area_plans.api import router as area_plan_router
from services.commissioning.assessment_requests.api import router as assessment_request_router
from services.commissioning.boards import api as boards_api
from services.commissioning.boards.projection import boards_projection
from services.commissioning.candidates.constraints_api import router as constraints_router
from services.commissioning.candidates.service import keep_warm
from services.commissioning.concerns import api as concerns_api
from services.commissioning.concerns.projection import concerns_projection
from services.commissioning.deadlines import api as deadlines_api
from services.commissioning.decisions.api import router as decision_record_router
from services.commissioning.delegations import api as delegations_api
from services.commissioning.interventions import api as interventions_api
from services.commissioning.knowledge import knowledge_projection
from services.commissioning.policy_book import POLICIES as POLICIES
from services.commissioning.projections import cases_projection
from services.commissioning.projects.api import router as project_router
from services.commissioning.register.api import router as register_router
from services.commissioning.school_interventions import api as school_interventions_api
from services.commissioning.school_interventions.projection import (
    school_interventions_projection,
)
from services.commissioning.significant_changes.api import router as significant_change_router
from services.commissioning.trust_interventions import api as trust_interventions_api
from services.commissioning.trust_interventions.projection import (
    trust_interventions_projection,
)
from shared.app import ServiceSpec, create_service_app
from shared.audit import api as audit_api
from shared.contracts import all_contracts
from shared.settings import Settings, get_settings

SPEC = ServiceSpec(
    name="commissioning",
    title="strongtrusts commissioning",
    description="Commissioning: cases, shortlists, decisions, transfers and interventions. Every write is an event in the shared append-only log.",
    registry=all_contracts(),
    # The cross-service audit API lives here, beside the decisions it exists to explain.
    routers=(
        api.router,
        constraints_router,
        decision_record_router,
        project_router,
        interventions_api.router,
        school_interventions_api.router,
        trust_interventions_api.router,
        concerns_api.router,
        boards_api.router,
        boards_api.case_router,
        register_router,
        assessment_request_router,
        significant_change_router,
        deadlines_api.router,
        delegations_api.router,
        area_plan_router,
        audit_api.router,
    ),
    consumers=lambda: [
        knowledge_projection(),
        cases_projection(),
        school_interventions_projection(),
        trust_interventions_projection(),
        concerns_projection(),
        boards_projection(),
    ],
    policies=POLICIES,
    # The shortlists' trust profiles, loaded from start-up on rather than by the first request.
    background=lambda runtime: [keep_warm(runtime.store.pool)],
)


def create_app(settings: Settings | None = None, *, url: str | None = None) -> FastAPI:
    """Build the commissioning app; it connects when its lifespan starts."""
    return create_service_app(SPEC, settings or get_settings(), url=url)
