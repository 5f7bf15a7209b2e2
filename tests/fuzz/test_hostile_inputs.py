"""SQL-injection and path-traversal strings in every path and query parameter of every GET
route of every service: a 4xx or an empty result, never a 5xx, never a leaked traceback.

Routes are read from the OpenAPI document each service serves, so routes added later are
covered without touching this file.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.http.auth import Role, issue_token
from shared.serve import load_app
from shared.settings import Settings
from tests.fuzz.conftest import SERVICES
from tests.integration.helpers import wait_until

HOSTILE = (
    "' OR 1=1--",
    "' OR '1'='1",
    "1 OR 1=1",
    "1;DROP TABLE events",
    "'; DROP TABLE events;--",
    "1' UNION SELECT event_id, data FROM events--",
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f",
    "..\\..\\windows\\win.ini",
    "/etc/passwd\x00.json",
    "%00",
)


@pytest.fixture(params=SERVICES)
async def service(
    request: pytest.FixtureRequest, fuzz_settings: Settings, fuzz_database: str
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = load_app(request.param, fuzz_settings, fuzz_database)
    token = issue_token(fuzz_settings, roles=list(Role), subject="hostile")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            yield app, client


def _harmless(schema: dict[str, Any]) -> str:
    """A plausible value for a parameter that is not the one under attack."""
    for key in ("example", "default"):
        if key in schema:
            return str(schema[key])
    kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
    if "integer" in kinds or "number" in kinds:
        return str(int(schema.get("minimum", 1)))
    return "x"


def _requests(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(route, parameter, URL) for each hostile value in each GET route's parameters."""
    out = []
    for route, item in document["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        params = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
        for target in params:
            for value in HOSTILE:
                path = route
                for p in params:
                    if p["in"] == "path":
                        chosen = value if p is target else _harmless(p.get("schema", {}))
                        path = path.replace("{" + p["name"] + "}", urllib.parse.quote(chosen, ""))
                query = ""
                if target["in"] == "query":
                    query = "?" + urllib.parse.urlencode({target["name"]: value})
                out.append((route, target["name"], path + query))
    return out


def _empty(body: Any) -> bool:
    """No rows: an empty list, or an object whose lists are all empty."""
    if isinstance(body, list):
        return not body
    if isinstance(body, dict):
        return all(not v for v in body.values() if isinstance(v, list))
    return False


async def test_hostile_strings_in_parameters_give_a_4xx_or_nothing(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = service
    document = app.openapi()
    requests = _requests(document)
    bad: list[str] = []
    for route, name, url in requests:
        response = await client.get(url)
        where = f"GET {url} ({route}, parameter {name}) -> {response.status_code}"
        if response.status_code >= 500:
            bad.append(f"{where}: {response.text[:200]}")
        elif "Traceback" in response.text:
            bad.append(f"{where}: a traceback in the body")
        elif response.status_code < 300 and not _empty(response.json()):
            bad.append(f"{where}: rows came back: {response.text[:200]}")
    assert not bad, f"{len(bad)} of {len(requests)} hostile requests:\n" + "\n".join(bad)
    # The DROP TABLE attempts were only strings: the log is still there.
    assert (await client.get("/readyz")).status_code == 200


async def test_the_filters_under_attack_do_return_rows_for_honest_values(
    fuzz_settings: Settings, fuzz_database: str
) -> None:
    """The control for "an empty result": the seeded register answers honest filters."""
    app = load_app("registry", fuzz_settings, fuzz_database)
    token = issue_token(fuzz_settings, roles=[Role.READER], subject="honest")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            for url in ("/schools?status=Open", "/trusts", "/schools"):
                response = await client.get(url)
                assert response.status_code == 200, response.text
                assert not _empty(response.json()), url


def _example_bodies(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, route, example body) of each write that needs no existing resource."""
    schemas = document.get("components", {}).get("schemas", {})
    out = []
    for route, item in document["paths"].items():
        if "{" in route:
            continue
        for method in ("post", "put", "patch"):
            content = item.get(method, {}).get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            ref = schema.get("$ref", "")
            examples = schemas.get(ref.rsplit("/", 1)[-1], {}).get("examples", [])
            if ref and examples and isinstance(examples[0], dict):
                out.append((method.upper(), route, examples[0]))
    return out


async def _consumers_settled(client: httpx.AsyncClient) -> bool:
    body = (await client.get("/readyz")).json()
    consumers = body["checks"].get("consumers", {}).values()
    return all(c.get("status") == "failed" or c.get("lag_events") == 0 for c in consumers)


async def test_out_of_range_integers_in_writes_are_refused_and_stop_no_projection(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """Read models keep integers in PostgreSQL integer columns: a write that accepted 2**31
    would put an event in the log that its projection can never apply."""
    app, client = service
    bad: list[str] = []
    tried = 0
    for method, route, example in _example_bodies(app.openapi()):
        for key, value in example.items():
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            for big in (2**31, 2**63):
                tried += 1
                body = {**example, key: big}
                response = await client.request(
                    method, route, json=body, headers={"X-Reason": "hostile"}
                )
                if response.status_code >= 500:
                    bad.append(f"{method} {route} {key}={big} -> {response.status_code}")
    assert not bad, "\n".join(bad)
    await wait_until(lambda: _consumers_settled(client), what="the consumers to settle")
    ready = await client.get("/readyz")
    assert ready.status_code == 200, f"after {tried} out-of-range writes: {ready.text}"
