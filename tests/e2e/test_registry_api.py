"""The registry's read API over HTTP, on read models projected from real events."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.registry.main import create_app
from services.registry.queries import TRUST_SIZE_BUCKETS
from shared.contracts.registry import (
    FieldChange,
    LocalAuthorityTrustEstablished,
    OfstedInspectionRecorded,
    SchoolDetailsChanged,
    SchoolJoinedTrust,
    SchoolLinkedToPredecessor,
    SchoolRegistered,
    SchoolTransferred,
    TrustIncorporated,
)
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


@dataclass(frozen=True)
class World:
    """One registry story, with names no other test uses."""

    token: str
    alpha: int  # the trust the first school converted into
    beta: int  # the trust it was transferred to, which runs the other schools too
    oak: int  # converted 2020-09-01 into alpha, renamed 2021-01-01, to beta 2023-04-01
    # Seven schools in beta since 2021-09-01, in the order made: the first two in LA 384,
    # the first in region E, every third a secondary of 1000 pupils, the rest 200.
    others: list[int]
    loner: int  # in no trust; took over from oak


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


@pytest.fixture(scope="module")
async def world(app: FastAPI, client: httpx.AsyncClient) -> World:
    """The story, appended to the log and projected."""
    store: EventStore = app.state.runtime.store
    token = f"Zq{random.SystemRandom().getrandbits(40):010x}"
    alpha, beta = await fresh_uids(store, 2)
    oak, loner, *others = await fresh_urns(store, 9)
    await append(
        store,
        f"trust-{alpha}",
        TrustIncorporated(
            uid=alpha, details=trust_details(f"{token} Alpha Trust"), effective_on=date(2011, 4, 1)
        ),
    )
    await append(
        store,
        f"trust-{beta}",
        TrustIncorporated(
            uid=beta,
            details=trust_details(f"{token} Beta Trust", trust_type="multi_academy_trust"),
            effective_on=date(2012, 4, 1),
        ),
        LocalAuthorityTrustEstablished(uid=beta, la_code="384", established_on=date(2025, 9, 1)),
    )
    await append(
        store,
        f"school-{oak}",
        SchoolRegistered(
            urn=oak, details=school_details(f"{token} Oak Primary"), effective_on=date(2019, 9, 1)
        ),
        SchoolJoinedTrust(
            urn=oak, trust_uid=alpha, joined_on=date(2020, 9, 1), reason="conversion"
        ),
        SchoolDetailsChanged(
            urn=oak,
            changes=[
                FieldChange(field="name", old=f"{token} Oak Primary", new=f"{token} Oak Academy")
            ],
            effective_on=date(2021, 1, 1),
        ),
        OfstedInspectionRecorded(
            urn=oak,
            framework="single_grade",
            inspection_start=date(2022, 5, 10),
            overall_effectiveness="good",
        ),
        SchoolTransferred(
            urn=oak,
            from_trust_uid=alpha,
            to_trust_uid=beta,
            effective_on=date(2023, 4, 1),
            decision_reference="RD-2023-001",
            reason="commissioning_decision",
        ),
    )
    for i, urn in enumerate(others):
        secondary = i % 3 == 0
        await append(
            store,
            f"school-{urn}",
            SchoolRegistered(
                urn=urn,
                details=school_details(
                    f"{token} School {i}",
                    la_code="384" if i < 2 else "383",
                    la_name="Wakefield" if i < 2 else "Leeds",
                    region_code="E" if i == 0 else "D",
                    region_name="East Midlands" if i == 0 else "Yorkshire and the Humber",
                    phase="Secondary" if secondary else "Primary",
                    pupils=1000 if secondary else 200,
                ),
                effective_on=date(2019, 9, 1),
            ),
            SchoolJoinedTrust(
                urn=urn, trust_uid=beta, joined_on=date(2021, 9, 1), reason="sponsorship"
            ),
        )
    await append(
        store,
        f"school-{loner}",
        SchoolRegistered(
            urn=loner,
            details=school_details(f"{token} Lone Infants", type_code="1", pupils=90),
            effective_on=date(2019, 9, 1),
        ),
        SchoolLinkedToPredecessor(urn=loner, predecessor_urn=oak, link_type="Predecessor"),
    )

    async def all_projected() -> bool:
        last = (await client.get(f"/schools/{oak}")).json()
        listed = (await client.get("/schools", params={"q": token})).json()
        return last.get("version") == 5 and len(listed.get("items", [])) == 9

    await wait_until(all_projected, what="the story in the read models")
    return World(token, alpha, beta, oak, others, loner)


async def _urns(client: httpx.AsyncClient, **params: Any) -> list[int]:
    response = await client.get("/schools", params=params)
    assert response.status_code == 200, response.text
    return [s["urn"] for s in response.json()["items"]]


async def _walk(client: httpx.AsyncClient, path: str, key: str, **params: Any) -> list[int]:
    """Every item of a paginated list, following next_cursor."""
    seen: list[int] = []
    cursor: str | None = None
    while True:
        response = await client.get(
            path, params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item[key] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


# -------------------------------------------------------------------- auth


async def test_reading_needs_a_token(app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as anonymous:
        for path in ("/schools", "/schools/123456", "/trusts", "/stats/coverage"):
            response = await anonymous.get(path)
            assert response.status_code == 401, path
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_every_role_may_read(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    for role in Role:
        token = issue_token(settings, roles=[role], subject=f"t-{role}")
        response = await client.get(
            f"/schools/{world.oak}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, role


# ----------------------------------------------------------------- schools


async def test_schools_are_filtered(client: httpx.AsyncClient, world: World) -> None:
    everyone = sorted([world.oak, world.loner, *world.others])
    assert await _urns(client, q=world.token) == everyone
    assert await _urns(client, q=world.token.upper()) == everyone
    assert await _urns(client, trust_uid=world.beta) == sorted([world.oak, *world.others])
    assert await _urns(client, trust_uid=world.alpha) == []
    assert await _urns(client, q=world.token, in_trust=False) == [world.loner]
    assert await _urns(client, q=world.token, in_trust=True) == sorted([world.oak, *world.others])
    assert await _urns(client, q=world.token, la="384") == sorted(world.others[:2])
    assert await _urns(client, q=world.token, region="E") == [world.others[0]]
    assert await _urns(client, q=world.token, type="1") == [world.loner]
    assert await _urns(client, q=world.token, phase="Secondary") == sorted(world.others[0:7:3])
    assert await _urns(client, q=world.token, status="Closed") == []
    assert await _urns(client, q=f"{world.token} oak acad") == [world.oak]
    assert await _urns(client, q="%_no_such_school_%") == []


async def test_a_school_in_a_list_names_its_trust(client: httpx.AsyncClient, world: World) -> None:
    (oak,) = (await client.get("/schools", params={"q": f"{world.token} Oak"})).json()["items"]
    assert oak["trust"] == {
        "uid": world.beta,
        "name": f"{world.token} Beta Trust",
        "since": "2023-04-01",
        "join_reason": "transfer",
    }


async def test_walking_every_page_gives_each_school_once_in_order(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await _walk(client, "/schools", "urn", q=world.token, limit=2)
    assert first == sorted([world.oak, world.loner, *world.others])
    assert await _walk(client, "/schools", "urn", q=world.token, limit=2) == first
    assert await _walk(client, "/schools", "urn", q=world.token, limit=4) == first
    assert await _walk(client, "/schools", "urn", trust_uid=world.beta, limit=3) == sorted(
        [world.oak, *world.others]
    )


async def test_a_cursor_or_limit_that_is_not_ours_is_refused(client: httpx.AsyncClient) -> None:
    for params in ({"cursor": "not-a-cursor!"}, {"cursor": "YWJj"}, {"limit": 0}, {"limit": 501}):
        response = await client.get("/schools", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_school_now(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"/schools/{world.oak}")
    assert response.status_code == 200, response.text
    school = response.json()
    assert school["as_of"] is None
    assert school["details"]["name"] == f"{world.token} Oak Academy"
    assert school["trust"]["uid"] == world.beta and school["trust"]["since"] == "2023-04-01"
    assert school["ofsted"]["overall_effectiveness"] == "good"
    assert school["registered_on"] == "2019-09-01" and school["details_as_of"] == "2021-01-01"
    assert school["successor_urns"] == [world.loner] and school["predecessor_urns"] == []
    loner = (await client.get(f"/schools/{world.loner}")).json()
    assert loner["predecessor_urns"] == [world.oak] and loner["trust"] is None


@pytest.mark.parametrize(
    ("as_of", "name", "trust"),
    [
        # Open since 2012 but first recorded in 2019: the earliest details known.
        ("2015-01-01", "Oak Primary", None),
        ("2019-09-01", "Oak Primary", None),
        ("2020-09-01", "Oak Primary", "alpha"),
        ("2020-12-31", "Oak Primary", "alpha"),
        ("2021-01-01", "Oak Academy", "alpha"),
        ("2023-03-31", "Oak Academy", "alpha"),
        ("2023-04-01", "Oak Academy", "beta"),
        ("2030-01-01", "Oak Academy", "beta"),
    ],
)
async def test_a_school_as_it_was(
    client: httpx.AsyncClient, world: World, as_of: str, name: str, trust: str | None
) -> None:
    response = await client.get(f"/schools/{world.oak}", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    school = response.json()
    assert school["as_of"] == as_of
    assert school["details"]["name"] == f"{world.token} {name}"
    expected = {"alpha": world.alpha, "beta": world.beta}.get(trust or "")
    assert (school["trust"] or {}).get("uid") == expected
    assert (school["ofsted"] is not None) == (as_of >= "2022-05-10")
    recorded = "2021-01-01" if as_of >= "2021-01-01" else "2019-09-01"
    assert school["details_as_of"] == recorded


async def test_unknown_schools_are_404_problems(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    # It opened on 2012-09-01.
    before = await client.get(f"/schools/{world.oak}", params={"as_of": "2012-08-31"})
    assert before.status_code == 404
    assert before.headers["content-type"].startswith("application/problem+json")
    assert before.json()["title"] == "Not Found"
    (unknown,) = await fresh_urns(app.state.runtime.store, 1)
    for path in (f"/schools/{unknown}", f"/schools/{unknown}/history"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["status"] == 404
    assert (await client.get("/schools/12")).status_code == 422
    assert (
        await client.get(f"/schools/{world.oak}", params={"as_of": "31/12/2020"})
    ).status_code == 422


async def test_a_school_history_oldest_first(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"/schools/{world.oak}/history")
    assert response.status_code == 200, response.text
    history = response.json()
    assert [
        (m["trust_uid"], m["from_date"], m["to_date"], m["join_reason"], m["leave_reason"])
        for m in history["memberships"]
    ] == [
        (world.alpha, "2020-09-01", "2023-04-01", "conversion", "transfer"),
        (world.beta, "2023-04-01", None, "transfer", None),
    ]
    assert history["memberships"][1]["decision_reference"] == "RD-2023-001"
    assert history["memberships"][0]["trust_name"] == f"{world.token} Alpha Trust"
    assert [e["event_type"] for e in history["events"]] == [
        "registry.SchoolRegistered",
        "registry.SchoolJoinedTrust",
        "registry.SchoolDetailsChanged",
        "registry.OfstedInspectionRecorded",
        "registry.SchoolTransferred",
    ]
    assert [e["stream_version"] for e in history["events"]] == [1, 2, 3, 4, 5]
    changed = history["events"][2]["summary"]
    assert changed["changes"][0]["new"] == f"{world.token} Oak Academy"
    assert "RD-2023-001" in history["events"][4]["summary"]["text"]


# ------------------------------------------------------------------ trusts


async def test_trusts_are_filtered_and_paginated(client: httpx.AsyncClient, world: World) -> None:
    both = sorted([world.alpha, world.beta])
    assert await _walk(client, "/trusts", "uid", q=world.token, limit=1) == both
    listed = (await client.get("/trusts", params={"q": world.token})).json()["items"]
    counts = {t["uid"]: t["school_count"] for t in listed}
    assert counts == {world.alpha: 0, world.beta: 8}
    assert await _walk(client, "/trusts", "uid", q=world.token, la="384") == [world.beta]
    assert await _walk(client, "/trusts", "uid", q=world.token, status="Closed") == []
    assert (
        await _walk(client, "/trusts", "uid", q=world.token, trust_type="multi_academy_trust")
        == both
    )


async def test_a_trust_with_its_schools_summed_up(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(f"/trusts/{world.beta}")
    assert response.status_code == 200, response.text
    trust = response.json()
    assert trust["details"]["name"] == f"{world.token} Beta Trust"
    assert trust["la_established"] is True and trust["founding_la_code"] == "384"
    assert trust["school_count"] == 8
    # Oak (300 pupils), three secondaries of 1000 and four primaries of 200.
    assert trust["pupils"] == 300 + 3 * 1000 + 4 * 200
    assert trust["las"] == [
        {"code": "383", "name": "Leeds", "school_count": 6},
        {"code": "384", "name": "Wakefield", "school_count": 2},
    ]
    assert {r["code"]: r["school_count"] for r in trust["regions"]} == {"D": 7, "E": 1}
    (unused,) = await fresh_uids(app.state.runtime.store, 1)
    for path in (f"/trusts/{unused}", f"/trusts/{unused}/schools"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_schools_a_trust_ran_on_a_date(client: httpx.AsyncClient, world: World) -> None:
    async def run(uid: int, **params: Any) -> list[int]:
        return await _walk(client, f"/trusts/{uid}/schools", "urn", limit=3, **params)

    assert await run(world.beta, as_of="2022-01-01") == sorted(world.others)
    assert await run(world.beta) == sorted([world.oak, *world.others])
    assert await run(world.alpha, as_of="2022-01-01") == [world.oak]
    assert await run(world.alpha, as_of="2023-04-01") == []
    assert await run(world.alpha) == []
    page = (
        await client.get(f"/trusts/{world.alpha}/schools", params={"as_of": "2020-10-01"})
    ).json()
    (oak,) = page["items"]
    # As it was then: still under its old name.
    assert oak["name"] == f"{world.token} Oak Primary"
    assert (oak["joined_on"], oak["left_on"]) == ("2020-09-01", "2023-04-01")
    assert page["as_of"] == "2020-10-01"


# ------------------------------------------------------------------- stats


@pytest.mark.parametrize("by", ["la", "region"])
async def test_coverage_adds_up(client: httpx.AsyncClient, world: World, by: str) -> None:
    response = await client.get("/stats/coverage", params={"by": by})
    assert response.status_code == 200, response.text
    coverage = response.json()
    assert coverage["by"] == by
    groups, totals = coverage["groups"], coverage["totals"]
    for group in [*groups, totals]:
        assert group["schools_in_trust"] + group["schools_not_in_trust"] == group["schools_open"]
        assert 0 <= group["share_schools_in_trust"] <= 1
    for key in ("schools_open", "schools_in_trust", "pupils_in_trust", "pupils_not_in_trust"):
        assert totals[key] == sum(g[key] for g in groups)
    assert [b["min_schools"] for b in coverage["trust_sizes"]] == [
        low for low, _ in TRUST_SIZE_BUCKETS
    ]
    assert [b["bucket"] for b in coverage["trust_sizes"]] == [
        "1",
        "2-5",
        "6-10",
        "11-20",
        "21-50",
        "51+",
    ]
    # Beta runs eight open schools.
    assert coverage["trust_sizes"][2]["trusts"] >= 1
    assert sum(b["schools"] for b in coverage["trust_sizes"]) == totals["schools_in_trust"]
    code = "384" if by == "la" else "E"
    (mine,) = [g for g in groups if g["code"] == code]
    assert mine["schools_in_trust"] >= (2 if by == "la" else 1)


async def test_coverage_by_something_else_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/stats/coverage", params={"by": "county"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"] == ["query", "by"]


# ----------------------------------------------------------------- openapi


async def test_routes_are_documented_for_sdks(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operations = {
        op["operationId"]: op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method == "get" and path.startswith(("/schools", "/trusts", "/stats"))
    }
    assert {
        "schools-list_schools",
        "schools-get_school",
        "schools-get_school_history",
        "trusts-list_trusts",
        "trusts-get_trust",
        "trusts-list_trust_schools",
        "stats-get_coverage",
    } <= set(operations)
    for name, op in operations.items():
        assert op["summary"] and len(op["tags"]) == 1, name
        assert {"200", "401", "403", "422"} <= set(op["responses"]), name
