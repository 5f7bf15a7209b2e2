"""``make run``'s other samples: a school in RISE, a red concern about a trust and a board
with a declared conflict, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import httpx

from services.commissioning.cli import first_run
from services.commissioning.main import create_app
from shared.contracts import all_contracts
from shared.contracts.registry import OfstedInspectionRecorded
from shared.db import create_pool
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.settings import Settings
from tests.commissioning.conftest import REGISTRY_META, bearer, register_school, register_trust
from tests.integration.helpers import wait_until


async def test_first_run_puts_a_school_in_rise_and_a_red_concern_on_the_biggest_trust(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        log = EventStore(pool, all_contracts())
        small, big = await register_trust(log, "Small Trust"), await register_trust(log, "Big")
        await register_school(log, trust_uid=small)
        for _ in range(3):  # the academy below makes the small trust's second
            await register_school(log, trust_uid=big)
        academy, maintained = (
            await register_school(log, trust_uid=small),
            await register_school(log),
        )
        for urn in (academy, maintained):
            inspection = OfstedInspectionRecorded(
                urn=urn,
                framework="single_grade",
                inspection_start=date(2025, 3, 4),
                overall_effectiveness="inadequate",
                category_of_concern="special_measures",
            )
            await log.append(
                f"school-{urn}", [NewEvent(inspection, REGISTRY_META)], expected_version="any"
            )

        await first_run(url)
        await first_run(url)
        streams = await pool.fetch(
            "SELECT category, stream_id, count(*) AS n FROM events"
            " WHERE category IN ('school_intervention', 'concern', 'trust_intervention')"
            " GROUP BY 1, 2 ORDER BY 1"
        )
        assert [(r["category"], r["n"]) for r in streams] == [
            ("concern", 2),
            ("school_intervention", 3),
            ("trust_intervention", 2),
        ]
        direction = await log.read_stream(streams[2]["stream_id"])
        assert (direction[0].data["trust_uid"], direction[1].data["step"]) == (
            big,
            "direction_to_trust",
        )
        concern = (await log.read_stream(streams[0]["stream_id"]))[0]
        assert (concern.data["trust_uid"], concern.data["rag"]) == (big, "red")
        assert concern.metadata["actor"] == "system:first-run"
        rise = await log.read_stream(streams[1]["stream_id"])
        # The sample case is the first opened (the second is the sample approval's).
        case_stream = await pool.fetchrow(
            "SELECT stream_id FROM events WHERE event_type = 'commissioning.CaseOpened'"
            " ORDER BY position LIMIT 1"
        )
        [board_stream] = await pool.fetch(
            "SELECT DISTINCT stream_id FROM events WHERE category = 'board'"
        )
        case_id = case_stream["stream_id"].removeprefix("case-")
        board_id = board_stream["stream_id"].removeprefix("board-")
        assert rise[0].data["urn"] == maintained
        assert [e.data.get("step") for e in rise[1:]] == ["dao_not_issued", "rise_started"]
    finally:
        await pool.close()

    app = create_app(settings, url=url)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        reader = bearer(settings, Role.READER)
        intervention = await client.get(
            f"/school-interventions/{rise[0].data['intervention_id']}", headers=reader
        )
        assert intervention.status_code == 200, intervention.text
        assert intervention.json()["rise_window_end"] is not None

        async def due() -> set[str]:
            answer = await client.get("/deadlines", headers=reader)
            assert answer.status_code == 200, answer.text
            return {d["kind"] for d in answer.json()["items"]}

        async def both_due() -> bool:
            return await due() == {"rise_window", "concern_review"}

        await wait_until(both_due, what="the samples' deadlines")

        # The sample case is on the sample board's agenda, with its member's conflict shown.
        async def conflicted() -> bool:
            answer = await client.get(f"/boards/{board_id}", headers=reader)
            if answer.status_code != 200:
                return False
            agenda = {a["case_id"]: a["conflicts"] for a in answer.json()["agenda"]}
            return bool(agenda.get(case_id))

        await wait_until(conflicted, what="the sample board's conflict on the sample case")
