"""Property-based API tests: every service, in process, against the OpenAPI it serves.

The bar (issue 6): no 5xx, and every response conforms to the document: a documented status
code, content type and headers, and a body matching the schema. Valid and invalid inputs
are both generated; invalid ones must be refused with a documented 4xx.

Each operation gets a few examples of each kind and no shrinking, so a run stays bounded
however many routes the services grow; every operation's failure is collected and reported
together (route, the request as curl, and what was wrong).

schemathesis' own pytest integration (``schemathesis.pytest.from_fixture``) does not run
under pytest 9, and would restart the app's lifespan for every operation; the operations are
driven here instead, one app lifespan per service.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, cast

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.http.auth import Role, issue_token
from shared.serve import load_app
from shared.settings import Settings
from tests.fuzz.conftest import SERVICES

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 8
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    # Generate and check; shrinking a failure costs more time than the whole run.
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck),
)


@pytest.fixture
def service_app(
    request: pytest.FixtureRequest, fuzz_settings: Settings, fuzz_database: str
) -> Iterator[FastAPI]:
    app = load_app(request.param, fuzz_settings, fuzz_database)
    try:
        yield app
    finally:
        # schemathesis runs the app, lifespan and all, on an event loop thread of its own.
        asgi.shutdown_lifespans()


def _fuzz(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: schemathesis.GenerationMode,
    token: str,
) -> None:
    @SETTINGS
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()


def _brief(exc: BaseException) -> str:
    # Generated inputs can be kilobytes of one character; the gist is what is needed.
    lines = [line[:300] for line in str(exc).splitlines() if line.strip()]
    return "\n".join(lines[:30])


@pytest.mark.parametrize("service_app", SERVICES, indirect=True)
def test_every_response_conforms_and_nothing_is_a_server_error(
    service_app: FastAPI, fuzz_settings: Settings
) -> None:
    schema = schemathesis.openapi.from_dict(service_app.openapi())
    schema.app = service_app
    token = issue_token(fuzz_settings, roles=list(Role), subject="fuzzer")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(
                f"--- an operation the document does not describe usably: {result.err()}"
            )
            continue
        operation = result.ok()
        operations += 1
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, token)
            except hypothesis.errors.Unsatisfiable:
                continue  # nothing invalid can be sent (no parameters, no body)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"--- {operation.label} ({mode.value} data)\n{_brief(exc)}")
    assert operations >= 3  # health, readiness and metrics at least
    assert not failures, f"{len(failures)} failing operations:\n" + "\n".join(failures)
    # Whatever the fuzzer wrote was accepted, so the service's consumers must take it too:
    # a write that the API accepts and a projection then refuses stops that projection.
    _assert_ready_once_consumers_settle(service_app)


def _assert_ready_once_consumers_settle(app: FastAPI, timeout_s: float = 20.0) -> None:
    """Wait (this test is synchronous) until each consumer has caught up or failed; then the
    service must be ready."""
    deadline = time.monotonic() + timeout_s
    with asgi.get_client(cast(Any, app)) as client:
        while True:
            body = client.get("/readyz").json()
            consumers = body["checks"].get("consumers", {}).values()
            if all(c.get("status") == "failed" or c.get("lag_events") == 0 for c in consumers):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"consumers did not settle: {body}")
            time.sleep(0.05)
        ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
