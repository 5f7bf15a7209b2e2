"""What falls due, over HTTP on a hand-moved clock; and the school interventions' read model
rebuilt from the log gives the same rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from services.commissioning.main import create_app
from services.commissioning.school_interventions.projection import (
    READ_MODEL_TABLES,
    school_interventions_projection,
)
from services.registry.transfers.clock import ManualClock
from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.rebuild import rebuild_projection
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.http.deps import today
from shared.settings import Settings
from tests.commissioning.conftest import bearer, known, register_school, register_trust
from tests.integration.helpers import wait_until
from tests.notices import DECIDED

START = date(2030, 3, 4)  # a Monday


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


async def _app_client(
    settings: Settings, url: str, clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, url=url)

    async def manual_today() -> date:
        return clock.today()

    app.dependency_overrides[today] = manual_today
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@pytest.fixture
async def client(
    settings: Settings, database_url: str, clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _app_client(settings, database_url, clock):
        yield c


def step(name: str, **more: Any) -> dict[str, Any]:
    return {
        "step": name,
        "decided_by": "Rhian Director",
        "decider_grade": "regional_director",
        "reason": f"{name} at the board",
        **more,
    }


async def _rise_school(client: httpx.AsyncClient, settings: Settings, urn: int) -> str:
    """A maintained school requiring significant improvement, in RISE from today."""
    cw = bearer(settings, Role.CASEWORKER, "carol")
    opened = await client.post(
        "/school-interventions",
        json={
            "urn": urn,
            "school_kind": "maintained",
            "category_of_concern": "requires_significant_improvement",
            "reason": "Requires significant improvement.",
        },
        headers=cw,
    )
    assert opened.status_code == 201, opened.text
    iid: str = opened.json()["intervention_id"]
    for n, body in enumerate(
        (
            step("dao_not_issued", reason_code="not_viable_as_academy"),
            step(
                "rise_started",
                rise_adviser="Sam Adviser",
                rise_supporting_organisation="Northern Lights Trust",
            ),
        ),
        start=1,
    ):
        taken = await client.post(
            f"/school-interventions/{iid}/steps", json=body, headers={**cw, "If-Match": f'"{n}"'}
        )
        assert taken.status_code == 200, taken.text
    return iid


async def test_notice_responses_and_rise_windows_fall_due_overdue_first(
    client: httpx.AsyncClient,
    settings: Settings,
    log: EventStore,
    pool: asyncpg.Pool,
    clock: ManualClock,
) -> None:
    trust = await register_trust(log, "Warned Trust")
    academy = await register_school(log, trust_uid=trust)
    maintained = await register_school(log)
    await known(pool, urns=[academy, maintained], uids=[trust])
    cw = bearer(settings, Role.CASEWORKER, "carol")
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
    notice_id = warning.json()["intervention_id"]
    rise_id = await _rise_school(client, settings, maintained)
    mine = {notice_id, rise_id}
    reader = bearer(settings, Role.READER, "rita")

    async def due(**params: str) -> list[dict[str, Any]]:
        response = await client.get("/deadlines", params=params, headers=reader)
        assert response.status_code == 200, response.text
        return [d for d in response.json()["items"] if d["intervention_id"] in mine]

    async def both_listed() -> bool:
        return len(await due(region="D")) == 2

    await wait_until(both_listed, what="both deadlines listed")
    listed = await due(region="D")
    assert [(d["kind"], d["due_on"], d["overdue"], d["working_days"]) for d in listed] == [
        ("notice_response", "2030-03-25", False, 15),
        ("rise_window", "2031-09-04", False, listed[1]["working_days"]),
    ]
    assert listed[1]["source"] == "school_intervention" and listed[1]["urn"] == maintained

    # A month on, the notice's response is overdue; the RISE window is not.
    clock.advance_to(date(2030, 4, 1))
    listed = await due()
    assert [(d["intervention_id"], d["overdue"]) for d in listed] == [
        (notice_id, True),
        (rise_id, False),
    ]
    assert listed[0]["working_days"] == -5  # Monday 25 March to Monday 1 April
    assert [d["intervention_id"] for d in await due(kind="rise_window")] == [rise_id]
    assert await due(region="H") == []

    # Past the window's end, RISE is overdue too, the older one first.
    clock.advance_to(date(2031, 9, 5))
    assert [(d["kind"], d["overdue"]) for d in await due(region="D")] == [
        ("notice_response", True),
        ("rise_window", True),
    ]
    # Ending RISE takes it off the list.
    ended = await client.post(
        f"/school-interventions/{rise_id}/steps",
        json=step("rise_ended", outcome="improved"),
        headers={**cw, "If-Match": '"3"'},
    )
    assert ended.status_code == 200, ended.text
    assert [d["kind"] for d in await due(region="D")] == ["notice_response"]

    # A region's due work is for those who act there; every region's for a national scope.
    london = issue_token(settings, roles=[Role.READER], subject="lou", scopes=["region:H"])
    refused = await client.get(
        "/deadlines", params={"region": "D"}, headers={"Authorization": f"Bearer {london}"}
    )
    assert refused.status_code == 403
    everywhere = await client.get("/deadlines", headers={"Authorization": f"Bearer {london}"})
    assert everywhere.status_code == 403
    own = await client.get(
        "/deadlines", params={"region": "H"}, headers={"Authorization": f"Bearer {london}"}
    )
    assert own.status_code == 200


async def test_the_school_interventions_read_model_rebuilds_alike(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]], clock: ManualClock
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        log = EventStore(pool, all_contracts())
        schools = [await register_school(log) for _ in range(2)]
        async for client in _app_client(settings, url, clock):
            await known(pool, urns=schools)
            first = await _rise_school(client, settings, schools[0])
            await _rise_school(client, settings, schools[1])
            clock.advance_to(date(2031, 9, 4))
            cw = bearer(settings, Role.CASEWORKER, "carol")
            for n, body in (
                (3, step("rise_ended", outcome="not_improved")),
                (4, step("structural_route")),
            ):
                taken = await client.post(
                    f"/school-interventions/{first}/steps",
                    json=body,
                    headers={**cw, "If-Match": f'"{n}"'},
                )
                assert taken.status_code == 200, taken.text
        rows = "SELECT * FROM commissioning_school_interventions ORDER BY intervention_id"
        before = [dict(r) for r in await pool.fetch(rows)]
        assert len(before) == 2
        assert {r["last_step"] for r in before} == {"structural_route", "rise_started"}
        assert any(r["case_ids"] for r in before)

        report = await rebuild_projection(
            url,
            settings,
            school_interventions_projection(),
            READ_MODEL_TABLES,
            all_contracts(),
            service="commissioning",
        )
        assert report.events == 8  # two openings, six steps
        assert [dict(r) for r in await pool.fetch(rows)] == before
    finally:
        await pool.close()
