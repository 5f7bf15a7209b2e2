"""A caseworker asks for an assessment of a shortlisted trust, over HTTP; the assessment
service opens a draft assessment of it, linked back to the case and the request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from services.assessment.handlers import seed_frameworks
from shared.contracts import all_contracts
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.settings import Settings
from tests.e2e.live_world import World, live_world
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.eventlog


@pytest.fixture(scope="module")
async def world(
    fresh_database_module: Callable[..., Awaitable[str]], settings: Settings
) -> AsyncIterator[World]:
    url = await fresh_database_module()
    async with live_world(url, settings) as w:
        await seed_frameworks(EventStore(w.owner, all_contracts()))
        yield w


async def test_a_requested_assessment_opens_as_a_draft_linked_to_the_case(world: World) -> None:
    caseworker = world.as_(Role.CASEWORKER, "cara")
    reader = world.as_(Role.READER, "rita")
    trust, other = await world.trust(), await world.trust()
    sibling = await world.school(trust)
    urn = await world.school()
    await world.known_to_commissioning(urns=[urn, sibling], uids=[trust, other])
    opened = await world.commissioning.post(
        "/cases",
        json={"urns": [urn], "trigger": "inadequate_dao", "title": "Needs evidence"},
        headers=caseworker,
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    path = f"/cases/{case_id}"

    async def version() -> int:
        answer = await world.commissioning.get(path, headers=reader)
        assert answer.status_code == 200, answer.text
        v: int = answer.json()["version"]
        return v

    shortlisted = await world.commissioning.post(
        f"{path}/shortlist",
        json={"trust_uids": [trust]},
        headers={**caseworker, "If-Match": f'"{await version()}"'},
    )
    assert shortlisted.status_code == 200, shortlisted.text

    # A trust not on the shortlist: refused naming the field, and nothing written.
    before = await version()
    refused = await world.commissioning.post(
        f"{path}/assessment-requests",
        json={"trust_uid": other, "reason": "Not shortlisted"},
        headers={**caseworker, "If-Match": f'"{before}"'},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"] == ["body", "trust_uid"]
    assert await version() == before

    requested = await world.commissioning.post(
        f"{path}/assessment-requests",
        json={"trust_uid": trust, "reason": "No published judgement on school improvement."},
        headers={**caseworker, "If-Match": f'"{before}"'},
    )
    assert requested.status_code == 200, requested.text
    answer = requested.json()
    assert answer["version"] == before + 1 == await version()
    request_id = answer["request_id"]

    found: list[dict[str, Any]] = []

    async def drafted() -> bool:
        page = await world.assessment.get(
            "/assessments", params={"trust_uid": trust}, headers=reader
        )
        assert page.status_code == 200, page.text
        found[:] = page.json()["items"]
        return len(found) == 1

    await wait_until(drafted, what="the assessment service to open the requested draft")
    [summary] = found
    shown = await world.assessment.get(f"/assessments/{summary['assessment_id']}", headers=reader)
    assert shown.status_code == 200, shown.text
    draft = shown.json()
    assert draft["status"] == "draft" and draft["trust_uid"] == trust
    assert draft["framework_id"] == "dfe-trust-quality"
    assert (draft["requested_by_case"], draft["request_id"]) == (case_id, request_id)
    assert case_id in draft["purpose"]
