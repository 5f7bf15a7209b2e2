"""The registry service's app: ``create_app(settings)``."""

from __future__ import annotations

from fastapi import FastAPI

from services.registry import imports_api, register_api
from services.registry.api import ROUTERS
from services.registry.projections import registry_projection
from shared.app import ServiceSpec, create_service_app
from shared.contracts import all_contracts
from shared.settings import Settings, get_settings

SPEC = ServiceSpec(
    name="registry",
    title="strongtrusts registry",
    description="Registry: schools, trusts and who runs which school. Every write is an event in the shared append-only log.",
    registry=all_contracts(),
    routers=(*ROUTERS, register_api.router, imports_api.router),
    consumers=lambda: [registry_projection()],
    # A GIAS snapshot handed in over HTTP runs to tens of megabytes.
    body_limit_overrides={"/imports/gias": imports_api.MAX_UPLOAD_BYTES},
)


def create_app(settings: Settings | None = None, *, url: str | None = None) -> FastAPI:
    """Build the registry app; it connects when its lifespan starts."""
    return create_service_app(SPEC, settings or get_settings(), url=url)
