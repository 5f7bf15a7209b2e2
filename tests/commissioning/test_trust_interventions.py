"""Whole-trust intervention, over HTTP, as policy v6's trust pathways allow.

The story: Ofsted's inspection of a trust finds leadership and governance needing urgent
improvement; a case team opens a trust intervention on that inspection; the regional
director gives the whole trust a termination warning notice (its response due in working
days, on the due-work list); the minister gives a termination notice, which opens one
rebrokerage case for all the trust's open academies; both notices are in the open register
(JSON and CSV). And the read model rebuilt from the log gives the same rows.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from services.commissioning.main import create_app
from services.commissioning.trust_interventions.projection import (
    READ_MODEL_TABLES,
    trust_interventions_projection,
)
from services.registry.transfers.clock import ManualClock
from shared.contracts import all_contracts
from shared.contracts.trust_inspections import TrustInspectionOutcome, TrustInspectionRecorded
from shared.db import create_pool
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.rebuild import rebuild_projection
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.http.deps import today
from shared.settings import Settings
from tests.commissioning.conftest import (
    REGISTRY_META,
    bearer,
    fresh_uid,
    known,
    register_school,
    register_trust,
)
from tests.integration.helpers import wait_until

START = date(2027, 3, 1)  # a Monday, with intervention policy version 6 in force
IN_FORCE = 6
HEADING = {"leadership_and_governance": "Leadership and governance"}


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


async def inspect(log: EventStore, uid: int, words: str, start: date = date(2027, 1, 12)) -> str:
    """Record, as the registry would, a trust inspection with this leadership outcome."""
    inspection_id = f"TI-{uuid.uuid4().hex[:12]}"
    recorded = TrustInspectionRecorded(
        uid=uid,
        inspection_id=inspection_id,
        inspection_start=start,
        publication_date=start + timedelta(days=28),
        inspection_type="Trust inspection",
        outcomes=[
            TrustInspectionOutcome(
                area="leadership_and_governance",
                heading=HEADING["leadership_and_governance"],
                outcome=words,
            )
        ],
        source_file="trust_inspections_2027_02.csv",
        format_version=1,
    )
    await log.append(f"trust-{uid}", [NewEvent(recorded, REGISTRY_META)], expected_version=ANY)
    return inspection_id


async def inspection_known(pool: asyncpg.Pool, uid: int, inspection_id: str) -> None:
    async def there() -> bool:
        found = await pool.fetchval(
            "SELECT count(*) FROM commissioning_trust_inspections"
            " WHERE trust_uid = $1 AND inspection_id = $2",
            uid,
            inspection_id,
        )
        return bool(found)

    await wait_until(there, what="commissioning to know the trust inspection")


def step(name: str, grade: str = "regional_director") -> dict[str, Any]:
    return {
        "step": name,
        "decided_by": "Rhian Director",
        "decider_grade": grade,
        "reason": f"{name}: decided at the regional board",
        "evidence_ids": [f"note-{name}"],
    }


def opening(uid: int, inspection_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "trust_uid": uid,
        "trigger": "trust_inspection_failing",
        "reason": "Ofsted found the trust failing to govern.",
        "evidence_ids": ["ofsted-trust-report"],
    }
    if inspection_id is not None:
        body["trust_inspection_id"] = inspection_id
    return body


async def failing_trust(log: EventStore, pool: asyncpg.Pool) -> tuple[int, list[int], str, str]:
    """A trust with two open academies, inspected twice: not failing, then failing."""
    uid = await register_trust(log)
    academies = sorted([await register_school(log, trust_uid=uid) for _ in range(2)])
    await known(pool, urns=academies, uids=[uid])
    passing = await inspect(log, uid, "Needs attention", date(2026, 11, 2))
    failing = await inspect(log, uid, "Urgent improvement")
    await inspection_known(pool, uid, passing)
    await inspection_known(pool, uid, failing)
    return uid, academies, failing, passing


async def trust_notices(
    client: httpx.AsyncClient, settings: Settings, uid: int
) -> list[tuple[str, ...]]:
    """The trust's rows in the open register's notices, from every JSON page and from the
    CSV, checked to agree: (kind, issued_on, status, response_due_on, urn)."""
    headers = bearer(settings, Role.READER, "rita")
    found: list[tuple[str, ...]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        answer = await client.get("/register/notices", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        found += [
            (n["notice_kind"], n["issued_on"], n["status"], n["response_due_on"] or "", "")
            for n in answer.json()["items"]
            if n["trust_uid"] == uid and n["urn"] is None
        ]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            break
    table = await client.get("/register/notices", params={"format": "csv"}, headers=headers)
    assert table.status_code == 200, table.text
    rows = [
        (r["notice_kind"], r["issued_on"], r["status"], r["response_due_on"], r["urn"])
        for r in csv.DictReader(io.StringIO(table.text))
        if r["trust_uid"] == str(uid)
    ]
    assert rows == found
    return found


async def test_a_failing_trust_inspection_to_one_rebrokerage_case_for_the_trusts_academies(
    client: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    uid, academies, failing, passing = await failing_trust(log, pool)
    cw = bearer(settings, Role.CASEWORKER, "carol")
    reader = bearer(settings, Role.READER, "rita")

    # An inspection that does not meet the failing rule, opened while it was the latest
    # (before the failing one began): 409 naming the rule and its outcomes.
    not_failing = await client.post(
        "/trust-interventions",
        json={**opening(uid, passing), "opened_on": "2027-01-11"},
        headers=cw,
    )
    assert not_failing.status_code == 409, not_failing.text
    assert not_failing.headers["content-type"] == "application/problem+json"
    problem = not_failing.json()
    assert (problem["policy"], problem["policy_version"]) == ("intervention", IN_FORCE)
    assert problem["failing_when"] == [
        {"area": "leadership_and_governance", "outcomes": ["Urgent improvement"]}
    ]
    assert problem["inspection_outcomes"] == {"leadership_and_governance": "Needs attention"}
    assert "Urgent improvement" in problem["detail"] and "Needs attention" in problem["detail"]
    # One commissioning does not know for this trust, or none at all: 422.
    unknown = await client.post("/trust-interventions", json=opening(uid, "TI-nope"), headers=cw)
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["trust_inspection_id"] == "TI-nope"
    missing = await client.post("/trust-interventions", json=opening(uid, None), headers=cw)
    assert missing.status_code == 422, missing.text
    # Once a later inspection stands, the earlier one grounds nothing: 422 on its id.
    superseded = await client.post("/trust-interventions", json=opening(uid, passing), headers=cw)
    assert superseded.status_code == 422, superseded.text
    assert superseded.json()["errors"][0]["loc"] == ["body", "trust_inspection_id"]
    listed = await client.get("/trust-interventions", params={"trust_uid": uid}, headers=reader)
    assert listed.status_code == 200 and listed.json()["items"] == []

    opened = await client.post("/trust-interventions", json=opening(uid, failing), headers=cw)
    assert opened.status_code == 201, opened.text
    iid = opened.json()["intervention_id"]
    base = f"/trust-interventions/{iid}"
    assert opened.headers["location"] == base

    async def take(body: dict[str, Any], version: int) -> httpx.Response:
        return await client.post(
            f"{base}/steps", json=body, headers={**cw, "If-Match": f'"{version}"'}
        )

    early = await take(step("termination_notice", "minister"), 1)
    assert early.status_code == 409
    assert (early.json()["policy_version"], early.json()["allowed_steps"]) == (
        IN_FORCE,
        ["termination_warning_notice"],
    )
    assert f"v{IN_FORCE}" in early.json()["detail"]
    twn = await take(step("termination_warning_notice"), 1)
    assert twn.status_code == 200, twn.text
    shown = (await client.get(base, headers=reader)).json()
    assert shown["steps"][0]["response_due_on"] == "2027-03-22"  # 15 working days
    assert shown["allowed_steps"] == ["termination_notice", "notice_withdrawn"]
    assert shown["inspection_outcomes"] == {"leadership_and_governance": "Urgent improvement"}

    async def due() -> list[dict[str, Any]]:
        answer = await client.get("/deadlines", params={"kind": "notice_response"}, headers=reader)
        assert answer.status_code == 200, answer.text
        return [d for d in answer.json()["items"] if d["intervention_id"] == iid]

    async def on_the_list() -> bool:
        return bool(await due())

    await wait_until(on_the_list, what="the trust's notice response on the due-work list")
    (deadline,) = await due()
    assert (deadline["source"], deadline["due_on"], deadline["trust_uid"]) == (
        "trust_intervention",
        "2027-03-22",
        uid,
    )
    assert deadline["working_days"] == 15 and deadline["overdue"] is False

    # Only the minister may give the termination notice.
    by_director = await take(step("termination_notice"), 2)
    assert by_director.status_code == 409
    assert by_director.json()["allowed_deciders"] == ["minister"]
    notice = await take(step("termination_notice", "minister"), 2)
    assert notice.status_code == 200, notice.text
    case_id = notice.json()["case_id"]
    assert case_id is not None
    case = await client.get(f"/cases/{case_id}", headers=reader)
    assert case.status_code == 200, case.text
    assert case.json()["trigger"] == "rebrokerage"
    assert sorted(case.json()["urns"]) == academies
    assert case.json()["intervention_id"] == iid

    shown = (await client.get(base, headers=reader)).json()
    assert [(s["step"], s["policy_version"], s["decider_grade"]) for s in shown["steps"]] == [
        ("termination_warning_notice", IN_FORCE, "regional_director"),
        ("termination_notice", IN_FORCE, "minister"),
    ]
    assert shown["steps"][1]["urns"] == academies
    assert shown["case_ids"] == [case_id] and shown["allowed_steps"] == ["closed"]

    async def listed_done() -> bool:
        items = (
            await client.get("/trust-interventions", params={"trust_uid": uid}, headers=reader)
        ).json()["items"]
        return [(i["intervention_id"], i["last_step"]) for i in items] == [
            (iid, "termination_notice")
        ]

    await wait_until(listed_done, what="the trust's intervention listed at its last step")
    # The notice was answered by the termination notice: no longer due.
    assert await due() == []
    # Both notices are public acts: in the open register, by issue date, no academy.
    assert await trust_notices(client, settings, uid) == [
        ("termination_warning_notice", "2027-03-01", "issued", "2027-03-22", ""),
        ("termination_notice", "2027-03-01", "issued", "", ""),
    ]


async def test_a_breach_starts_with_a_direction_and_names_no_inspection(
    client: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    uid = await register_trust(log)
    urn = await register_school(log, trust_uid=uid)
    await known(pool, urns=[urn], uids=[uid])
    cw = bearer(settings, Role.CASEWORKER, "carol")
    body = {
        "trust_uid": uid,
        "trigger": "breach_of_academy_arrangements",
        "reason": "The trust has not published its accounts as its funding agreement requires.",
    }
    named = await client.post(
        "/trust-interventions", json={**body, "trust_inspection_id": "TI-1"}, headers=cw
    )
    assert named.status_code == 422, named.text
    opened = await client.post("/trust-interventions", json=body, headers=cw)
    assert opened.status_code == 201, opened.text
    shown = (
        await client.get(
            f"/trust-interventions/{opened.json()['intervention_id']}",
            headers=bearer(settings, Role.READER, "rita"),
        )
    ).json()
    assert shown["allowed_steps"] == ["direction_to_trust"]
    assert shown["trust_inspection_id"] is None and shown["inspection_outcomes"] == {}
    unknown_trust = await client.post(
        "/trust-interventions", json={**body, "trust_uid": fresh_uid()}, headers=cw
    )
    assert unknown_trust.status_code == 422


async def test_the_trust_interventions_read_model_rebuilds_alike(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]], clock: ManualClock
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        log = EventStore(pool, all_contracts())
        rows = "SELECT * FROM commissioning_trust_interventions ORDER BY intervention_id"
        notices = "SELECT * FROM commissioning_trust_notices ORDER BY position"
        async for client in _app_client(settings, url, clock):
            uid, _, failing, _ = await failing_trust(log, pool)
            cw = bearer(settings, Role.CASEWORKER, "carol")
            ids = []
            for _ in range(2):
                opened = await client.post(
                    "/trust-interventions", json=opening(uid, failing), headers=cw
                )
                assert opened.status_code == 201, opened.text
                ids.append(opened.json()["intervention_id"])
            for n, body in ((1, step("termination_warning_notice")), (2, step("notice_withdrawn"))):
                taken = await client.post(
                    f"/trust-interventions/{ids[0]}/steps",
                    json=body,
                    headers={**cw, "If-Match": f'"{n}"'},
                )
                assert taken.status_code == 200, taken.text

            async def caught_up() -> bool:
                found = await pool.fetch(rows)
                return {r["last_step"] for r in found} == {"notice_withdrawn", None}

            await wait_until(caught_up, what="the trust interventions' read model")
            # The withdrawal adds no row to the register: it ends the notice it withdraws.
            assert await trust_notices(client, settings, uid) == [
                ("termination_warning_notice", "2027-03-01", "withdrawn", "2027-03-22", "")
            ]
        before = [dict(r) for r in await pool.fetch(rows)]
        assert len(before) == 2
        notices_before = [dict(r) for r in await pool.fetch(notices)]
        assert len(notices_before) == 1
        report = await rebuild_projection(
            url,
            settings,
            trust_interventions_projection(),
            READ_MODEL_TABLES,
            all_contracts(),
            service="commissioning",
        )
        assert report.events == 4  # two openings, two steps
        assert [dict(r) for r in await pool.fetch(rows)] == before
        assert [dict(r) for r in await pool.fetch(notices)] == notices_before
    finally:
        await pool.close()
