"""Significant changes to academies over HTTP: proposed, objected to, decided once after the
consultation, with the equality duty for an approval; refusals name the field and write
nothing."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.commissioning.conftest import at_version, bearer, known, register_school, register_trust


def proposal(urn: int, **changes: Any) -> dict[str, Any]:
    return {
        "urn": urn,
        "change_type": "age_range",
        "description": "Add a nursery class.",
        "consultation_start": "2026-10-01",
        "consultation_end": "2026-11-12",
        **changes,
    }


def decision(**changes: Any) -> dict[str, Any]:
    return {
        "outcome": "approved",
        "reasons": "Places are needed nearby.",
        "decision_maker_name": "Dee Deputy",
        "decision_maker_grade": "deputy_director",
        "equality": {"likely_impact": "None adverse.", "mitigation": "None needed."},
        **changes,
    }


async def test_a_change_is_proposed_objected_to_and_decided_once(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log)
    academy = await register_school(log, trust_uid=trust)
    maintained = await register_school(log)
    await known(pool, urns=[academy, maintained], uids=[trust])
    cw = bearer(settings, Role.CASEWORKER)
    dm = bearer(settings, Role.DECISION_MAKER)

    not_academy = await commissioning.post(
        "/significant-changes", json=proposal(maintained), headers=cw
    )
    assert not_academy.status_code == 422, not_academy.text
    assert not_academy.json()["errors"][0]["loc"] == ["body", "urn"]

    made = await commissioning.post("/significant-changes", json=proposal(academy), headers=cw)
    assert made.status_code == 201, made.text
    path = made.headers["Location"]
    change_id = made.json()["significant_change_id"]
    assert path == f"/significant-changes/{change_id}"

    objected = await commissioning.post(
        f"{path}/objections",
        json={"objector": "A parent", "summary": "Too crowded.", "received_on": "2026-10-20"},
        headers=await at_version(commissioning, settings, path, cw),
    )
    assert objected.status_code == 200, objected.text

    before = len(await log.read_stream(f"significant_change-{change_id}"))
    no_equality = await commissioning.post(
        f"{path}/decision",
        json=decision(equality=None),
        headers=await at_version(commissioning, settings, path, dm),
    )
    assert no_equality.status_code == 422, no_equality.text
    assert ["body", "equality"] in [e["loc"] for e in no_equality.json()["errors"]]
    as_caseworker = await commissioning.post(
        f"{path}/decision",
        json=decision(),
        headers=await at_version(commissioning, settings, path, cw),
    )
    assert as_caseworker.status_code == 403
    assert len(await log.read_stream(f"significant_change-{change_id}")) == before

    decided = await commissioning.post(
        f"{path}/decision",
        json=decision(),
        headers=await at_version(commissioning, settings, path, dm),
    )
    assert decided.status_code == 200, decided.text
    again = await commissioning.post(
        f"{path}/decision",
        json=decision(outcome="declined", equality=None),
        headers=await at_version(commissioning, settings, path, dm),
    )
    assert again.status_code == 409, again.text

    shown = (await commissioning.get(path, headers=bearer(settings, Role.READER, "rita"))).json()
    # The tier is the policy's, with the version it came from.
    assert (shown["trust_uid"], shown["change_type"], shown["tier"]) == (
        trust,
        "age_range",
        "tier_1",
    )
    assert shown["types_policy_version"] == 1
    assert shown["decision"]["types_policy_version"] == 1
    assert [o["objector"] for o in shown["objections"]] == ["A parent"]
    assert shown["decision"]["outcome"] == "approved"
    assert shown["decision"]["objections_considered"] == 1
    assert shown["decision"]["recorded_by"] == "dora" and shown["proposed_by"] == "carol"


async def test_a_change_is_not_decided_while_its_consultation_runs(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log)
    academy = await register_school(log, trust_uid=trust)
    await known(pool, urns=[academy], uids=[trust])
    cw = bearer(settings, Role.CASEWORKER)
    made = await commissioning.post(
        "/significant-changes",
        json=proposal(academy, consultation_end="2026-12-31"),
        headers=cw,
    )
    assert made.status_code == 201, made.text
    path = made.headers["Location"]
    early = await commissioning.post(
        f"{path}/decision",
        json=decision(),
        headers=await at_version(
            commissioning, settings, path, bearer(settings, Role.DECISION_MAKER)
        ),
    )
    assert early.status_code == 409, early.text
    assert early.json()["consultation_end"] == "2026-12-31"


async def test_a_change_is_of_a_type_the_policy_lists_consulted_on_and_decided_as_it_says(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log)
    academy = await register_school(log, trust_uid=trust)
    await known(pool, urns=[academy], uids=[trust])
    cw = bearer(settings, Role.CASEWORKER)
    before = await pool.fetchval(
        "SELECT count(*) FROM events WHERE category = 'significant_change'"
    )
    for body, loc, words in (
        (proposal(academy, change_type="new_wing"), ["body", "change_type"], "not a type"),
        (
            proposal(academy, consultation_end="2026-10-20"),
            ["body", "consultation_end"],
            "at least 28 days",
        ),
        (proposal(academy, tier="tier_3"), ["body", "tier"], "Extra inputs"),
    ):
        refused = await commissioning.post("/significant-changes", json=body, headers=cw)
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error["loc"] == loc and words in error["msg"], error
    unknown = await commissioning.post(
        "/significant-changes", json=proposal(academy, change_type="new_wing"), headers=cw
    )
    assert "faith_designation" in unknown.json()["errors"][0]["allowed"]
    after = await pool.fetchval("SELECT count(*) FROM events WHERE category = 'significant_change'")
    assert after == before, "a refusal wrote nothing"

    # An amalgamation is tier 3: a deputy director may not decide it; a regional director may.
    made = await commissioning.post(
        "/significant-changes", json=proposal(academy, change_type="amalgamation"), headers=cw
    )
    assert made.status_code == 201, made.text
    path = made.headers["Location"]
    shown = (await commissioning.get(path, headers=cw)).json()
    assert (shown["tier"], shown["types_policy_version"]) == ("tier_3", 1)
    dm = bearer(settings, Role.DECISION_MAKER)
    deputy = await commissioning.post(
        f"{path}/decision",
        json=decision(),
        headers=await at_version(commissioning, settings, path, dm),
    )
    assert deputy.status_code == 422, deputy.text
    [error] = deputy.json()["errors"]
    assert error["loc"] == ["body", "decision_maker_grade"]
    assert error["allowed"] == ["minister", "director_general", "regional_director"]
    director = await commissioning.post(
        f"{path}/decision",
        json=decision(decision_maker_grade="regional_director"),
        headers=await at_version(commissioning, settings, path, dm),
    )
    assert director.status_code == 200, director.text


async def test_changes_are_listed_newest_first_a_page_at_a_time_where_the_caller_acts(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust, other = await register_trust(log), await register_trust(log)
    leeds = await register_school(log, trust_uid=trust)
    london = await register_school(log, trust_uid=other, la_code="202", region="H")
    await known(pool, urns=[leeds, london], uids=[trust, other])
    cw = bearer(settings, Role.CASEWORKER)
    made = []
    for urn, change_type in ((leeds, "age_range"), (leeds, "capacity"), (london, "age_range")):
        answer = await commissioning.post(
            "/significant-changes", json=proposal(urn, change_type=change_type), headers=cw
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["significant_change_id"])
    first, second, third = made
    decided = await commissioning.post(
        f"/significant-changes/{first}/decision",
        json=decision(),
        headers=await at_version(
            commissioning,
            settings,
            f"/significant-changes/{first}",
            bearer(settings, Role.DECISION_MAKER),
        ),
    )
    assert decided.status_code == 200, decided.text

    reader = bearer(settings, Role.READER, "rita")

    async def listed(headers: dict[str, str], **params: Any) -> dict[str, Any]:
        answer = await commissioning.get("/significant-changes", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    # The trust's two, newest first, one a page; the decided one shows its outcome.
    page = await listed(reader, trust_uid=trust, limit=1)
    assert [c["significant_change_id"] for c in page["items"]] == [second]
    assert page["items"][0]["outcome"] is None and page["items"][0]["decided_on"] is None
    assert page["items"][0]["school_name"] == f"School {leeds}"
    assert (page["items"][0]["change_type"], page["items"][0]["tier"]) == ("capacity", "tier_1")
    page = await listed(reader, trust_uid=trust, limit=1, cursor=page["next_cursor"])
    assert [c["significant_change_id"] for c in page["items"]] == [first]
    assert page["items"][0]["outcome"] == "approved"
    assert page["next_cursor"] is None
    by_urn = await listed(reader, urn=london)
    assert [c["significant_change_id"] for c in by_urn["items"]] == [third]
    assert by_urn["items"][0]["trust_uid"] == other

    # A region's scope reaches its own academies' changes; an LA's only its LA's.
    for scopes, sees in (
        (["region:D"], {first, second}),
        (["la:202"], {third}),
        (["region:H"], {third}),
    ):
        token = issue_token(settings, roles=[Role.READER], subject="rita", scopes=scopes)
        headers = {"Authorization": f"Bearer {token}"}
        mine = set()
        for uid in (trust, other):
            mine |= {
                c["significant_change_id"] for c in (await listed(headers, trust_uid=uid))["items"]
            }
        assert mine == sees, scopes

    bad = await commissioning.get(
        "/significant-changes", params={"cursor": "not a cursor"}, headers=reader
    )
    assert bad.status_code == 422, bad.text
    assert (await commissioning.get("/significant-changes")).status_code == 401
