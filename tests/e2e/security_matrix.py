"""Who may call what, generated: the steps the routes name, read against the authority tables.

Nothing here is declared by hand. Every service's routes are enumerated from its app (built,
never started); each names its step (``shared.http.steps``), and the step's row in the
service's seeded authority table (``services/<service>/policies/authority/v1.json``) says
which roles may take it and where (``resource``: where the resource is; ``national``; or
``any``). README.md shows the same tables (``markdown_table``), checked by a test. A route that names no step, or a step with no row, fails the tests: a new endpoint
cannot ship without someone deciding who may call it, in the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from services.assessment.main import create_app as assessment_app
from services.commissioning.main import create_app as commissioning_app
from services.registry import main as registry_main
from shared.authority.roles import Role
from shared.authority.table import AuthorityTable, StepRule, authority_markdown
from shared.http.steps import steps_of
from shared.settings import PROJECT_ROOT, Settings
from tests.conftest import TEST_SECRET

Service = str
RouteKey = tuple[Service, str, str]  # (service, method, path template)
SERVICES = ("registry", "assessment", "commissioning")

# Answer without a token: liveness, readiness, metrics, and the API documents.
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def factories() -> dict[str, Callable[..., FastAPI]]:
    """Each service's app factory."""
    return {
        "registry": registry_main.create_app,
        "assessment": assessment_app,
        "commissioning": commissioning_app,
    }


def seed_table(service: str) -> AuthorityTable:
    """The service's authority table as shipped: its newest seed file."""
    folder = PROJECT_ROOT / f"services/{service}/policies/authority"
    newest = max(folder.glob("v*.json"), key=lambda p: int(p.stem.removeprefix("v")))
    return AuthorityTable.model_validate(json.loads(newest.read_text("utf-8"))["document"])


@dataclass(frozen=True)
class Route:
    """One operation of one service: its path parameters and the steps it names."""

    service: str
    method: str
    path: str
    params: tuple[tuple[str, Any], ...]  # (name, ModelField)
    steps: tuple[str, ...]

    @property
    def key(self) -> RouteKey:
        return (self.service, self.method, self.path)

    @property
    def rule(self) -> StepRule:
        """The row of the route's one step in the seeded table (AssertionError if none)."""
        assert len(self.steps) == 1, f"{self.key} names steps {self.steps}, not exactly one"
        rule = seed_table(self.service).base(self.steps[0])
        assert rule is not None, f"{self.key}: step {self.steps[0]} has no row in the table"
        return rule


def _app_routes(service: str, app: FastAPI) -> tuple[list[Route], list[str]]:
    """The app's API operations, and the paths of any plain (non-API) routes."""
    routes: list[Route] = []
    plain: list[str] = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute):
            plain.append(str(getattr(route, "path", "?")))
            continue
        params = tuple((p.name, p) for p in ctx.dependant.path_params)
        steps = tuple(steps_of(route))
        for method in sorted(ctx.methods or ()):
            routes.append(Route(service, method, str(ctx.path), params, steps))
    return routes, plain


def _offline_routes() -> tuple[list[Route], dict[str, list[str]]]:
    """Every service's routes, from apps that are built but never started."""
    settings = Settings(environment="test", jwt_secret=TEST_SECRET)
    routes: list[Route] = []
    plain: dict[str, list[str]] = {}
    for service, factory in factories().items():
        found, plain[service] = _app_routes(service, factory(settings, url="postgresql://x/y"))
        routes.extend(found)
    return routes, plain


ALL_ROUTES, PLAIN_ROUTES = _offline_routes()
GUARDED = [r for r in ALL_ROUTES if r.path not in PUBLIC_PATHS]
WRITES = [r for r in GUARDED if r.method in WRITE_METHODS]
READS = [r for r in GUARDED if r.method not in WRITE_METHODS]


def _roles(routes: list[Route]) -> dict[RouteKey, frozenset[Role]]:
    out: dict[RouteKey, frozenset[Role]] = {}
    for route in routes:
        try:
            out[route.key] = frozenset(route.rule.roles)
        except AssertionError:
            continue  # test_every_route_names_one_step_with_a_row says which, and fails
    return out


WRITE_ROLES = _roles(WRITES)
READ_ROLES = _roles(READS)


def markdown_table() -> str:
    """The roles x scopes x steps table of every service, as README.md shows it."""
    return authority_markdown([seed_table(service) for service in SERVICES])
