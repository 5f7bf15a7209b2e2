"""The notice ladder follows the ``intervention`` policy's notices section, over HTTP on a
hand-moved clock: a new version changes new notices only, a move the version does not allow
is a 409 naming it, a version missing a response period or a decider is refused, and a
notice to improve's review falls due.

The session's database is shared, so the version published here takes effect in 2041, after
every other test's clock.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from importlib.resources import files
from typing import Any

import asyncpg
import httpx
import pytest

from services.commissioning.main import create_app
from services.registry.transfers.clock import ManualClock
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.http.deps import today
from shared.settings import Settings
from tests.commissioning.conftest import bearer, known, register_school, register_trust
from tests.integration.helpers import wait_until
from tests.notices import DECIDED, MOVED


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(date(2035, 1, 8))  # a Monday


@pytest.fixture
async def client(
    settings: Settings, database_url: str, clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The commissioning app on a clock the test moves by hand."""
    app = create_app(settings, url=database_url)

    async def manual_today() -> date:
        return clock.today()

    app.dependency_overrides[today] = manual_today
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def shipped() -> dict[str, Any]:
    text = files("services.commissioning").joinpath("policies/intervention/v2.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def notice_rule(publication: dict[str, Any], kind: str) -> dict[str, Any]:
    rule: dict[str, Any] = next(
        k for k in publication["document"]["notices"]["kinds"] if k["kind"] == kind
    )
    return rule


async def academy_of_a_trust(log: EventStore, pool: asyncpg.Pool) -> tuple[int, int]:
    trust = await register_trust(log, "Noticed Trust")
    academy = await register_school(log, trust_uid=trust)
    await known(pool, urns=[academy], uids=[trust])
    return trust, academy


async def shown_when(
    client: httpx.AsyncClient, settings: Settings, intervention_id: str, **expected: object
) -> dict[str, Any]:
    reader = bearer(settings, Role.READER, "rita")
    seen: dict[str, Any] = {}

    async def shown() -> bool:
        response = await client.get(f"/interventions/{intervention_id}", headers=reader)
        if response.status_code != 200:
            return False
        seen.update(response.json())
        return all(seen.get(k) == v for k, v in expected.items())

    await wait_until(shown, what=f"intervention {intervention_id} to show {expected}")
    return seen


async def test_a_version_missing_a_response_period_or_a_decider_is_refused_listing_every_problem(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    publication = shipped()
    warning = notice_rule(publication, "termination_warning_notice")
    del warning["response_working_days"]
    warning["deciders"] = []
    notice_rule(publication, "nti_warning_letter")["deciders"] = []
    refused = await client.post(
        "/policies/intervention",
        json={**publication, "effective_from": "2099-01-01"},
        headers=bearer(settings, Role.ADMIN, "ada"),
    )
    assert refused.status_code == 422, refused.text
    assert [e["msg"] for e in refused.json()["errors"]] == [
        "notice nti_warning_letter has no decider",
        "notice termination_warning_notice has no response period",
        "notice termination_warning_notice has no decider",
    ]


async def test_a_new_version_changes_new_notices_only_and_a_move_it_forbids_is_a_409(
    client: httpx.AsyncClient,
    settings: Settings,
    log: EventStore,
    pool: asyncpg.Pool,
    clock: ManualClock,
) -> None:
    trust, academy = await academy_of_a_trust(log, pool)
    cw = bearer(settings, Role.CASEWORKER, "carol")
    warning = {
        "kind": "termination_warning_notice",
        "trust_uid": trust,
        "urn": academy,
        "grounds": "The academy remains inadequate.",
        **DECIDED,
    }
    clock.advance_to(date(2041, 3, 1))  # a Friday
    prepared = await client.post(
        "/interventions", json={**warning, "status": "preparing"}, headers=cw
    )
    assert prepared.status_code == 201, prepared.text
    prepared_id = prepared.json()["intervention_id"]
    old = await shown_when(client, settings, prepared_id, status="preparing")
    old_version = old["policy_version"]
    assert old_version is not None and old["response_due_on"] is None

    publication = shipped()
    notice_rule(publication, "termination_warning_notice")["response_working_days"] = 10
    published = await client.post(
        "/policies/intervention",
        json={**publication, "effective_from": "2041-03-04", "title": "Ten working days"},
        headers=bearer(settings, Role.ADMIN, "ada"),
    )
    assert published.status_code == 201, published.text
    new_version = published.json()["version"]
    assert new_version > old_version

    clock.advance_to(date(2041, 3, 4))  # a Monday
    # The notice prepared under the old version keeps its 15 working days when issued.
    issued = await client.post(
        f"/interventions/{prepared_id}/status",
        json={**MOVED, "status": "issued"},
        headers={**cw, "If-Match": '"1"'},
    )
    assert issued.status_code == 200, issued.text
    await shown_when(
        client, settings, prepared_id, response_due_on="2041-03-25", policy_version=old_version
    )
    # A new notice follows the new version: 10 working days; its decider is of a grade the
    # version names for the kind.
    wrong_grade = await client.post(
        "/interventions",
        json={**warning, "decided_by": "Dee Deputy", "decider_grade": "deputy_director"},
        headers=cw,
    )
    assert wrong_grade.status_code == 409, wrong_grade.text
    assert wrong_grade.json()["policy_version"] == new_version
    assert wrong_grade.json()["allowed_deciders"] == ["regional_director"]
    fresh = await client.post(
        "/interventions",
        json={**warning, "decided_by": "Rhian Director", "decider_grade": "regional_director"},
        headers=cw,
    )
    assert fresh.status_code == 201, fresh.text
    await shown_when(
        client,
        settings,
        fresh.json()["intervention_id"],
        response_due_on="2041-03-18",
        policy_version=new_version,
        decided_by="Rhian Director",
        decider_grade="regional_director",
    )
    # One dated before the new version took effect follows the version in force that day.
    backdated = await client.post(
        "/interventions", json={**warning, "issued_on": "2041-03-01"}, headers=cw
    )
    assert backdated.status_code == 201, backdated.text
    await shown_when(
        client,
        settings,
        backdated.json()["intervention_id"],
        response_due_on="2041-03-22",
        policy_version=old_version,
    )

    # A warning notice is never lifted: the 409 names the version and what it allows.
    refused = await client.post(
        f"/interventions/{prepared_id}/status",
        json={**MOVED, "status": "lifted"},
        headers={**cw, "If-Match": '"2"'},
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["policy"] == "intervention" and problem["policy_version"] == old_version
    assert problem["allowed_steps"] == ["closed", "cancelled"]
    assert f"intervention v{old_version} does not allow" in problem["detail"]
    assert problem["type"].endswith("step-not-allowed")
    # So is the grade that may move it on: the notice's own version's deciders for its kind.
    deputy = await client.post(
        f"/interventions/{prepared_id}/status",
        json={**MOVED, "status": "closed", "decider_grade": "deputy_director"},
        headers={**cw, "If-Match": '"2"'},
    )
    assert deputy.status_code == 409, deputy.text
    assert deputy.json()["policy_version"] == old_version
    assert deputy.json()["allowed_deciders"] == ["regional_director"]


async def test_an_overdue_notice_to_improve_review_comes_first(
    client: httpx.AsyncClient,
    settings: Settings,
    log: EventStore,
    pool: asyncpg.Pool,
    clock: ManualClock,
) -> None:
    trust, academy = await academy_of_a_trust(log, pool)
    cw = bearer(settings, Role.CASEWORKER, "carol")
    nti = await client.post(
        "/interventions",
        json={
            "kind": "notice_to_improve",
            "trust_uid": trust,
            "grounds": "A deficit and weak governance.",
            "conditions": ["A recovery plan by the end of term"],
            **DECIDED,
        },
        headers=cw,
    )
    assert nti.status_code == 201, nti.text
    nti_id = nti.json()["intervention_id"]
    # Three months from Monday 8 January 2035, the version's review interval.
    await shown_when(client, settings, nti_id, review_due_on="2035-04-08")

    clock.advance_to(date(2035, 4, 16))  # a Monday, a week past the review
    warning = await client.post(
        "/interventions",
        json={
            "kind": "termination_warning_notice",
            "trust_uid": trust,
            "urn": academy,
            "grounds": "The academy remains inadequate.",
            **DECIDED,
        },
        headers=cw,
    )
    assert warning.status_code == 201, warning.text
    mine = {nti_id, warning.json()["intervention_id"]}
    reader = bearer(settings, Role.READER, "rita")

    async def due(**params: str) -> list[dict[str, Any]]:
        response = await client.get("/deadlines", params=params, headers=reader)
        assert response.status_code == 200, response.text
        return [d for d in response.json()["items"] if d["intervention_id"] in mine]

    async def both() -> bool:
        return len(await due(region="D")) == 2

    await wait_until(both, what="the review and the response listed")
    listed = await due(region="D")
    assert [(d["kind"], d["due_on"], d["overdue"], d["working_days"]) for d in listed] == [
        ("nti_review", "2035-04-08", True, -5),
        ("notice_response", "2035-05-08", False, 15),
    ]
    assert listed[0]["source"] == "notice" and listed[0]["what"] == "Review of a notice to improve"
    assert [d["intervention_id"] for d in await due(kind="nti_review")] == [nti_id]

    # Reviewed: the status it finds is recorded, and the next review counts from it.
    reviewed = await client.post(
        f"/interventions/{nti_id}/status",
        json={**MOVED, "status": "progress_on_track"},
        headers={**cw, "If-Match": '"1"'},
    )
    assert reviewed.status_code == 200, reviewed.text
    await shown_when(client, settings, nti_id, review_due_on="2035-07-16")
    assert [(d["due_on"], d["overdue"]) for d in await due(kind="nti_review")] == [
        ("2035-07-16", False)
    ]
    # Lifted, it is reviewed no more.
    lifted = await client.post(
        f"/interventions/{nti_id}/status",
        json={**MOVED, "status": "lifted"},
        headers={**cw, "If-Match": '"2"'},
    )
    assert lifted.status_code == 200, lifted.text
    await shown_when(client, settings, nti_id, status="lifted", review_due_on=None)
    assert await due(kind="nti_review") == []
