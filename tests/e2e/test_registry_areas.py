"""Areas over HTTP: the EIAs and priority areas with their schools in trusts, and coverage by area."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from services.registry.main import create_app
from shared import reference
from shared.contracts.registry import SchoolJoinedTrust, SchoolRegistered, TrustIncorporated
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.integration.helpers import wait_until
from tests.integration.test_registry_projections import (
    append,
    fresh_uids,
    fresh_urns,
    school_details,
    trust_details,
)

FIGURES = ("schools_open", "schools_in_trust", "pupils_in_trust", "pupils_total")
COVERAGE_FIGURES = ("schools_open", "schools_in_trust", "pupils_in_trust", "pupils_not_in_trust")
WATCHED = ("Hastings", "East Sussex", "Leeds")


@dataclass(frozen=True)
class World:
    """Schools of our own in East Sussex and Leeds, and the figures from before they arrived."""

    trust: int
    schools: list[int]
    areas_before: dict[str, dict[str, Any]]
    coverage_before: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
async def app(settings: Settings, database_url: str) -> AsyncIterator[FastAPI]:
    """The registry service, running its projection."""
    application = create_app(settings, url=database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def client(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client with a reader's token."""
    token = issue_token(settings, roles=[Role.READER], subject="t")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    ) as c:
        yield c


async def _get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _areas(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in (await _get(client, "/areas"))["items"]}


async def _coverage_by_area(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {g["name"]: g for g in (await _get(client, "/stats/coverage", by="area"))["groups"]}


def _delta(after: dict[str, Any], before: dict[str, Any], keys: tuple[str, ...]) -> dict[str, int]:
    return {key: after[key] - before[key] for key in keys}


@pytest.fixture(scope="module")
async def world(app: FastAPI, client: httpx.AsyncClient) -> World:
    """Five schools appended to the log and projected, with the figures from just before."""
    store: EventStore = app.state.runtime.store
    token = f"Zq{random.SystemRandom().getrandbits(40):010x}"
    (trust,) = await fresh_uids(store, 1)
    await append(
        store,
        f"trust-{trust}",
        TrustIncorporated(
            uid=trust, details=trust_details(f"{token} Area Trust"), effective_on=date(2015, 4, 1)
        ),
    )

    # The projection applies the log in order: once the trust is there, so is all before it,
    # and the figures read now are the ones our schools will add to.
    async def trust_projected() -> bool:
        return (await client.get(f"/trusts/{trust}")).status_code == 200

    await wait_until(trust_projected, what="the trust in the read models")
    areas_before = await _areas(client)
    coverage_before = await _coverage_by_area(client)

    east_sussex = {"la_code": "845", "la_name": "East Sussex", "region_code": "J"}
    # (district, pupils, status, in our trust); the last is in Leeds.
    plan: list[tuple[dict[str, Any], int, str, bool]] = [
        ({**east_sussex, "district_name": "Hastings"}, 200, "Open", True),
        ({**east_sussex, "district_name": "Wealden"}, 300, "Open", True),
        ({**east_sussex, "district_name": "HASTINGS"}, 100, "Open", False),
        ({**east_sussex, "district_name": "Hastings"}, 50, "Closed", True),
        ({}, 400, "Open, but proposed to close", True),
    ]
    schools = await fresh_urns(store, len(plan))
    for i, (urn, (where, pupils, status, joined)) in enumerate(zip(schools, plan, strict=True)):
        events: list[Any] = [
            SchoolRegistered(
                urn=urn,
                details=school_details(
                    f"{token} Area School {i}", pupils=pupils, status=status, **where
                ),
                effective_on=date(2019, 9, 1),
            )
        ]
        if joined:
            events.append(
                SchoolJoinedTrust(
                    urn=urn, trust_uid=trust, joined_on=date(2021, 9, 1), reason="sponsorship"
                )
            )
        await append(store, f"school-{urn}", *events)

    async def all_projected() -> bool:
        listed = (await client.get("/schools", params={"q": token})).json()
        in_trust = (await client.get("/schools", params={"trust_uid": trust})).json()
        return len(listed.get("items", [])) == 5 and len(in_trust.get("items", [])) == 4

    await wait_until(all_projected, what="the area schools in the read models")
    return World(trust, schools, areas_before, coverage_before)


# -------------------------------------------------------------------- list


async def test_every_area_is_listed_in_name_order(client: httpx.AsyncClient) -> None:
    items = (await _get(client, "/areas"))["items"]
    names = [a["name"] for a in items]
    assert len(items) == len(reference.areas()) == 61
    assert names == sorted((a.name for a in reference.areas()), key=str.casefold)
    assert {a["name"] for a in items if a["eia"]} == set(reference.eia_names())
    assert {a["name"] for a in items if a["priority"]} == set(reference.priority_eia_names())
    assert sum(a["eia"] for a in items) == 55 and sum(a["priority"] for a in items) == 24
    for area in items:
        assert area["schools_in_trust"] + area["schools_not_in_trust"] == area["schools_open"]
        assert area["pupils_in_trust"] <= area["pupils_total"]
        assert 0 <= area["share_schools_in_trust"] <= 1
        assert 0 <= area["share_pupils_in_trust"] <= 1
        assert (area["kind"] == "district") == bool(area["districts"])
    by_name = {a["name"]: a for a in items}
    assert {k: by_name["Fenlands and East Cambridgeshire"][k] for k in ("kind", "la_codes")} == {
        "kind": "district",
        "la_codes": ["873"],
    }
    assert by_name["Fenlands and East Cambridgeshire"]["districts"] == [
        "Fenland",
        "East Cambridgeshire",
    ]
    assert {
        k: by_name["Leeds"][k] for k in ("kind", "la_codes", "districts", "priority", "eia")
    } == {
        "kind": "la",
        "la_codes": ["383"],
        "districts": [],
        "priority": False,
        "eia": True,
    }


@pytest.mark.parametrize("priority", [True, False])
async def test_areas_are_filtered_by_priority(client: httpx.AsyncClient, priority: bool) -> None:
    items = (await _get(client, "/areas", priority=str(priority).lower()))["items"]
    expected = {a.name for a in reference.areas() if a.priority == priority}
    assert {a["name"] for a in items} == expected
    assert len(items) == (24 if priority else 61 - 24)
    assert all(a["priority"] is priority for a in items)


async def test_a_priority_that_is_not_a_bool_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/areas", params={"priority": "maybe"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


# --------------------------------------------------------------------- one


@pytest.mark.parametrize("asked", ["West Somerset", "west somerset", "WEST SOMERSET"])
async def test_an_area_by_name_in_any_case(client: httpx.AsyncClient, asked: str) -> None:
    area = await _get(client, f"/areas/{quote(asked)}")
    assert area["name"] == "West Somerset"
    assert (area["kind"], area["la_codes"], area["districts"]) == (
        "district",
        ["933"],
        ["West Somerset"],
    )
    assert area["priority"] is True and area["eia"] is False


async def test_an_unknown_area_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/areas/{quote('Atlantis and District')}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


async def test_areas_need_a_token(app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as anonymous:
        for path in ("/areas", "/areas/Leeds", "/stats/coverage?by=area"):
            response = await anonymous.get(path)
            assert response.status_code == 401, path


async def test_every_role_may_read_areas(client: httpx.AsyncClient, settings: Settings) -> None:
    for role in Role:
        token = issue_token(settings, roles=[role], subject=f"t-{role}")
        response = await client.get("/areas/Leeds", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, role


# ----------------------------------------------------------------- figures


async def test_a_district_area_counts_only_schools_in_its_districts(
    client: httpx.AsyncClient, world: World
) -> None:
    after = await _areas(client)
    before = world.areas_before
    # Hastings: the open Hastings schools (one in our trust, one not, any case); not the
    # Wealden one, nor the closed one.
    assert _delta(after["Hastings"], before["Hastings"], FIGURES) == {
        "schools_open": 2,
        "schools_in_trust": 1,
        "pupils_in_trust": 200,
        "pupils_total": 300,
    }
    # East Sussex, the whole LA: all three open schools.
    assert _delta(after["East Sussex"], before["East Sussex"], FIGURES) == {
        "schools_open": 3,
        "schools_in_trust": 2,
        "pupils_in_trust": 500,
        "pupils_total": 600,
    }
    assert _delta(after["Leeds"], before["Leeds"], FIGURES) == {
        "schools_open": 1,
        "schools_in_trust": 1,
        "pupils_in_trust": 400,
        "pupils_total": 400,
    }
    for name in after:
        if name not in WATCHED:
            assert _delta(after[name], before[name], FIGURES) == dict.fromkeys(FIGURES, 0), name


async def test_one_area_has_the_figures_of_the_list(
    client: httpx.AsyncClient, world: World
) -> None:
    listed = await _areas(client)
    for name in WATCHED:
        assert await _get(client, f"/areas/{quote(name.lower())}") == listed[name]


async def test_coverage_by_area(client: httpx.AsyncClient, world: World) -> None:
    coverage = await _get(client, "/stats/coverage", by="area")
    assert coverage["by"] == "area"
    groups = coverage["groups"]
    assert [g["name"] for g in groups] == sorted(
        (a.name for a in reference.areas()), key=str.casefold
    )
    assert all(g["code"] == g["name"] for g in groups)
    after = {g["name"]: g for g in groups}
    before = world.coverage_before
    expected = {
        "Hastings": (2, 1, 200, 100),
        "East Sussex": (3, 2, 500, 100),
        "Leeds": (1, 1, 400, 0),
    }
    for name, figures in expected.items():
        assert _delta(after[name], before[name], COVERAGE_FIGURES) == dict(
            zip(COVERAGE_FIGURES, figures, strict=True)
        ), name
    areas = await _areas(client)
    for name, group in after.items():
        assert group["schools_open"] == areas[name]["schools_open"], name
        assert group["share_schools_in_trust"] == areas[name]["share_schools_in_trust"], name
    # Areas overlap and leave most of England out: the totals are England's, as by LA.
    by_la = await _get(client, "/stats/coverage", by="la")
    assert coverage["totals"] == by_la["totals"]
    assert coverage["totals"]["name"] == "England" and coverage["totals"]["code"] is None
    assert coverage["trust_sizes"] == by_la["trust_sizes"]


async def test_coverage_by_something_else_is_still_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/stats/coverage", params={"by": "county"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "by"]


# ----------------------------------------------------------------- openapi


async def test_area_routes_are_documented_for_sdks(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    list_op = spec["paths"]["/areas"]["get"]
    get_op = spec["paths"]["/areas/{name}"]["get"]
    assert (list_op["operationId"], get_op["operationId"]) == ("areas-list_areas", "areas-get_area")
    for op in (list_op, get_op):
        assert op["summary"] and op["tags"] == ["areas"]
        assert {"200", "401", "403", "422"} <= set(op["responses"])
    assert "404" in get_op["responses"]
    schemas = spec["components"]["schemas"]
    assert schemas["AreaView"]["examples"][0]["name"] == "Hastings"
    assert schemas["AreaList"]["examples"]
    assert "area" in schemas["Coverage"]["properties"]["by"]["enum"]
