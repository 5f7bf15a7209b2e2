"""Intervention in a school in a category of concern, over HTTP, as the policy allows.

The story: a maintained school requires significant improvement; the regional director does
not issue a directive academy order (no suitable trust); RISE intervenes for 18 months on a
hand-moved clock; the school is still stuck; the structural route opens a case.
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
from tests.commissioning.conftest import bearer, known, register_school
from tests.integration.helpers import wait_until

START = date(2027, 1, 11)
# The shipped version in force from START: version 6 (version 5's school pathways, RISE
# before structural change for a school requiring significant improvement, and whole-trust
# pathways).
IN_FORCE = 6


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


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


def step(name: str, grade: str = "regional_director", **more: Any) -> dict[str, Any]:
    return {
        "step": name,
        "decided_by": "Rhian Director",
        "decider_grade": grade,
        "reason": f"{name}: decided at the regional board",
        "evidence_ids": [f"note-{name}"],
        **more,
    }


async def test_requires_significant_improvement_to_rise_to_the_structural_route(
    client: httpx.AsyncClient,
    settings: Settings,
    log: EventStore,
    pool: asyncpg.Pool,
    clock: ManualClock,
) -> None:
    school = await register_school(log)
    await known(pool, urns=[school])
    cw = bearer(settings, Role.CASEWORKER, "carol")
    reader = bearer(settings, Role.READER, "rita")

    opened = await client.post(
        "/school-interventions",
        json={
            "urn": school,
            "school_kind": "maintained",
            "category_of_concern": "requires_significant_improvement",
            "inspection_start": "2026-11-17",
            "reason": "Report card of November 2026: requires significant improvement.",
            "evidence_ids": ["ofsted-2026-11"],
        },
        headers=cw,
    )
    assert opened.status_code == 201, opened.text
    iid = opened.json()["intervention_id"]
    base = f"/school-interventions/{iid}"

    async def take(body: dict[str, Any], version: int) -> httpx.Response:
        return await client.post(
            f"{base}/steps", json=body, headers={**cw, "If-Match": f'"{version}"'}
        )

    # The structural route cannot come first on this pathway: 409 naming what can.
    early = await take(step("structural_route"), 1)
    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    problem = early.json()
    assert (problem["policy"], problem["policy_version"]) == ("intervention", IN_FORCE)
    assert problem["allowed_steps"] == ["dao_issued", "dao_not_issued"]
    # Nor may a grade the step does not name decide it.
    wrong_grade = await take(step("dao_not_issued", "grade_6", reason_code="no_suitable_trust"), 1)
    assert wrong_grade.status_code == 409
    assert wrong_grade.json()["allowed_deciders"] == ["regional_director", "deputy_director"]
    # "Other" needs its reason in words.
    other = await take(step("dao_not_issued", reason_code="other"), 1)
    assert other.status_code == 422

    not_issued = await take(step("dao_not_issued", reason_code="no_suitable_trust"), 1)
    assert not_issued.status_code == 200, not_issued.text
    assert not_issued.json()["case_id"] is None
    rise = await take(
        step(
            "rise_started",
            "deputy_director",
            rise_adviser="Sam Adviser",
            rise_supporting_organisation="Northern Lights Trust",
        ),
        2,
    )
    assert rise.status_code == 200, rise.text
    shown = (await client.get(base, headers=reader)).json()
    assert shown["rise_window_end"] == "2028-07-11"
    assert shown["allowed_steps"] == ["rise_ended"] and shown["rise_overdue"] is False

    clock.advance_to(date(2028, 7, 11))
    shown = (await client.get(base, headers=reader)).json()
    assert shown["rise_overdue"] is True
    still_stuck = await take(step("rise_ended", outcome="not_improved"), 3)
    assert still_stuck.status_code == 200, still_stuck.text
    structural = await take(step("structural_route"), 4)
    assert structural.status_code == 200, structural.text
    case_id = structural.json()["case_id"]
    assert case_id is not None

    case = await client.get(f"/cases/{case_id}", headers=reader)
    assert case.status_code == 200, case.text
    assert case.json()["trigger"] == "inadequate_dao"
    assert case.json()["intervention_id"] == iid and case.json()["urns"] == [school]
    # The case's trail holds the intervention that opened it, and the auditor's timeline
    # links that intervention where a school intervention is read, not as a notice.
    trail = (await client.get(f"/cases/{case_id}/audit", headers=reader)).json()
    opened_it = [e for e in trail["entries"] if e["via"] == "intervention"]
    assert {e["stream"] for e in opened_it} == {f"school_intervention-{iid}"}
    hrefs: set[str] = set()

    async def linked() -> bool:
        # The audit index is a consumer of the whole log: wait until it has the case.
        audited = await client.get(
            f"/audit/cases/{case_id}", headers=bearer(settings, Role.AUDITOR, "audrey")
        )
        hrefs.update(
            link["href"]
            for entry in (audited.json()["entries"] if audited.status_code == 200 else [])
            for link in entry["links"]
            if link["rel"] == "intervention"
        )
        return bool(hrefs)

    await wait_until(linked, what="the case's timeline naming its intervention")
    assert hrefs == {f"/school-interventions/{iid}"}

    shown = (await client.get(base, headers=reader)).json()
    assert [
        (s["step"], s["policy_version"], s["decider_grade"], s["decided_on"])
        for s in shown["steps"]
    ] == [
        ("dao_not_issued", IN_FORCE, "regional_director", "2027-01-11"),
        ("rise_started", IN_FORCE, "deputy_director", "2027-01-11"),
        ("rise_ended", IN_FORCE, "regional_director", "2028-07-11"),
        ("structural_route", IN_FORCE, "regional_director", "2028-07-11"),
    ]
    assert shown["steps"][0]["reason_code"] == "no_suitable_trust"
    assert shown["steps"][0]["evidence_ids"] == ["note-dao_not_issued"]
    assert shown["steps"][1]["rise_supporting_organisation"] == "Northern Lights Trust"
    assert shown["steps"][3]["case_id"] == case_id
    assert shown["case_ids"] == [case_id] and shown["allowed_steps"] == []
    recorded = await log.read_stream(f"school_intervention-{iid}")
    # Who recorded each step, and why, is on every event beside the decider it names.
    assert {(e.metadata["actor"], e.metadata["reason"]) for e in recorded} == {
        ("carol", "carol at work")
    }


def shipped() -> dict[str, Any]:
    # The latest shipped version, so that what tests publish keeps the notices section.
    path = f"policies/intervention/v{IN_FORCE}.json"
    text = files("services.commissioning").joinpath(path).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


async def test_a_version_with_a_missing_pathway_or_decider_is_refused_listing_every_problem(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    publication = shipped()
    document = publication["document"]
    document["pathways"] = [
        p
        for p in document["pathways"]
        if (p["category"], p["school_kind"]) != ("special_measures", "trust")
    ]
    document["pathways"][0]["steps"][0]["deciders"] = []
    refused = await client.post(
        "/policies/intervention",
        json={**publication, "effective_from": "2099-01-01"},
        headers=bearer(settings, Role.ADMIN, "ada"),
    )
    assert refused.status_code == 422
    assert [e["msg"] for e in refused.json()["errors"]] == [
        "category special_measures has no pathway for a trust school",
        "pathway special_measures/maintained: step dao_issued has no decider",
    ]


async def test_a_new_version_changes_new_interventions_only(
    client: httpx.AsyncClient,
    settings: Settings,
    log: EventStore,
    pool: asyncpg.Pool,
    clock: ManualClock,
) -> None:
    first, second = await register_school(log), await register_school(log)
    await known(pool, urns=[first, second])
    cw = bearer(settings, Role.CASEWORKER, "carol")
    opening = {
        "school_kind": "maintained",
        "category_of_concern": "requires_significant_improvement",
        "reason": "Requires significant improvement.",
    }
    clock.advance_to(date(2044, 3, 1))
    before = await client.post("/school-interventions", json={**opening, "urn": first}, headers=cw)
    assert before.status_code == 201, before.text
    # Other tests may have published versions into this database: ask which is in force.
    in_force = await client.get(
        "/policies/intervention/in-force", params={"on": "2044-03-01"}, headers=cw
    )
    assert in_force.status_code == 200, in_force.text
    before_version = in_force.json()["version"]

    publication = shipped()
    publication["document"]["rise_window_months"] = 12
    published = await client.post(
        "/policies/intervention",
        json={**publication, "effective_from": "2044-03-02", "title": "A shorter RISE window"},
        headers=bearer(settings, Role.ADMIN, "ada"),
    )
    assert published.status_code == 201, published.text
    version = published.json()["version"]
    assert version > 1
    clock.advance_to(date(2044, 3, 2))
    after = await client.post("/school-interventions", json={**opening, "urn": second}, headers=cw)
    assert after.status_code == 201, after.text

    for opened, expected, window_end in (
        (before, before_version, "2045-09-02"),
        (after, version, "2045-03-02"),
    ):
        iid = opened.json()["intervention_id"]
        for n, body in enumerate(
            (
                step("dao_not_issued", reason_code="already_converting"),
                step(
                    "rise_started",
                    rise_adviser="Sam Adviser",
                    rise_supporting_organisation="Northern Lights Trust",
                ),
            ),
            start=1,
        ):
            taken = await client.post(
                f"/school-interventions/{iid}/steps",
                json=body,
                headers={**cw, "If-Match": f'"{n}"'},
            )
            assert taken.status_code == 200, taken.text
        shown = (
            await client.get(f"/school-interventions/{iid}", headers=bearer(settings, Role.READER))
        ).json()
        assert shown["policy_version"] == expected
        assert shown["rise_window_end"] == window_end
