"""The registry service's app: ``create_app(settings)``."""

from __future__ import annotations

import dataclasses
from collections.abc import Coroutine
from typing import Any

from fastapi import FastAPI

from services.registry import imports_api, register_api
from services.registry.api import ROUTERS
from services.registry.feeds import api as feeds_api
from services.registry.feeds.projection import feeds_projection
from services.registry.feeds.sources import (
    FeedSource,
    drift_limits,
    feed_sources,
    feeds_dir,
    fetch_policy,
)
from services.registry.feeds.worker import FeedWorker
from services.registry.policy_book import POLICIES
from services.registry.projections import registry_projection
from services.registry.stuck import api as stuck_api
from services.registry.transfers.clock import Clock, EnglandClock
from services.registry.transfers.consumer import transfers_consumer
from services.registry.transfers.scheduler import TransferScheduler
from shared.app import ServiceSpec, create_service_app
from shared.contracts import all_contracts
from shared.eventlog.runtime import EventLogRuntime
from shared.settings import Settings, get_settings

SPEC = ServiceSpec(
    name="registry",
    title="strongtrusts registry",
    description="Registry: schools, trusts and who runs which school. Every write is an event in the shared append-only log.",
    registry=all_contracts(),
    routers=(
        *ROUTERS,
        register_api.router,
        imports_api.router,
        feeds_api.router,
        stuck_api.router,
    ),
    consumers=lambda: [registry_projection(), transfers_consumer(), feeds_projection()],
    policies=POLICIES,
    # A GIAS snapshot handed in over HTTP runs to tens of megabytes.
    body_limit_overrides={"/imports/gias": imports_api.MAX_UPLOAD_BYTES},
)


def create_app(
    settings: Settings | None = None, *, url: str | None = None, clock: Clock | None = None
) -> FastAPI:
    """Build the registry app; it connects when its lifespan starts.

    ``clock`` says what day it is for approved transfers (England's date unless given).
    """
    the_clock = clock or EnglandClock()
    the_settings = settings or get_settings()
    # Read here, so a schedule that cannot be read stops the start, not the first pull.
    sources = feed_sources(the_settings)

    def background(runtime: EventLogRuntime) -> list[Coroutine[Any, Any, None]]:
        scheduler = TransferScheduler(
            runtime.store, runtime.url, the_clock, poll_interval_s=runtime.settings.poll_interval_s
        )
        jobs = [scheduler.run()]
        if sources:
            jobs.append(feed_worker(runtime, sources).run())
        return jobs

    spec = dataclasses.replace(SPEC, background=background)
    return create_service_app(spec, the_settings, url=url)


def feed_worker(runtime: EventLogRuntime, sources: list[FeedSource]) -> FeedWorker:
    """The feed worker of a running registry, configured from its settings."""
    settings = runtime.settings
    return FeedWorker(
        runtime.store,
        runtime.url,
        sources,
        feeds_dir(settings),
        limits=drift_limits(settings),
        policy=fetch_policy(settings),
        timeout_s=settings.feeds_timeout_s,
        signals=runtime.signals,
    )
