"""Cases over HTTP: open, criteria, candidates, shortlist, board, decision, and the role checks."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx

from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.settings import Settings
from tests.commissioning.conftest import (
    TODAY,
    at_version,
    bearer,
    known,
    register_school,
    register_trust,
    stream_events,
)
from tests.integration.helpers import wait_until

PROBLEM = "application/problem+json"


async def open_case(
    client: httpx.AsyncClient, settings: Settings, urns: list[int], trigger: str = "inadequate_dao"
) -> str:
    response = await client.post(
        "/cases",
        json={"urns": urns, "trigger": trigger, "title": f"Case for {urns[0]}"},
        headers=bearer(settings, Role.CASEWORKER),
    )
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    assert response.headers["Location"] == f"/cases/{case_id}"
    return case_id


async def case_when(
    client: httpx.AsyncClient, settings: Settings, case_id: str, **expected: Any
) -> dict[str, Any]:
    """The case once the read model shows ``expected``."""
    reader = bearer(settings, Role.READER, "rita")
    seen: dict[str, Any] = {}

    async def shown() -> bool:
        response = await client.get(f"/cases/{case_id}", headers=reader)
        if response.status_code != 200:
            return False
        seen.update(response.json())
        return all(seen.get(k) == v for k, v in expected.items())

    await wait_until(shown, what=f"case {case_id} to show {expected}")
    return seen


async def to_the_board(
    client: httpx.AsyncClient, settings: Settings, case_id: str, trust_uids: list[int]
) -> None:
    cw = bearer(settings, Role.CASEWORKER)
    shortlisted = await client.post(
        f"/cases/{case_id}/shortlist",
        json={"trust_uids": trust_uids},
        headers=await at_version(client, settings, f"/cases/{case_id}", cw),
    )
    assert shortlisted.status_code == 200, shortlisted.text
    board = await client.post(
        f"/cases/{case_id}/advisory-board",
        json={"board_date": "2026-11-20"},
        headers=await at_version(client, settings, f"/cases/{case_id}", cw),
    )
    assert board.status_code == 200, board.text


def approval(trust_uid: int | None, **changes: Any) -> dict[str, Any]:
    body = {
        "outcome": "approved",
        "decided_on": TODAY.isoformat(),
        "decision_maker_name": "Jane Smith",
        "decision_maker_capacity": "regional_director_for_region",
        "trust_uid": trust_uid,
        "rationale": "The strongest record of improving primaries nearby.",
        "significant_date": "2027-01-01",
        "reason_codes": ["track_record"],
        "equality": {
            "likely_impact": "No adverse impact on pupils with protected characteristics.",
            "mitigation": "None needed.",
        },
    }
    body.update(changes)
    return body


async def test_a_caseworker_opens_a_case_filed_by_region_area_and_school(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    urn = await register_school(log)
    await known(pool, urns=[urn])
    body = {"urns": [urn], "trigger": "inadequate_dao", "title": "DAO"}
    refused = await commissioning.post("/cases", json=body, headers=bearer(settings, Role.READER))
    assert refused.status_code == 403
    unknown = await commissioning.post(
        "/cases", json={**body, "urns": [urn, 999_999]}, headers=bearer(settings, Role.CASEWORKER)
    )
    assert unknown.status_code == 422 and unknown.headers["content-type"] == PROBLEM
    assert unknown.json()["unknown_urns"] == [999_999]

    case_id = await open_case(commissioning, settings, [urn])
    case = await case_when(commissioning, settings, case_id, status="open")
    assert case["region_code"] == "D" and case["area"] == "Leeds" and case["la_codes"] == ["383"]
    assert case["opened_on"] == TODAY.isoformat() and case["opened_by"] == "carol"
    assert case["criteria"]["defaults"] is True
    weights = {p["pillar"]: p["weight"] for p in case["criteria"]["pillars"]}
    assert max(weights, key=lambda k: (weights[k], k)) in (
        "education",
        "school_improvement",
    )

    other = await open_case(commissioning, settings, [urn], trigger="voluntary_conversion")
    await case_when(commissioning, settings, other, status="open")
    reader = bearer(settings, Role.AUDITOR, "audrey")
    listed = (await commissioning.get("/cases", params={"urn": urn}, headers=reader)).json()
    assert [c["case_id"] for c in listed["items"]] == [other, case_id]
    by_trigger = await commissioning.get(
        "/cases",
        params={"urn": urn, "trigger": "inadequate_dao", "region": "D", "area": "leeds"},
        headers=reader,
    )
    assert [c["case_id"] for c in by_trigger.json()["items"]] == [case_id]
    first = (
        await commissioning.get("/cases", params={"urn": urn, "limit": 1}, headers=reader)
    ).json()
    assert [c["case_id"] for c in first["items"]] == [other] and first["next_cursor"]
    second = await commissioning.get(
        "/cases", params={"urn": urn, "limit": 1, "cursor": first["next_cursor"]}, headers=reader
    )
    assert [c["case_id"] for c in second.json()["items"]] == [case_id]
    assert (
        await commissioning.get("/cases", params={"cursor": "!!"}, headers=reader)
    ).status_code == 422
    missing = await commissioning.get("/cases/" + "0" * 32, headers=reader)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


async def test_from_criteria_to_an_approved_decision(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log, "Good Trust")
    sibling = await register_school(log, trust_uid=trust)
    urn = await register_school(log)
    await known(pool, urns=[urn, sibling], uids=[trust])
    case_id = await open_case(commissioning, settings, [urn])
    cw = bearer(settings, Role.CASEWORKER)

    criteria = {
        "pillars": [
            {"pillar": "education", "weight": 3},
            {"pillar": "school_improvement", "weight": 2, "themes": ["track_record"]},
        ],
        "factors": {"distance": 2, "faith_fit": 0},
    }
    bad = await commissioning.put(
        f"/cases/{case_id}/criteria",
        json={"pillars": [{"pillar": "ofsted_grade", "weight": 1}]},
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", cw),
    )
    assert bad.status_code == 422 and bad.json()["unknown_pillars"] == ["ofsted_grade"]
    stale = await commissioning.put(
        f"/cases/{case_id}/criteria", json=criteria, headers={**cw, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    put = await commissioning.put(
        f"/cases/{case_id}/criteria", json=criteria, headers={**cw, "If-Match": '"1"'}
    )
    assert put.status_code == 200, put.text
    assert put.headers["ETag"] == '"2"'

    ranked = await commissioning.get(
        f"/cases/{case_id}/candidates", headers=bearer(settings, Role.READER)
    )
    assert ranked.status_code == 200, ranked.text
    assert {p["pillar"] for p in ranked.json()["pillars"]} == {
        "education",
        "school_improvement",
    }
    assert ranked.json()["factors"]["distance"] == 2

    not_a_candidate = await commissioning.post(
        f"/cases/{case_id}/shortlist",
        json={"trust_uids": [trust, 99_999_999]},
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", cw),
    )
    assert not_a_candidate.status_code == 422
    assert not_a_candidate.json()["not_candidates"] == [99_999_999]
    early = await commissioning.post(
        f"/cases/{case_id}/decision",
        json=approval(trust),
        headers=await at_version(
            commissioning, settings, f"/cases/{case_id}", bearer(settings, Role.DECISION_MAKER)
        ),
    )
    assert early.status_code == 409 and early.headers["content-type"] == PROBLEM
    await to_the_board(commissioning, settings, case_id, [trust])

    by_caseworker = await commissioning.post(
        f"/cases/{case_id}/decision",
        json=approval(trust),
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", cw),
    )
    assert by_caseworker.status_code == 403
    not_first = await commissioning.post(
        f"/cases/{case_id}/decision",
        json=approval(trust, significant_date="2027-01-15"),
        headers=await at_version(
            commissioning,
            settings,
            f"/cases/{case_id}",
            bearer(settings, Role.DECISION_MAKER, "dora"),
        ),
    )
    assert not_first.status_code == 422
    decided = await commissioning.post(
        f"/cases/{case_id}/decision",
        json=approval(trust),
        headers=await at_version(
            commissioning,
            settings,
            f"/cases/{case_id}",
            bearer(settings, Role.DECISION_MAKER, "dora"),
        ),
    )
    assert decided.status_code == 200, decided.text
    decision_id = decided.headers["X-Decision-Id"]

    types = [t for t, _ in await stream_events(log, case_id)]
    assert types[-2:] == ["commissioning.DecisionRecorded", "commissioning.TransferApproved"]
    [approved] = [
        e for e in await log.read_stream(f"case-{case_id}") if e.type.endswith("TransferApproved")
    ]
    assert approved.data["kind"] == "conversion" and approved.data["decision_id"] == decision_id
    assert approved.metadata["actor"] == "dora"

    case = await case_when(commissioning, settings, case_id, status="decided")
    snapshot = [
        e for e in await log.read_stream(f"case-{case_id}") if e.type.endswith("CaseShortlisted")
    ]
    assert any(c["trust_uid"] == trust for c in snapshot[0].data["ranking_snapshot"])
    assert case["shortlist"] == [trust] and case["board_date"] == "2026-11-20"
    assert case["criteria"]["defaults"] is False
    assert case["decision"]["decision_id"] == decision_id
    assert case["decision"]["decision_maker_name"] == "Jane Smith"
    assert case["decision"]["recorded_by"] == "dora"
    assert case["transfer"]["kind"] == "conversion" and case["significant_date"] == "2027-01-01"

    # The approval opened a transfer project: its date is changed there, with a coded reason.
    moved = await commissioning.post(
        f"/cases/{case_id}/significant-date",
        json={"significant_date": "2027-04-01", "reason": "Staff consultation runs longer"},
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", cw),
    )
    assert moved.status_code == 409 and "transfer project" in moved.json()["detail"], moved.text
    project_id = case["decision"]["decision_id"]
    project = f"/projects/{project_id}"
    bad = await commissioning.post(
        f"{project}/significant-date",
        json={"significant_date": "2027-04-01", "reason_code": "weather", "reason": "Snow"},
        headers=await at_version(commissioning, settings, project, cw),
    )
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["loc"] == ["body", "reason_code"]
    moved = await commissioning.post(
        f"{project}/significant-date",
        json={
            "significant_date": "2027-04-01",
            "reason_code": "tupe",
            "reason": "Staff consultation runs longer",
        },
        headers=await at_version(commissioning, settings, project, cw),
    )
    assert moved.status_code == 200, moved.text
    shown = (await commissioning.get(project, headers=cw)).json()
    [change] = shown["date_changes"]
    assert (change["previous_date"], change["significant_date"]) == ("2027-01-01", "2027-04-01")
    assert (change["reason_code"], change["actor"]) == ("tupe", "carol")
    assert shown["project_type"] == "conversion" and not shown["date_confirmed"]


async def test_a_transfer_between_trusts_and_a_deferral_back_to_the_board(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    old, new = await register_trust(log, "Failing Trust"), await register_trust(log, "Strong Trust")
    neighbour = await register_school(log, trust_uid=new)
    urn = await register_school(log, trust_uid=old)
    await known(pool, urns=[urn, neighbour], uids=[old, new])
    case_id = await open_case(commissioning, settings, [urn], trigger="rebrokerage")
    await to_the_board(commissioning, settings, case_id, [new])
    dm = bearer(settings, Role.DECISION_MAKER, "dora")
    deferred = await commissioning.post(
        f"/cases/{case_id}/decision",
        json=approval(
            new,
            outcome="deferred",
            significant_date=None,
            reason_codes=["awaiting_next_ofsted_report"],
        ),
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", dm),
    )
    assert deferred.status_code == 200, deferred.text
    await case_when(commissioning, settings, case_id, status="deferred")
    again = await commissioning.post(
        f"/cases/{case_id}/advisory-board",
        json={"board_date": "2026-11-20"},
        headers=await at_version(
            commissioning, settings, f"/cases/{case_id}", bearer(settings, Role.CASEWORKER)
        ),
    )
    assert again.status_code == 200
    approved = await commissioning.post(
        f"/cases/{case_id}/decision",
        json=approval(new),
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", dm),
    )
    assert approved.status_code == 200, approved.text
    [transfer] = [
        e for e in await log.read_stream(f"case-{case_id}") if e.type.endswith("TransferApproved")
    ]
    assert transfer.data["kind"] == "transfer"
    case = await case_when(commissioning, settings, case_id, status="decided")
    assert [d["outcome"] for d in case["decisions"]] == ["deferred", "approved"]


async def test_two_decisions_racing_exactly_one_wins(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    a, b = await register_trust(log, "Trust A"), await register_trust(log, "Trust B")
    schools = [await register_school(log, trust_uid=a), await register_school(log, trust_uid=b)]
    urn = await register_school(log)
    await known(pool, urns=[urn, *schools], uids=[a, b])
    case_id = await open_case(commissioning, settings, [urn])
    await to_the_board(commissioning, settings, case_id, [a, b])

    answers = await asyncio.gather(
        commissioning.post(
            f"/cases/{case_id}/decision",
            json=approval(a),
            headers=await at_version(
                commissioning,
                settings,
                f"/cases/{case_id}",
                bearer(settings, Role.DECISION_MAKER, "one"),
            ),
        ),
        commissioning.post(
            f"/cases/{case_id}/decision",
            json=approval(b),
            headers=await at_version(
                commissioning,
                settings,
                f"/cases/{case_id}",
                bearer(settings, Role.DECISION_MAKER, "two"),
            ),
        ),
    )
    # Both decided on the version they read: the second to arrive finds it moved on.
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 412], [r.text for r in answers]
    loser = next(r for r in answers if r.status_code == 412)
    assert loser.headers["content-type"] == PROBLEM
    types = [t for t, _ in await stream_events(log, case_id)]
    assert types.count("commissioning.DecisionRecorded") == 1
    assert types.count("commissioning.TransferApproved") == 1


async def test_closing_a_case(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    urn = await register_school(log)
    await known(pool, urns=[urn])
    case_id = await open_case(commissioning, settings, [urn], trigger="la_request")
    cw = bearer(settings, Role.CASEWORKER)
    by_reader = await commissioning.post(
        f"/cases/{case_id}/close",
        json={"reason": "x"},
        headers=await at_version(
            commissioning, settings, f"/cases/{case_id}", bearer(settings, Role.READER)
        ),
    )
    assert by_reader.status_code == 403
    closed = await commissioning.post(
        f"/cases/{case_id}/close",
        json={"reason": "The LA withdrew its request"},
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", cw),
    )
    assert closed.status_code == 200
    twice = await commissioning.post(
        f"/cases/{case_id}/close",
        json={"reason": "again"},
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", cw),
    )
    assert twice.status_code == 409
    case = await case_when(commissioning, settings, case_id, status="closed")
    assert (
        case["close_reason"] == "The LA withdrew its request"
        and case["closed_on"] == TODAY.isoformat()
    )
