"""Prometheus metrics for the HTTP layer and the event log, on one module-level registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.responses import Response

# One registry per process, not the global default: building many apps (tests, several services
# in one process) must not register the same metric twice.
REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by route template and status.",
    ["service", "method", "route", "status"],
    registry=REGISTRY,
)
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from receiving a request to finishing its response.",
    ["service", "method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

EVENTLOG_HORIZON_HELD_SECONDS = Gauge(
    "eventlog_horizon_held_seconds",
    "How long the oldest open writing transaction has held back the readers' horizon.",
    registry=REGISTRY,
)
EVENTLOG_EVENTS_BEHIND_HORIZON = Gauge(
    "eventlog_events_behind_horizon",
    "Committed events that readers cannot see yet because an older transaction is open.",
    registry=REGISTRY,
)
SUBSCRIPTION_LAG_EVENTS = Gauge(
    "subscription_lag_events",
    "Events between a subscription's checkpoint and the head of the log.",
    ["subscription"],
    registry=REGISTRY,
)
SUBSCRIPTION_FAILED = Gauge(
    "subscription_failed",
    "1 while a subscription is stopped on an event it could not process, else 0.",
    ["subscription"],
    registry=REGISTRY,
)

SUBSCRIPTION_WAITING = Gauge(
    "subscription_waiting",
    "1 while a subscription waits for a destination outside the database (NATS), else 0.",
    ["subscription"],
    registry=REGISTRY,
)

METRICS_CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


def metrics_text() -> bytes:
    """The registry in the Prometheus text exposition format 0.0.4."""
    return generate_latest(REGISTRY)


def metrics_response() -> Response:
    """A response carrying the registry's text exposition, for a ``/metrics`` route."""
    return Response(content=metrics_text(), media_type=METRICS_CONTENT_TYPE)
