"""The whole story, over HTTP, with all three services and their consumers running.

A GIAS snapshot arrives; two trusts are assessed and published; a case opens for an
inadequate academy; candidates are ranked with reasons; a decision maker approves a move;
the significant date comes; the registry shows the school in its new trust from that date
(and in its old one before it); the case completes; the audit trail names every step and
who took it. No service calls another: they hear each other only through the log.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.assessment.main import create_app as assessment_app
from services.commissioning.candidates import CandidateList
from services.commissioning.main import create_app as commissioning_app
from services.registry.main import create_app as registry_app
from services.registry.ofsted.importer import import_ofsted
from services.registry.sample import write_sample
from services.registry.transfers.clock import ManualClock
from shared.clock import today_in_england
from shared.contracts import all_contracts
from shared.contracts.registry import TrustClosed
from shared.db import create_pool
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.http.deps import today
from shared.settings import PROJECT_ROOT, Settings
from tests.e2e.project_steps import (
    _json,
    authorise,
    lift_constraints,
    meet_conditions,
    project_of,
    work_through,
)
from tests.integration.helpers import wait_until

TODAY = today_in_england()
SIGNIFICANT = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
PILLARS = (
    "education",
    "school_improvement",
    "workforce",
    "finance_operations",
    "governance_leadership",
)


@dataclass
class World:
    registry: httpx.AsyncClient
    assessment: httpx.AsyncClient
    commissioning: httpx.AsyncClient
    clock: ManualClock
    settings: Settings
    pool: asyncpg.Pool
    store: EventStore

    def as_(self, role: Role, who: str, reason: str | None = None) -> dict[str, str]:
        token = issue_token(self.settings, roles=[role], subject=who)
        headers = {"Authorization": f"Bearer {token}"}
        if reason:
            headers["X-Reason"] = reason
        return headers


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=30
    )


@pytest.fixture
async def world(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> AsyncIterator[World]:
    url = await fresh_database()
    clock = ManualClock(TODAY)
    apps = [
        registry_app(settings, url=url, clock=clock),
        assessment_app(settings, url=url),
        commissioning_app(settings, url=url),
    ]

    async def clock_today() -> date:
        return clock.today()

    # Commissioning's today is the same clock: a project shows overdue once its date comes.
    apps[2].dependency_overrides[today] = clock_today
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        clients = [await stack.enter_async_context(_client(app)) for app in apps]
        pool = await create_pool(url, settings, max_size=4)
        stack.push_async_callback(pool.close)
        registry, assessment, commissioning = clients
        store = EventStore(pool, all_contracts())
        yield World(registry, assessment, commissioning, clock, settings, pool, store)


async def _ok(response: Awaitable[httpx.Response], *expected: int) -> Any:
    answer = await response
    assert answer.status_code in (expected or (200, 201)), (answer.request.url, answer.text)
    return answer.json()


async def _import_snapshot(world: World, folder: Path) -> None:
    files = write_sample(folder, schools=400, seed=7)
    feed = world.as_(Role.DATA_FEED, "gias-feed", "nightly GIAS extract")
    upload = {
        name: (path.name, path.read_bytes(), "text/csv")
        for name, path in (
            ("establishments", files.establishments),
            ("groups", files.groups),
            ("links", files.group_links),
            ("predecessor_links", files.establishment_links),
        )
    }
    started = await _ok(world.registry.post("/imports/gias", files=upload, headers=feed), 202)

    async def imported() -> bool:
        report = await world.registry.get(started["report_url"], headers=feed)
        return bool(report.json()["status"] == "completed")

    await wait_until(imported, timeout_s=60, what="the GIAS import")
    # Ofsted's management information has no upload route: its feed applies it directly.
    await import_ofsted(world.store, files.ofsted_legacy, actor="ofsted-feed")
    await import_ofsted(world.store, files.ofsted, actor="ofsted-feed")


async def _an_inadequate_academy(world: World) -> tuple[int, int]:
    """An inadequate school in a trust that also runs other schools (test setup only)."""
    query = """
        SELECT s.urn, s.trust_uid FROM registry_schools s
         WHERE s.ofsted_overall_effectiveness = 'inadequate' AND s.trust_uid IS NOT NULL
           AND s.close_date IS NULL
         ORDER BY s.urn LIMIT 1
    """

    async def found() -> bool:
        # The inspections land batch by batch: wait for the one this story needs.
        return await world.pool.fetchrow(query) is not None

    await wait_until(found, timeout_s=60, what="the registry to project an inadequate academy")
    row = await world.pool.fetchrow(query)
    assert row is not None
    return row["urn"], row["trust_uid"]


async def _two_other_trusts(world: World, school_trust: int, urn: int) -> list[int]:
    region = await world.pool.fetchval(
        "SELECT region_code FROM registry_schools WHERE urn = $1", urn
    )
    rows = await world.pool.fetch(
        """
        SELECT t.uid FROM registry_trusts t
          JOIN registry_schools s ON s.trust_uid = t.uid
         WHERE t.uid <> $1 AND t.trust_type = 'multi_academy_trust' AND t.closed_on IS NULL
         GROUP BY t.uid ORDER BY bool_or(s.region_code = $2) DESC, count(*) DESC, t.uid LIMIT 2
        """,
        school_trust,
        region,
    )
    return [r["uid"] for r in rows]


async def _assess_and_publish(world: World, trust_uid: int, descriptor: str) -> str:
    assessor = world.as_(Role.ASSESSOR, "amira.assessor", "annual trust review")
    moderator = world.as_(Role.MODERATOR, "moe.moderator", "moderation panel")

    # The assessment service assesses only trusts it has heard of from the registry.
    async def known() -> bool:
        answer = await world.assessment.get(f"/trusts/{trust_uid}/indicators", headers=assessor)
        return answer.status_code == 200

    await wait_until(known, timeout_s=60, what=f"the assessment service to know {trust_uid}")
    started = await _ok(
        world.assessment.post(
            "/assessments",
            json={"trust_uid": trust_uid, "framework_id": "dfe-trust-quality"},
            headers=assessor,
        ),
        201,
    )
    aid = started["assessment_id"]
    # Each change names the version it was made on (If-Match), as every client must.
    version = started["version"]
    for pillar in PILLARS:
        evidence = await _ok(
            world.assessment.post(
                f"/assessments/{aid}/evidence",
                json={
                    "pillar": pillar,
                    "kind": "visit",
                    "summary": f"Visit notes on {pillar}",
                    "source_reference": f"visit/{trust_uid}/{pillar}",
                    "observed_on": TODAY.isoformat(),
                },
                headers=_at(assessor, version),
            ),
            201,
        )
        judged = await _ok(
            world.assessment.put(
                f"/assessments/{aid}/pillars/{pillar}/judgement",
                json={
                    "descriptor": descriptor,
                    "rationale": f"{descriptor} on {pillar}, from the visit",
                    "evidence_ids": [evidence["evidence_id"]],
                },
                headers=_at(assessor, evidence["version"]),
            )
        )
        version = judged["version"]
    submitted = await _ok(
        world.assessment.post(f"/assessments/{aid}/submit", headers=_at(assessor, version))
    )
    approved = await _ok(
        world.assessment.post(
            f"/assessments/{aid}/moderate",
            json={"decision": "approve"},
            headers=_at(moderator, submitted["version"]),
        )
    )
    await _ok(
        world.assessment.post(
            f"/assessments/{aid}/publish", headers=_at(moderator, approved["version"])
        )
    )
    return str(aid)


def _at(headers: dict[str, str], version: int) -> dict[str, str]:
    """``headers`` with If-Match naming ``version`` (the ETag the resource was read at)."""
    return {**headers, "If-Match": f'"{version}"'}


async def test_the_whole_story(world: World, tmp_path: Path) -> None:
    # 1. A GIAS snapshot (and the Ofsted file beside it) is imported.
    await _import_snapshot(world, tmp_path)
    urn, old_trust = await _an_inadequate_academy(world)

    # 2. Two trusts are assessed and published: one strong, one developing.
    strong, developing = await _two_other_trusts(world, old_trust, urn)
    framework = (PROJECT_ROOT / "services/assessment/seeds/dfe_trust_quality_2023.json").read_text()
    await _ok(
        world.assessment.post(
            "/frameworks",
            json=json.loads(framework),
            headers=world.as_(Role.ADMIN, "admin", "seed"),
        ),
        201,
    )
    strong_assessment = await _assess_and_publish(world, strong, "strong")
    await _assess_and_publish(world, developing, "developing")

    async def profile_shows_it() -> bool:
        answer = await world.assessment.get(
            f"/trusts/{strong}/profile", headers=world.as_(Role.READER, "analyst")
        )
        return answer.status_code == 200 and answer.json()["assessment_id"] == strong_assessment

    # The profile is a read model: it shows the publication once the projection has it.
    await wait_until(profile_shows_it, what="the profile to show the publication")
    profile = await _ok(
        world.assessment.get(f"/trusts/{strong}/profile", headers=world.as_(Role.READER, "analyst"))
    )
    assert {p["descriptor"] for p in profile["pillars"]} == {"strong"}
    assert "overall" not in json.dumps(profile).lower()  # no summative grade, anywhere

    # 3. A case is opened for the inadequate academy.
    caseworker = world.as_(Role.CASEWORKER, "cara.caseworker", "academy judged inadequate")
    opened = await _ok(
        world.commissioning.post(
            "/cases",
            json={"urns": [urn], "trigger": "rebrokerage", "title": "Rebrokerage after inadequate"},
            headers=caseworker,
        ),
        201,
    )
    case_id = opened["id"]
    opened["version"] = await lift_constraints(
        world.commissioning, caseworker, case_id, opened["version"]
    )

    # 4. The candidates are ranked, with reasons, once commissioning has heard the publications.
    async def ranked() -> dict[str, Any]:
        return dict(
            (
                await world.commissioning.get(f"/cases/{case_id}/candidates", headers=caseworker)
            ).json()
        )

    async def both_assessed_are_ranked() -> bool:
        uids = {c["trust_uid"] for c in (await ranked())["candidates"] if c.get("assessment_ids")}
        return {strong, developing} <= uids

    await wait_until(
        both_assessed_are_ranked, timeout_s=60, what="commissioning to hear both publications"
    )
    shortlist = await ranked()
    # Sent pre-encoded for speed: it must still be the documented shape.
    assert CandidateList.model_validate(shortlist).model_dump(mode="json") == shortlist
    by_uid = {c["trust_uid"]: c for c in shortlist["candidates"]}
    assert by_uid[strong]["rank"] < by_uid[developing]["rank"]
    assert strong_assessment in by_uid[strong]["assessment_ids"]
    assert by_uid[strong]["reasons"] and by_uid[developing]["reasons"]
    assert any("strong" in reason.lower() for reason in by_uid[strong]["reasons"])
    assert old_trust not in by_uid  # the trust the school is leaving is no candidate

    # 5. The shortlist goes to the advisory board, and a decision maker approves the move.
    shortlisted = await _ok(
        world.commissioning.post(
            f"/cases/{case_id}/shortlist",
            json={"trust_uids": [strong, developing]},
            headers=_at(caseworker, opened["version"]),
        )
    )
    boarded = await _ok(
        world.commissioning.post(
            f"/cases/{case_id}/advisory-board",
            json={"board_date": TODAY.isoformat()},
            headers=_at(caseworker, shortlisted["version"]),
        )
    )
    refused = await world.commissioning.post(
        f"/cases/{case_id}/decision",
        json={
            "outcome": "approved",
            "decided_on": TODAY.isoformat(),
            "decision_maker_name": "Cara",
            "decision_maker_capacity": "regional_director_for_region",
            "trust_uid": strong,
            "rationale": "not mine to make",
            "significant_date": SIGNIFICANT.isoformat(),
            "reason_codes": ["track_record"],
            "equality": {
                "likely_impact": "No adverse impact on pupils with protected characteristics.",
                "mitigation": "None needed.",
            },
        },
        headers=_at(caseworker, boarded["version"]),
    )
    assert refused.status_code == 403
    director = world.as_(Role.DECISION_MAKER, "dina.director", "advisory board recommendation")
    await _ok(
        world.commissioning.post(
            f"/cases/{case_id}/decision",
            json={
                "outcome": "approved_with_conditions",
                "conditions": ["The trust agrees a school improvement plan with the RD's team."],
                "decided_on": TODAY.isoformat(),
                "decision_maker_name": "Dina Director",
                "decision_maker_capacity": "regional_director_for_region",
                "trust_uid": strong,
                "rationale": "Strongest education and school improvement; schools nearby",
                "significant_date": SIGNIFICANT.isoformat(),
                "reason_codes": ["track_record"],
                "equality": {
                    "likely_impact": "No adverse impact on pupils with protected characteristics.",
                    "mitigation": "None needed.",
                },
            },
            headers=_at(director, boarded["version"]),
        )
    )

    async def case_status() -> str:
        return str(
            (await world.commissioning.get(f"/cases/{case_id}", headers=caseworker)).json()[
                "status"
            ]
        )

    # 5b. The approval opened a transfer project: nothing is scheduled until it has
    # authority to proceed, which it cannot have while anything is missing.
    project = await project_of(world.commissioning, caseworker, case_id)
    assert project["project_type"] == "academy_transfer" and not project["date_confirmed"]
    assert project["significant_date"] == SIGNIFICANT.isoformat() and not project["overdue"]
    base = f"/projects/{project['project_id']}"
    early = await world.commissioning.post(
        f"{base}/authority-to-proceed", headers=_at(caseworker, project["version"])
    )
    assert early.status_code == 409, early.text
    missing = early.json()["missing"]
    assert set(missing) == {"conditions", "tasks", "significant_date"}
    assert "deed_of_novation_and_variation" in missing["tasks"]
    assert await case_status() == "decided"
    await meet_conditions(world.commissioning, caseworker, case_id)
    project = await project_of(world.commissioning, caseworker, case_id)
    version = await work_through(world.commissioning, caseworker, project)
    handed = await _json(
        await world.commissioning.post(
            f"{base}/handover",
            json={"to_team": "Regional delivery"},
            headers=_at(caseworker, version),
        )
    )
    await _json(
        await world.commissioning.post(
            f"{base}/authority-to-proceed", headers=_at(director, handed["version"])
        )
    )
    project = await project_of(world.commissioning, caseworker, case_id)
    assert project["authority_to_proceed_by"] == "dina.director"
    assert project["handed_over_to"] == "Regional delivery"
    assert all(t["completed_by"] == "cara.caseworker" for t in project["tasks"] if t["done"])

    async def scheduled() -> bool:
        return await case_status() == "transfer_scheduled"

    await wait_until(scheduled, timeout_s=30, what="the registry to schedule the transfer")
    reader = world.as_(Role.READER, "analyst")
    school_now = await _ok(world.registry.get(f"/schools/{urn}", headers=reader))
    assert school_now["trust"]["uid"] == old_trust  # not before its date

    # 6. The significant date is reached.
    world.clock.advance_to(SIGNIFICANT)

    async def moved() -> bool:
        school = (
            await world.registry.get(
                f"/schools/{urn}", params={"as_of": SIGNIFICANT.isoformat()}, headers=reader
            )
        ).json()
        return bool(school.get("trust") and school["trust"]["uid"] == strong)

    await wait_until(moved, timeout_s=30, what="the registry to apply the transfer")

    # 7. The registry shows the new trust from that date, and the old one the day before.
    before = await _ok(
        world.registry.get(
            f"/schools/{urn}",
            params={"as_of": (SIGNIFICANT - timedelta(days=1)).isoformat()},
            headers=reader,
        )
    )
    assert before["trust"]["uid"] == old_trust
    history = await _ok(world.registry.get(f"/schools/{urn}/history", headers=reader))
    assert "registry.SchoolTransferred" in json.dumps(history)

    # 8. The case is completed.
    async def completed() -> bool:
        return await case_status() == "completed"

    await wait_until(completed, timeout_s=30, what="commissioning to complete the case")

    # 8b. The actual transfer date is confirmed; after it the date cannot change.
    project = await project_of(world.commissioning, caseworker, case_id)
    confirmed = await _json(
        await world.commissioning.post(
            f"{base}/transfer-date",
            json={"actual_date": SIGNIFICANT.isoformat()},
            headers=_at(caseworker, project["version"]),
        )
    )
    late = await world.commissioning.post(
        f"{base}/significant-date",
        json={
            "significant_date": (SIGNIFICANT + timedelta(days=62)).replace(day=1).isoformat(),
            "reason_code": "land",
            "reason": "Too late",
        },
        headers=_at(caseworker, confirmed["version"]),
    )
    assert late.status_code == 409 and "actual transfer date" in late.json()["detail"]
    project = await project_of(world.commissioning, caseworker, case_id)
    assert project["actual_date"] == SIGNIFICANT.isoformat() and not project["overdue"]

    # 8c. The completed transfer is in the open register: in the JSON, a page at a time,
    # and in the CSV, which is the whole register.
    paged: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = await _ok(
            world.commissioning.get("/register/transfers", params=params, headers=reader)
        )
        paged += [t["project_id"] for t in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": 2, "cursor": page["next_cursor"]}
    assert project["project_id"] in paged
    as_csv = await world.commissioning.get(
        "/register/transfers", params={"format": "csv"}, headers=reader
    )
    assert as_csv.status_code == 200, as_csv.text
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["project_id"] for r in rows] == paged
    mine = next(r for r in rows if r["project_id"] == project["project_id"])
    assert (mine["actual_date"], mine["trust_uid"]) == (SIGNIFICANT.isoformat(), str(strong))

    # 9. The audit trail lists every step, with its actors, across all three services.
    auditor = world.as_(Role.AUDITOR, "aud.itor")

    async def trail() -> list[dict[str, Any]]:
        body = (await world.commissioning.get(f"/audit/cases/{case_id}", headers=auditor)).json()
        return list(body["entries"])

    async def trail_complete() -> bool:
        return any(e["type"] == "commissioning.CaseCompleted" for e in await trail())

    await wait_until(trail_complete, timeout_s=30, what="the audit index to catch up")
    steps = [(e["type"], e["actor"]) for e in await trail()]
    for step in (
        ("commissioning.CaseOpened", "cara.caseworker"),
        ("commissioning.CaseShortlisted", "cara.caseworker"),
        ("commissioning.AdvisoryBoardScheduled", "cara.caseworker"),
        ("commissioning.DecisionRecorded", "dina.director"),
        ("commissioning.TransferApproved", "dina.director"),
        ("commissioning.DecisionConditionMet", "cara.caseworker"),
        ("commissioning.AuthorityToProceedRecorded", "dina.director"),
        ("registry.TransferScheduled", "registry-transfers"),
        ("registry.SchoolTransferred", "registry-transfers"),
    ):
        assert step in steps, (step, steps)
    assert "commissioning.CaseCompleted" in [t for t, _ in steps]
    decided = next(e for e in await trail() if e["type"] == "commissioning.DecisionRecorded")
    assert decided["reason"] == "advisory board recommendation"
    assert decided["data"]["decision_maker_name"] == "Dina Director"
    transferred = next(e for e in await trail() if e["type"] == "registry.SchoolTransferred")
    authorised = next(
        e for e in await trail() if e["type"] == "commissioning.AuthorityToProceedRecorded"
    )
    assert transferred["causation_id"] == str(authorised["event_id"])
    # The school's own timeline holds the same story from its side.
    school_trail = (await world.commissioning.get(f"/audit/schools/{urn}", headers=auditor)).json()
    assert {"commissioning.CaseOpened", "registry.SchoolTransferred"} <= {
        e["type"] for e in school_trail["entries"]
    }


async def test_a_transfer_the_registry_cannot_apply_shows_on_the_case(
    world: World, tmp_path: Path
) -> None:
    """The rejection path: the chosen trust closes before the significant date."""
    await _import_snapshot(world, tmp_path)
    urn, old_trust = await _an_inadequate_academy(world)
    chosen, _ = await _two_other_trusts(world, old_trust, urn)
    caseworker = world.as_(Role.CASEWORKER, "cara.caseworker", "academy judged inadequate")
    opened = await _ok(
        world.commissioning.post(
            "/cases",
            json={"urns": [urn], "trigger": "rebrokerage", "title": "Rebrokerage"},
            headers=caseworker,
        ),
        201,
    )
    case_id = opened["id"]

    async def knows_the_school() -> bool:
        answer = await world.commissioning.get(f"/cases/{case_id}/candidates", headers=caseworker)
        return answer.status_code == 200

    await wait_until(knows_the_school, what="commissioning to know the school")
    version = await lift_constraints(world.commissioning, caseworker, case_id, opened["version"])
    for step, body in (
        ("shortlist", {"trust_uids": [chosen]}),
        ("advisory-board", {"board_date": TODAY.isoformat()}),
    ):
        written = await _ok(
            world.commissioning.post(
                f"/cases/{case_id}/{step}", json=body, headers=_at(caseworker, version)
            )
        )
        version = written["version"]
    director = world.as_(Role.DECISION_MAKER, "dina.director", "advisory board recommendation")
    await _ok(
        world.commissioning.post(
            f"/cases/{case_id}/decision",
            json={
                "outcome": "approved",
                "decided_on": TODAY.isoformat(),
                "decision_maker_name": "Dina Director",
                "decision_maker_capacity": "regional_director_for_region",
                "trust_uid": chosen,
                "rationale": "Nearest strong trust",
                "significant_date": SIGNIFICANT.isoformat(),
                "reason_codes": ["track_record"],
                "equality": {
                    "likely_impact": "No adverse impact on pupils with protected characteristics.",
                    "mitigation": "None needed.",
                },
            },
            headers=_at(director, version),
        )
    )

    async def case() -> dict[str, Any]:
        return dict((await world.commissioning.get(f"/cases/{case_id}", headers=caseworker)).json())

    await authorise(world.commissioning, caseworker, case_id)

    async def scheduled() -> bool:
        return bool((await case())["status"] == "transfer_scheduled")

    await wait_until(scheduled, what="the registry to schedule the transfer")
    # GIAS reports the chosen trust closed before the date (there is no route to close a
    # trust: only the feed knows); the registry must refuse to move the school into it.
    await world.store.append(
        f"trust-{chosen}",
        [
            NewEvent(
                TrustClosed(uid=chosen, closed_on=TODAY),
                EventMetadata(actor="gias-feed", reason="GIAS snapshot"),
            )
        ],
        expected_version=ANY,
    )
    world.clock.advance_to(SIGNIFICANT)

    async def rejected() -> bool:
        transfer = (await case()).get("transfer") or {}
        return bool(transfer.get("rejections"))

    await wait_until(rejected, what="the case to show the registry's refusal")
    shown = await case()
    assert shown["status"] != "completed"
    [rejection] = shown["transfer"]["rejections"]
    assert (rejection["urn"], rejection["reason_code"]) == (urn, "trust_closed")
    school = await _ok(world.registry.get(f"/schools/{urn}", headers=world.as_(Role.READER, "r")))
    assert school["trust"]["uid"] == old_trust  # nothing moved
    auditor = world.as_(Role.AUDITOR, "aud.itor")

    async def audited() -> bool:
        body = (await world.commissioning.get(f"/audit/cases/{case_id}", headers=auditor)).json()
        return "registry.TransferRejected" in {e["type"] for e in body.get("entries", [])}

    await wait_until(audited, what="the refusal in the case's audit timeline")


async def _approve(
    world: World, caseworker: dict[str, str], urn: int, chosen: int, conditions: list[str]
) -> str:
    """A rebrokerage case for ``urn`` approved to ``chosen`` on SIGNIFICANT: its id."""
    opened = await _ok(
        world.commissioning.post(
            "/cases",
            json={"urns": [urn], "trigger": "rebrokerage", "title": f"Rebrokerage {urn}"},
            headers=caseworker,
        ),
        201,
    )
    case_id: str = opened["id"]

    async def knows_the_school() -> bool:
        answer = await world.commissioning.get(f"/cases/{case_id}/candidates", headers=caseworker)
        return answer.status_code == 200

    await wait_until(knows_the_school, what="commissioning to know the school")
    version = await lift_constraints(world.commissioning, caseworker, case_id, opened["version"])
    for step, body in (
        ("shortlist", {"trust_uids": [chosen]}),
        ("advisory-board", {"board_date": TODAY.isoformat()}),
    ):
        written = await _ok(
            world.commissioning.post(
                f"/cases/{case_id}/{step}", json=body, headers=_at(caseworker, version)
            )
        )
        version = written["version"]
    director = world.as_(Role.DECISION_MAKER, "dina.director", "advisory board recommendation")
    await _ok(
        world.commissioning.post(
            f"/cases/{case_id}/decision",
            json={
                "outcome": "approved_with_conditions" if conditions else "approved",
                "conditions": conditions,
                "decided_on": TODAY.isoformat(),
                "decision_maker_name": "Dina Director",
                "decision_maker_capacity": "regional_director_for_region",
                "trust_uid": chosen,
                "rationale": "Nearest strong trust",
                "significant_date": SIGNIFICANT.isoformat(),
                "reason_codes": ["local_presence"],
                "equality": {"likely_impact": "None adverse.", "mitigation": "None needed."},
            },
            headers=_at(director, version),
        )
    )
    return case_id


async def test_a_date_that_comes_before_authority_to_proceed_moves_nothing_and_shows_overdue(
    world: World, tmp_path: Path
) -> None:
    """Two approvals for the same day: one project has authority to proceed, one has not.
    Once the first school has moved the scheduler has been through that day, and the
    second school is where it was, its project overdue."""
    await _import_snapshot(world, tmp_path)
    rows = await world.pool.fetch(
        """
        SELECT s.urn, s.trust_uid FROM registry_schools s
         WHERE s.trust_uid IS NOT NULL AND s.close_date IS NULL
         ORDER BY s.urn LIMIT 2
        """
    )
    (ready, ready_trust), (waiting, waiting_trust) = [(r["urn"], r["trust_uid"]) for r in rows]
    chosen = next(
        uid for uid in await _two_other_trusts(world, ready_trust, ready) if uid != waiting_trust
    )
    caseworker = world.as_(Role.CASEWORKER, "cara.caseworker", "rebrokerage")
    ready_case = await _approve(world, caseworker, ready, chosen, [])
    waiting_case = await _approve(world, caseworker, waiting, chosen, ["A plan agreed"])
    await authorise(world.commissioning, caseworker, ready_case)
    world.clock.advance_to(SIGNIFICANT)
    reader = world.as_(Role.READER, "analyst")

    async def ready_moved() -> bool:
        school = (await world.registry.get(f"/schools/{ready}", headers=reader)).json()
        return bool(school.get("trust") and school["trust"]["uid"] == chosen)

    await wait_until(ready_moved, timeout_s=30, what="the authorised transfer to apply")
    school = await _ok(world.registry.get(f"/schools/{waiting}", headers=reader))
    assert school["trust"]["uid"] == waiting_trust  # nothing moved without authority
    project = await project_of(world.commissioning, caseworker, waiting_case)
    assert project["overdue"] and project["authority_to_proceed_on"] is None
    assert set(project["missing_for_authority"]) == {"conditions", "tasks", "significant_date"}
    assert not (await project_of(world.commissioning, caseworker, ready_case))["overdue"]
    case = await _ok(world.commissioning.get(f"/cases/{waiting_case}", headers=caseworker))
    assert case["status"] == "decided" and case["transfer"]["applied_urns"] == []
