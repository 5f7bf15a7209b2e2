"""Decision records over HTTP: refusals that name what is wrong and write nothing, conditions
met and waived, and an escalation that reopens a decision and is superseded, not erased."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.settings import Settings
from tests.commissioning.conftest import (
    at_version,
    bearer,
    known,
    register_school,
    register_trust,
)
from tests.commissioning.test_cases_api import approval, case_when, open_case, to_the_board

PROBLEM = "application/problem+json"
MINISTER = "minister.schools"


async def at_the_board(
    client: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> tuple[str, int]:
    trust = await register_trust(log, "Chosen Trust")
    member = await register_school(log, trust_uid=trust)
    urn = await register_school(log)
    await known(pool, urns=[urn, member], uids=[trust])
    case_id = await open_case(client, settings, [urn])
    cw = bearer(settings, Role.CASEWORKER, "carol")
    constrained = await client.put(
        f"/cases/{case_id}/constraints",
        json={"same_religious_character": True, "max_distance_km": 30.0, "same_region": True},
        headers=await at_version(client, settings, f"/cases/{case_id}", cw),
    )
    assert constrained.status_code == 200, constrained.text
    await to_the_board(client, settings, case_id, [trust])
    return case_id, trust


async def decide(
    client: httpx.AsyncClient, settings: Settings, case_id: str, body: dict[str, Any], who: str
) -> httpx.Response:
    dm = bearer(settings, Role.DECISION_MAKER, who)
    return await client.post(
        f"/cases/{case_id}/decision",
        json=body,
        headers=await at_version(client, settings, f"/cases/{case_id}", dm),
    )


async def post(
    client: httpx.AsyncClient,
    settings: Settings,
    case_id: str,
    path: str,
    body: dict[str, Any],
    role: Role = Role.CASEWORKER,
) -> httpx.Response:
    who = bearer(settings, role, "carol")
    return await client.post(
        f"/cases/{case_id}/{path}",
        json=body,
        headers=await at_version(client, settings, f"/cases/{case_id}", who),
    )


async def test_an_incomplete_or_unallowed_record_is_refused_naming_each_field(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, trust = await at_the_board(commissioning, settings, log, pool)
    before = len(await log.read_stream(f"case-{case_id}"))
    cases: list[tuple[dict[str, Any], list[Any], str]] = [
        (
            {k: v for k, v in approval(trust).items() if k != "equality"},
            ["body", "equality"],
            "equality duty",
        ),
        (
            approval(
                None,
                outcome="dao_revoked",
                significant_date=None,
                reason_codes=["school_improved"],
                equality=None,
            ),
            ["body", "decision_maker_grade"],
            "may not decide a dao revoked outcome",
        ),
        (
            approval(trust, reason_codes=["track_record", "no_such_reason"]),
            ["body", "reason_codes", 1],
            "'no_such_reason' is not a reason for a approved decision",
        ),
    ]
    for body, loc, words in cases:
        refused = await decide(commissioning, settings, case_id, body, "dora")
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == PROBLEM
        [error] = refused.json()["errors"]
        assert error["loc"] == loc and words in error["msg"], error
    assert len(await log.read_stream(f"case-{case_id}")) == before, "a refusal wrote nothing"


async def approved_with_conditions_then_escalated(
    client: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> tuple[str, str, str]:
    """A case approved with two conditions, one met and one waived, then escalated to a
    minister who declines it: (case, the first decision, the second)."""
    case_id, trust = await at_the_board(client, settings, log, pool)
    first = await decide(
        client,
        settings,
        case_id,
        approval(trust, outcome="approved_with_conditions", conditions=["A plan", "A visit"]),
        "dora",
    )
    assert first.status_code == 200, first.text
    first_id = first.headers["X-Decision-Id"]
    met = await post(
        client,
        settings,
        case_id,
        "decision/conditions/1/met",
        {"evidence": "Plan agreed", "document_reference": "Plan v3"},
    )
    assert met.status_code == 200, met.text
    again = await post(client, settings, case_id, "decision/conditions/1/waived", {"reason": "x"})
    assert again.status_code == 409 and "met already" in again.json()["detail"]
    waived = await post(
        client, settings, case_id, "decision/conditions/2/waived", {"reason": "Overtaken"}
    )
    assert waived.status_code == 200, waived.text
    escalated = await post(
        client,
        settings,
        case_id,
        "decision/challenge",
        {
            "kind": "escalation",
            "capacity": "minister",
            "referred_to": MINISTER,
            "reason": "Ministerial interest in the area.",
        },
        Role.DECISION_MAKER,
    )
    assert escalated.status_code == 200, escalated.text
    # Nobody in the region decides it now: the minister alone.
    body = approval(
        None,
        outcome="declined",
        significant_date=None,
        reason_codes=["choice_of_trust"],
        equality=None,
        decision_maker_capacity="minister",
    )
    refused = await decide(client, settings, case_id, body, "dora")
    assert refused.status_code == 403, refused.text
    second = await decide(client, settings, case_id, body, MINISTER)
    assert second.status_code == 200, second.text
    return case_id, first_id, second.headers["X-Decision-Id"]


async def test_conditions_settle_and_an_escalation_supersedes_without_erasing(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, first_id, second_id = await approved_with_conditions_then_escalated(
        commissioning, settings, log, pool
    )
    case = await case_when(commissioning, settings, case_id, status="declined")
    old, new = case["decisions"]
    assert (old["decision_id"], new["decision_id"]) == (first_id, second_id)
    assert old["superseded_by"] == second_id and new["record"]["supersedes_decision"] == first_id
    assert [c["status"] for c in old["condition_status"]] == ["met", "waived"]
    assert old["condition_status"][0]["document_reference"] == "Plan v3"
    assert old["record"]["equality"]["mitigation"] and old["record"]["reason_codes"]
    assert [c["referred_to"] for c in old["challenges"]] == [MINISTER]
    assert new["record"]["decision_maker_grade"] == "minister"
    assert case["decision"]["decision_id"] == second_id


async def work_a_project(client: httpx.AsyncClient, settings: Settings, project_id: str) -> None:
    """A task completed, the date moved for a coded reason, then confirmed."""
    cw = bearer(settings, Role.CASEWORKER, "carol")
    path = f"/projects/{project_id}"
    for action, body in (
        ("tasks/funding_agreement/complete", {"document_reference": "FA signed"}),
        (
            "significant-date",
            {"significant_date": "2027-03-01", "reason_code": "land", "reason": "Lease"},
        ),
        ("significant-date/confirm", None),
    ):
        done = await client.post(
            f"{path}/{action}", json=body, headers=await at_version(client, settings, path, cw)
        )
        assert done.status_code == 200, done.text
    shown = (await client.get(path, headers=cw)).json()
    assert shown["date_confirmed"] and shown["significant_date"] == "2027-03-01"
    [task] = [t for t in shown["tasks"] if t["done"]]
    assert (task["key"], task["completed_by"], task["document_reference"]) == (
        "funding_agreement",
        "carol",
        "FA signed",
    )


async def test_an_approval_names_the_project_that_carries_it_out(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, trust = await at_the_board(commissioning, settings, log, pool)
    before = len(await log.read_stream(f"case-{case_id}"))
    # The case's school is maintained: it converts, alone or forming a trust; no merger.
    refused = await decide(
        commissioning, settings, case_id, approval(trust, project_type="trust_merger"), "dora"
    )
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
    [error] = refused.json()["errors"]
    assert error["loc"] == ["body", "project_type"]
    assert error["allowed"] == ["conversion", "form_a_new_trust"]
    assert len(await log.read_stream(f"case-{case_id}")) == before, "a refusal wrote nothing"
    assert not await pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM events WHERE stream_id LIKE 'project-%'"
        " AND data->>'case_id' = $1)",
        case_id,
    )

    decided = await decide(
        commissioning, settings, case_id, approval(trust, project_type="form_a_new_trust"), "dora"
    )
    assert decided.status_code == 200, decided.text
    case = await case_when(commissioning, settings, case_id, status="decided")
    project = await commissioning.get(
        f"/projects/{case['decision']['decision_id']}", headers=bearer(settings, Role.READER)
    )
    assert project.status_code == 200, project.text
    shown = project.json()
    templates = await commissioning.get(
        "/policies/project_templates/in-force", headers=bearer(settings, Role.READER)
    )
    assert templates.status_code == 200, templates.text
    expected = [t["key"] for t in templates.json()["document"]["types"]["form_a_new_trust"]]
    assert shown["project_type"] == "form_a_new_trust"
    assert [t["key"] for t in shown["tasks"]] == expected and "trust_incorporation" in expected
