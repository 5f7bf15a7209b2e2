"""The app factory every service is built with: one lifecycle, one error shape, one health."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from shared import migrate
from shared.audit.worker import audit_runtime
from shared.authority.table import AUTHORITY
from shared.authority.tables import AuthorityTables
from shared.contracts.policy import PolicyVersionFields
from shared.db import base_url
from shared.eventlog.contracts import EventRegistry
from shared.eventlog.runtime import EventLogRuntime
from shared.eventlog.status import horizon_status, subscription_statuses
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import Consumer
from shared.http import metrics
from shared.http.middleware import RequestContextMiddleware
from shared.http.problems import install_problem_handlers
from shared.http.writes import mark_if_match_required, read_after
from shared.policy.book import PolicyBook
from shared.policy.store import seed as seed_policies
from shared.policy.store import versions as policy_versions
from shared.publisher.worker import publisher_runtime
from shared.settings import ServiceName, Settings

log = logging.getLogger(__name__)


@dataclass
class ServiceSpec:
    """What makes a service itself: its name, its event contracts, routes and consumers."""

    name: ServiceName
    title: str
    description: str
    registry: EventRegistry
    routers: Sequence[APIRouter] = ()
    consumers: Callable[[], Sequence[Consumer]] = lambda: ()
    # Long-running tasks beside the consumers (a scheduler, say), given the started event
    # log; they run until the app stops and are cancelled before the consumers.
    background: Callable[[EventLogRuntime], Sequence[Coroutine[Any, Any, None]]] = lambda _: ()
    body_limit_overrides: dict[str, int] = field(default_factory=dict)
    # The service's policies, as data: served under /policies, and any version shipped as
    # a seed file and not yet in the log published when the service starts.
    policies: PolicyBook | None = None


async def _logged(job: Coroutine[Any, Any, None]) -> None:
    try:
        await job
    except Exception:  # a background task must not fail unseen
        log.exception("background task of the service stopped")


def _operation_id(route: APIRoute) -> str:
    # Stable, readable ids for generated SDKs: "<tag>-<function name>".
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_service_app(
    spec: ServiceSpec,
    settings: Settings,
    *,
    url: str | None = None,
    runtime: Callable[[str], EventLogRuntime] | None = None,
) -> FastAPI:
    """Build a service's app; nothing connects until the lifespan starts.

    It runs as the service's own database role. ``runtime`` replaces that with another event
    log runtime, given the database URL: the platform's own tests serve test events with it.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        base = url or base_url(settings, spec.name)
        own = (
            runtime(base)
            if runtime is not None
            else EventLogRuntime(base, settings, spec.registry, spec.consumers(), owner=spec.name)
        )
        # The sealer and the audit index run as the audit role, wherever its credentials
        # are: every process in development, the audit worker alone in production.
        audit = audit_runtime(base, settings, spec.registry)
        # Every event out to NATS JetStream, where a NATS URL is configured.
        publisher = publisher_runtime(base, settings, spec.registry)
        runtimes = [own, *(r for r in (audit, publisher) if r is not None)]
        for each in runtimes:
            await each.start()
        if spec.policies is not None:
            await seed_policies(own.store, spec.policies)
        app.state.authority = await _authority_tables(app, spec, own.store, settings)
        app.state.runtime = own
        app.state.runtimes = runtimes
        tasks = [asyncio.create_task(_logged(job)) for job in spec.background(own)]
        # Everything built so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise show up as pauses in request latency.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for each in reversed(runtimes):
                await each.stop()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.service = spec.name
    # Who may do what: the service's authority table, read when the lifespan starts.
    app.state.authority = None
    app.add_middleware(
        RequestContextMiddleware,
        service=spec.name,
        max_body_bytes=settings.max_request_bytes,
        body_limit_overrides=spec.body_limit_overrides,
    )
    install_problem_handlers(app)
    _describe_uploads_as_binary(app)
    _describe_headers(app)
    app.include_router(health_router)
    routers = [*spec.routers]
    if spec.policies is not None:
        # Imported here: the policy routes take their dependencies from this module.
        from shared.policy.api import policy_router

        routers.append(policy_router(spec.policies))
    for router in routers:
        # Any route waits for a place in the log when asked to (read-your-writes).
        app.include_router(router, dependencies=[Depends(read_after)])
    return app


async def _authority_tables(
    app: FastAPI, spec: ServiceSpec, store: EventStore, settings: Settings
) -> AuthorityTables | None:
    """The service's authority table, cached; None when its book keeps none (then every
    route naming a step answers 503: nothing can be authorised without one)."""
    # Imported here: the steps kit takes its dependencies from this module.
    from shared.http.steps import steps_of

    book = spec.policies
    if book is None or AUTHORITY not in book.kinds:
        return None

    async def read() -> list[PolicyVersionFields]:
        return await policy_versions(store, book, AUTHORITY)

    tables = AuthorityTables(read, refresh_s=settings.authority_refresh_s, service=spec.name)
    # A route whose step the table in force does not name is refused to everybody: say so
    # when the service starts, not when someone first meets it.
    versions = await tables.versions()
    if versions:
        named = set(max(versions, key=lambda v: (v.effective_from, v.number)).table.steps)
        for route in app.routes:
            if isinstance(route, APIRoute):
                for missing in sorted(set(steps_of(route)) - named):
                    log.error(
                        "route %s %s takes step %s, which no row names",
                        route.methods,
                        route.path,
                        missing,
                    )
    return tables


def _describe_headers(app: FastAPI) -> None:
    """Document If-Match as required where routes take it (see ``shared.http.writes``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            mark_if_match_required(build())
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def _describe_uploads_as_binary(app: FastAPI) -> None:
    """Document file uploads as ``format: binary`` besides ``contentMediaType``.

    FastAPI writes OpenAPI 3.1's ``contentMediaType`` only; SDK generators (openapi-python-
    client among them) recognise a file by ``format: binary`` and otherwise send a string
    with no filename, which the route refuses.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _mark_binary(build())
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def _mark_binary(node: Any) -> None:
    if isinstance(node, dict):
        if (
            node.get("type") == "string"
            and node.get("contentMediaType") == "application/octet-stream"
        ):
            node["format"] = "binary"
        for value in node.values():
            _mark_binary(value)
    elif isinstance(node, list):
        for value in node:
            _mark_binary(value)


# Dependencies are async on purpose: FastAPI runs a plain ``def`` dependency in a thread
# pool, which costs more than the work itself on every request.
async def get_runtime(request: Request) -> EventLogRuntime:
    """The running event log of this app."""
    runtime: EventLogRuntime = request.app.state.runtime
    return runtime


async def get_store(request: Request) -> EventStore:
    """The event store of this app."""
    runtime: EventLogRuntime = request.app.state.runtime
    return runtime.store


RuntimeDep = Annotated[EventLogRuntime, Depends(get_runtime)]
StoreDep = Annotated[EventStore, Depends(get_store)]

health_router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Liveness: the process is up."""

    status: str


@health_router.get("/healthz", response_model=Health, summary="Is the process up")
async def healthz() -> Health:
    """Liveness only: answers without touching the database."""
    return Health(status="ok")


@health_router.get(
    "/readyz",
    summary="Can the service do its work",
    response_model=None,
    # Not ready is an answer, not an error: the same body, saying which check fails.
    responses={503: {"description": "Not ready", "content": {"application/json": {"schema": {}}}}},
)
async def readyz(request: Request) -> JSONResponse:
    """Database reachable, schema at head, consumers running and their lag, horizon lag."""
    runtimes: list[EventLogRuntime] = request.app.state.runtimes
    checks: dict[str, Any] = {}
    statuses: list[Any] = []
    try:
        for runtime in runtimes:
            assert runtime.pool is not None
            async with runtime.pool.acquire(timeout=2) as conn:
                if runtime is runtimes[0]:
                    revision = await migrate.current_revision(conn)
                    head = migrate.head_revision()
                    checks["database"] = {"ok": True}
                    checks["migrations"] = {
                        "ok": revision == head,
                        "current": revision,
                        "head": head,
                    }
                    horizon = await horizon_status(conn)
                    checks["horizon"] = {
                        "events_behind": horizon.events_behind,
                        "oldest_writer_seconds": round(horizon.oldest_writer_seconds, 3),
                    }
                statuses.extend(await subscription_statuses(conn))
    except Exception as exc:  # the database is down or unreachable: not ready
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        return JSONResponse({"status": "not_ready", "checks": checks}, status_code=503)
    ready = checks["migrations"]["ok"]
    _record_metrics(horizon.events_behind, horizon.oldest_writer_seconds, statuses)
    stored = {s.name: s for s in statuses}
    consumers: dict[str, dict[str, Any]] = {}
    for runtime in runtimes:
        for name, runner in runtime.runners.items():
            # "standby": another process holds this consumer; "starting": it has not run yet.
            entry: dict[str, Any] = {"active_here": runner.active.is_set()}
            status = stored.get(name)
            if status is None:
                entry["status"] = "starting"
            else:
                entry.update(status=status.status, lag_events=status.lag_events)
                if status.status == "failed":
                    entry.update(failed_position=status.failed_position, error=status.last_error)
                elif status.status == "waiting":
                    # Its destination is unreachable: shown, but the service still serves.
                    entry.update(error=status.last_error)
            if runner.stopped_by_failure is not None or entry["status"] == "failed":
                ready = False
            consumers[name] = entry
    checks["consumers"] = consumers
    checks["listening"] = runtimes[0].signals.listening
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )


@health_router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_model=None,
    response_class=PlainTextResponse,  # documents the text exposition, not JSON
)
async def metrics_endpoint(request: Request) -> Any:
    """Prometheus text exposition, with the event-log gauges refreshed."""
    runtimes: list[EventLogRuntime] = request.app.state.runtimes
    try:
        statuses: list[Any] = []
        horizon = None
        for runtime in runtimes:
            if runtime.pool is None:
                continue
            if horizon is None:
                horizon = await horizon_status(runtime.pool)
            statuses.extend(await subscription_statuses(runtime.pool))
        if horizon is not None:
            _record_metrics(horizon.events_behind, horizon.oldest_writer_seconds, statuses)
    except Exception:  # metrics must answer even when the database does not
        pass
    return metrics.metrics_response()


def _record_metrics(behind: int, held: float, statuses: Sequence[Any]) -> None:
    metrics.EVENTLOG_EVENTS_BEHIND_HORIZON.set(behind)
    metrics.EVENTLOG_HORIZON_HELD_SECONDS.set(held)
    for s in statuses:
        metrics.SUBSCRIPTION_LAG_EVENTS.labels(subscription=s.name).set(s.lag_events)
        metrics.SUBSCRIPTION_FAILED.labels(subscription=s.name).set(
            1 if s.status == "failed" else 0
        )
        metrics.SUBSCRIPTION_WAITING.labels(subscription=s.name).set(
            1 if s.status == "waiting" else 0
        )
