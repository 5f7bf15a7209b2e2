"""Concerns about trusts over HTTP: recorded, re-rated, acted on, de-escalated and closed;
listed, shown on shortlists and area plans, due for review; a rebuild gives the same rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
import httpx

from services.commissioning.concerns.projection import (
    READ_MODEL_TABLES,
    concerns_projection,
)
from services.commissioning.main import create_app
from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.rebuild import rebuild_projection
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.http.deps import today
from shared.settings import Settings
from tests.commissioning.conftest import (
    TODAY,
    bearer,
    known,
    register_school,
    register_trust,
)
from tests.integration.helpers import wait_until

PROBLEM = "application/problem+json"


def opening(trust_uid: int, **more: Any) -> dict[str, Any]:
    return {
        "trust_uid": trust_uid,
        "concern_type": "financial_deficit",
        "referral": "internal",
        "rag": "red",
        "review_on": "2026-12-15",
        "summary": "Accounts show an in-year deficit.",
        **more,
    }


async def _open(client: httpx.AsyncClient, settings: Settings, trust_uid: int, **more: Any) -> str:
    opened = await client.post(
        "/concerns", json=opening(trust_uid, **more), headers=bearer(settings, Role.CASEWORKER)
    )
    assert opened.status_code == 201, opened.text
    assert opened.headers["ETag"] == '"1"'
    concern_id: str = opened.json()["concern_id"]
    assert opened.headers["Location"] == f"/concerns/{concern_id}"
    return concern_id


async def _post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str], v: int
) -> httpx.Response:
    return await client.post(path, json=body, headers={**headers, "If-Match": f'"{v}"'})


async def test_a_concern_is_rated_acted_on_de_escalated_and_closed(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log, "Worrying Trust")
    await register_school(log, trust_uid=trust)
    await known(pool, uids=[trust])
    cw = bearer(settings, Role.CASEWORKER)
    reader = bearer(settings, Role.READER, "rita")

    unknown = await commissioning.post("/concerns", json=opening(99_999_999), headers=cw)
    assert unknown.status_code == 422 and unknown.headers["content-type"] == PROBLEM
    assert unknown.json()["errors"][0]["loc"] == ["body", "trust_uid"]
    bad_type = await commissioning.post(
        "/concerns", json=opening(trust, concern_type="ofsted_grade"), headers=cw
    )
    assert bad_type.status_code == 422 and "concern_type" in bad_type.text
    early_review = await commissioning.post(
        "/concerns", json=opening(trust, review_on="2026-01-01"), headers=cw
    )
    assert early_review.status_code == 422
    assert early_review.json()["errors"][0]["loc"] == ["body", "review_on"]
    refused = await commissioning.post("/concerns", json=opening(trust), headers=reader)
    assert refused.status_code == 403

    cid = await _open(commissioning, settings, trust, rag="red_plus")
    path = f"/concerns/{cid}"
    no_if_match = await commissioning.post(
        f"{path}/ratings", json={"rag": "red", "review_on": "2027-01-10", "reason": "r"}, headers=cw
    )
    assert no_if_match.status_code == 428
    stale = await _post(
        commissioning,
        f"{path}/ratings",
        {"rag": "red", "review_on": "2027-01-10", "reason": "r"},
        cw,
        5,
    )
    assert stale.status_code == 412
    rated = await _post(
        commissioning,
        f"{path}/ratings",
        {"rag": "red", "review_on": "2027-01-10", "reason": "A recovery plan was agreed."},
        cw,
        1,
    )
    assert rated.status_code == 200, rated.text
    added = await _post(
        commissioning,
        f"{path}/actions",
        {"action_type": "srma_review", "note": "An SRMA is commissioned."},
        cw,
        2,
    )
    assert added.status_code == 201, added.text
    action = added.json()["action_id"]
    moved = await _post(
        commissioning,
        f"{path}/actions/{action}/status",
        {"status": "completed", "reason": "The SRMA reported."},
        cw,
        3,
    )
    assert moved.status_code == 200, moved.text
    again = await _post(
        commissioning,
        f"{path}/actions/{action}/status",
        {"status": "in_progress", "reason": "Reopened."},
        cw,
        4,
    )
    assert again.status_code == 409
    up = await _post(
        commissioning,
        f"{path}/de-escalation",
        {"rag": "red_plus", "review_on": "2027-02-01", "reason": "Worse."},
        cw,
        4,
    )
    assert up.status_code == 422 and up.json()["errors"][0]["loc"] == ["body", "rag"]
    down = await _post(
        commissioning,
        f"{path}/de-escalation",
        {"rag": "amber_green", "review_on": "2027-02-01", "reason": "The plan is working."},
        cw,
        4,
    )
    assert down.status_code == 200, down.text

    got = await commissioning.get(path, headers=reader)
    assert got.status_code == 200, got.text
    assert got.headers["ETag"] == '"5"'
    view = got.json()
    assert (view["status"], view["rag"], view["review_on"]) == (
        "de_escalated",
        "amber_green",
        "2027-02-01",
    )
    assert [(r["how"], r["rag"]) for r in view["ratings"]] == [
        ("opened", "red_plus"),
        ("rated", "red"),
        ("de_escalated", "amber_green"),
    ]
    assert [(a["action_type"], a["status"]) for a in view["actions"]] == [
        ("srma_review", "completed")
    ]
    assert view["actions"][0]["history"][0]["reason"] == "The SRMA reported."
    assert all(s["verified"] is False for s in view["sources"])

    # A decision maker may close it; then it changes no more.
    closed = await _post(
        commissioning,
        f"{path}/closure",
        {"reason": "Recovered."},
        bearer(settings, Role.DECISION_MAKER),
        5,
    )
    assert closed.status_code == 200, closed.text
    after = await _post(
        commissioning,
        f"{path}/ratings",
        {"rag": "red", "review_on": "2027-01-10", "reason": "Again."},
        cw,
        6,
    )
    assert after.status_code == 409 and after.headers["content-type"] == PROBLEM

    # Listed with filters, newest first, one page at a time.
    second = await _open(commissioning, settings, trust, concern_type="governance")

    async def listed(**params: Any) -> list[str]:
        page = await commissioning.get(
            "/concerns", params={"trust_uid": trust, **params}, headers=reader
        )
        assert page.status_code == 200, page.text
        return [c["concern_id"] for c in page.json()["items"]]

    async def both() -> bool:
        return await listed() == [second, cid]

    await wait_until(both, what="both concerns listed")
    assert await listed(status="closed") == [cid]
    assert await listed(rag="red") == [second]
    first_page = await commissioning.get(
        "/concerns", params={"trust_uid": trust, "limit": 1}, headers=reader
    )
    cursor = first_page.json()["next_cursor"]
    assert cursor is not None
    assert await listed(limit=1, cursor=cursor) == [cid]
    bad_rag = await commissioning.get("/concerns", params={"rag": "green"}, headers=reader)
    assert bad_rag.status_code == 422

    # Where the trust is: a reader elsewhere neither reads it nor sees it listed.
    london = issue_token(settings, roles=[Role.READER], subject="lou", scopes=["region:H"])
    elsewhere = {"Authorization": f"Bearer {london}"}
    assert (await commissioning.get(path, headers=elsewhere)).status_code == 403
    hidden = await commissioning.get("/concerns", params={"trust_uid": trust}, headers=elsewhere)
    assert hidden.status_code == 200 and hidden.json()["items"] == []


async def test_an_open_red_concern_warns_on_shortlists_and_area_plans_and_falls_due(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log, "Flagged Trust")
    await register_school(log, trust_uid=trust)
    urn = await register_school(log)
    await known(pool, urns=[urn], uids=[trust])
    case = await commissioning.post(
        "/cases",
        json={"urns": [urn], "trigger": "inadequate_dao", "title": "Concern case"},
        headers=bearer(settings, Role.CASEWORKER),
    )
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    reader = bearer(settings, Role.READER, "rita")

    async def candidate() -> dict[str, Any]:
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = await commissioning.get(
                f"/cases/{case_id}/candidates", params=params, headers=reader
            )
            assert page.status_code == 200, page.text
            found: list[dict[str, Any]] = [
                c for c in page.json()["candidates"] if c["trust_uid"] == trust
            ]
            if found:
                return found[0]
            cursor = page.json()["next_cursor"]
            assert cursor is not None, "the trust is not ranked"

    before = await candidate()
    assert before["concern_warnings"] == []
    amber = await _open(commissioning, settings, trust, rag="amber_green", review_on="2026-11-30")
    red = await _open(
        commissioning, settings, trust, rag="red", opened_on="2026-10-01", review_on="2026-11-19"
    )

    async def warned() -> bool:
        return bool((await candidate())["concern_warnings"])

    await wait_until(warned, what="the red concern to show on the shortlist")
    after = await candidate()
    assert [(w["concern_id"], w["concern_type"], w["rag"]) for w in after["concern_warnings"]] == [
        (red, "financial_deficit", "red")
    ]
    assert any("open red concern" in w for w in after["warnings"])
    assert after["fit"] == before["fit"]

    plan = await commissioning.get("/areas/Leeds/plan", headers=reader)
    assert plan.status_code == 200, plan.text
    mine = [w for w in plan.json()["concern_warnings"] if w["trust_uid"] == trust]
    assert [(w["concern_id"], w["rag"], w["schools_in_area"]) for w in mine] == [(red, "red", 1)]

    due = await commissioning.get("/deadlines", params={"kind": "concern_review"}, headers=reader)
    assert due.status_code == 200, due.text
    reviews = [d for d in due.json()["items"] if d["concern_id"] in (red, amber)]
    assert [(d["concern_id"], d["overdue"], d["source"]) for d in reviews] == [
        (red, True, "concern"),
        (amber, False, "concern"),
    ]
    assert reviews[0]["trust_uid"] == trust and reviews[0]["region_code"] == "D"

    closed = await _post(
        commissioning,
        f"/concerns/{red}/closure",
        {"reason": "Resolved."},
        bearer(settings, Role.CASEWORKER),
        1,
    )
    assert closed.status_code == 200, closed.text

    async def cleared() -> bool:
        return not (await candidate())["concern_warnings"]

    await wait_until(cleared, what="the closed concern to leave the shortlist")
    due = await commissioning.get("/deadlines", params={"kind": "concern_review"}, headers=reader)
    assert red not in {d["concern_id"] for d in due.json()["items"]}


async def test_the_concerns_read_model_rebuilds_alike(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        log = EventStore(pool, all_contracts())
        trusts = [await register_trust(log, f"Trust {n}") for n in range(2)]
        for uid in trusts:
            await register_school(log, trust_uid=uid)
        app = create_app(settings, url=url)

        async def fixed_today() -> date:
            return TODAY

        app.dependency_overrides[today] = fixed_today
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                await known(pool, uids=trusts)
                cw = bearer(settings, Role.CASEWORKER)
                first = await _open(client, settings, trusts[0])
                await _open(client, settings, trusts[1], rag="amber_green")
                for n, (route, body) in enumerate(
                    (
                        ("ratings", {"rag": "red_plus", "review_on": "2027-01-01", "reason": "x"}),
                        ("actions", {"action_type": "financial_plan", "note": "A plan."}),
                        ("closure", {"reason": "Resolved."}),
                    ),
                    start=1,
                ):
                    done = await _post(client, f"/concerns/{first}/{route}", body, cw, n)
                    assert done.status_code in (200, 201), done.text
        rows = "SELECT * FROM commissioning_trust_concerns ORDER BY concern_id"
        before = [dict(r) for r in await pool.fetch(rows)]
        assert len(before) == 2
        assert {(r["status"], r["rag"]) for r in before} == {
            ("closed", "red_plus"),
            ("open", "amber_green"),
        }

        report = await rebuild_projection(
            url,
            settings,
            concerns_projection(),
            READ_MODEL_TABLES,
            all_contracts(),
            service="commissioning",
        )
        assert report.events == 5  # two openings, three changes
        assert [dict(r) for r in await pool.fetch(rows)] == before
    finally:
        await pool.close()
