"""The commissioning story again, told only through SDKs generated from the OpenAPI documents.

An outside user generates a Python client for each service with openapi-python-client from
the committed ``services/<name>/openapi.json`` and drives the story with it: import, assess,
open a case, rank candidates, decide, transfer, audit. Every service call below goes
through a generated operation function; only test setup the story does outside HTTP (the
Ofsted feed, picking the school by SQL, the injected clock) does not.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import attrs
import pytest
from fastapi import FastAPI

from services.assessment.main import create_app as assessment_app
from services.commissioning.main import create_app as commissioning_app
from services.registry.main import create_app as registry_app
from services.registry.ofsted.importer import import_ofsted
from services.registry.sample import write_sample
from services.registry.transfers.clock import ManualClock
from shared.clock import today_in_england
from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import PROJECT_ROOT, Settings
from tests.e2e.project_steps import NO_CONSTRAINTS
from tests.e2e.sdk_clients import Sdk, generated_sdks
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


@pytest.fixture(scope="session")
def sdks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Sdk]]:
    with generated_sdks(tmp_path_factory.mktemp("sdks")) as made:
        yield made


@dataclass
class World:
    sdks: dict[str, Sdk]
    apps: dict[str, FastAPI]
    clock: ManualClock
    settings: Settings
    pool: asyncpg.Pool
    store: EventStore
    stack: AsyncExitStack
    clients: dict[tuple[str, Role, str], Any] = field(default_factory=dict)

    async def as_(self, service: str, role: Role, who: str) -> Any:
        """The service's generated ``AuthenticatedClient``, holding a token for ``who``."""
        key = (service, role, who)
        if key not in self.clients:
            token = issue_token(self.settings, roles=[role], subject=who)
            client = self.sdks[service].client(self.apps[service], token)
            self.clients[key] = await self.stack.enter_async_context(client)
        return self.clients[key]

    def op(self, service: str, operation_id: str) -> Any:
        return self.sdks[service].operation(operation_id)

    def model(self, service: str, name: str, value: dict[str, Any]) -> Any:
        return self.sdks[service].model(name).from_dict(value)


@pytest.fixture
async def world(
    sdks: dict[str, Sdk], fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> AsyncIterator[World]:
    url = await fresh_database()
    clock = ManualClock(TODAY)
    apps = {
        "registry": registry_app(settings, url=url, clock=clock),
        "assessment": assessment_app(settings, url=url),
        "commissioning": commissioning_app(settings, url=url),
    }
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        pool = await create_pool(url, settings, max_size=4)
        stack.push_async_callback(pool.close)
        store = EventStore(pool, all_contracts())
        # The clients are closed (last in, first out) before the apps stop.
        async with AsyncExitStack() as clients:
            yield World(sdks, apps, clock, settings, pool, store, clients)


def _typed(response: Any, *expected: int) -> Any:
    """The typed body of a generated call's ``Response``, once its status is as expected."""
    assert response.status_code in (expected or (200, 201)), response.content
    assert response.parsed is not None, f"the SDK did not type a {response.status_code}"
    return response.parsed


async def _ok(call: Awaitable[Any], *expected: int) -> Any:
    """The typed body of a generated call, once its status is as expected."""
    return _typed(await call, *expected)


def _gias_upload(sdk: Sdk, files: dict[str, Path]) -> Any:
    """The generated upload body, each file a generated ``File``."""
    generated = sdk.model("BodyImportsStartGiasImport")
    return generated(**{name: sdk.file(path) for name, path in files.items()})


async def _import_snapshot(world: World, folder: Path) -> None:
    files = write_sample(folder, schools=400, seed=7)
    feed = await world.as_("registry", Role.DATA_FEED, "gias-feed")
    upload = _gias_upload(
        world.sdks["registry"],
        {
            "establishments": files.establishments,
            "groups": files.groups,
            "links": files.group_links,
            "predecessor_links": files.establishment_links,
        },
    )
    started = await _ok(
        world.op("registry", "imports-start_gias_import").asyncio_detailed(
            client=feed, body=upload, x_reason="nightly GIAS extract"
        ),
        202,
    )
    report = world.op("registry", "imports-get_import")

    async def imported() -> bool:
        status = await _ok(report.asyncio_detailed(started.import_id, client=feed))
        assert status.status.value in ("running", "completed"), status.to_dict()
        return bool(status.status.value == "completed")

    await wait_until(imported, timeout_s=60, what="the GIAS import")
    # Ofsted's management information has no upload route: its feed applies it directly.
    await import_ofsted(world.store, files.ofsted_legacy, actor="ofsted-feed")
    await import_ofsted(world.store, files.ofsted, actor="ofsted-feed")


async def _an_inadequate_academy(pool: asyncpg.Pool) -> tuple[int, int]:
    """An inadequate school in a trust that also runs other schools (test setup only)."""

    query = """
        SELECT s.urn, s.trust_uid FROM registry_schools s
         WHERE s.ofsted_overall_effectiveness = 'inadequate' AND s.trust_uid IS NOT NULL
           AND s.close_date IS NULL
         ORDER BY s.urn LIMIT 1
        """

    # Wait for the academy itself: the legacy file's inadequate schools may be projected
    # before the current file's, which is where the sample's open academy is.
    async def found() -> bool:
        return await pool.fetchrow(query) is not None

    await wait_until(found, timeout_s=60, what="the registry to project the inspections")
    row = await pool.fetchrow(query)
    assert row is not None, "the sample has no inadequate academy"
    return row["urn"], row["trust_uid"]


async def _two_other_trusts(pool: asyncpg.Pool, school_trust: int, urn: int) -> list[int]:
    region = await pool.fetchval("SELECT region_code FROM registry_schools WHERE urn = $1", urn)
    rows = await pool.fetch(
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
    assessor = await world.as_("assessment", Role.ASSESSOR, "amira.assessor")
    moderator = await world.as_("assessment", Role.MODERATOR, "moe.moderator")
    reviewing, moderating = "annual trust review", "moderation panel"

    def op(operation_id: str) -> Any:
        return world.op("assessment", operation_id)

    def body(name: str, value: dict[str, Any]) -> Any:
        return world.model("assessment", name, value)

    # The assessment service assesses only trusts it has heard of from the registry.
    async def known() -> bool:
        answer = await op("indicators-get_trust_indicators").asyncio_detailed(
            client=assessor, uid=trust_uid
        )
        return bool(answer.status_code == 200)

    await wait_until(known, timeout_s=60, what=f"the assessment service to know {trust_uid}")
    started = await _ok(
        op("assessments-start_assessment").asyncio_detailed(
            client=assessor,
            body=body(
                "StartRequest", {"trust_uid": trust_uid, "framework_id": "dfe-trust-quality"}
            ),
            x_reason=reviewing,
        ),
        201,
    )
    aid = started.assessment_id
    # Every change names the version it was made on: a required If-Match in the SDKs too.
    version = started.version
    for pillar in PILLARS:
        evidence = await _ok(
            op("assessments-record_evidence").asyncio_detailed(
                aid,
                client=assessor,
                if_match=f'"{version}"',
                body=body(
                    "EvidenceRequest",
                    {
                        "pillar": pillar,
                        "kind": "visit",
                        "summary": f"Visit notes on {pillar}",
                        "source_reference": f"visit/{trust_uid}/{pillar}",
                        "observed_on": TODAY.isoformat(),
                    },
                ),
                x_reason=reviewing,
            ),
            201,
        )
        judged = await _ok(
            op("assessments-judge_pillar").asyncio_detailed(
                aid,
                pillar,
                client=assessor,
                body=body(
                    "JudgementRequest",
                    {
                        "descriptor": descriptor,
                        "rationale": f"{descriptor} on {pillar}, from the visit",
                        "evidence_ids": [evidence.evidence_id],
                    },
                ),
                if_match=f'"{evidence.version}"',
                x_reason=reviewing,
            )
        )
        version = judged.version
    submitted = await _ok(
        op("assessments-submit_assessment").asyncio_detailed(
            aid, client=assessor, if_match=f'"{version}"', x_reason=reviewing
        )
    )
    approved = await _ok(
        op("assessments-moderate_assessment").asyncio_detailed(
            aid,
            client=moderator,
            body=body("ModerationRequest", {"decision": "approve"}),
            if_match=f'"{submitted.version}"',
            x_reason=moderating,
        )
    )
    published = await _ok(
        op("assessments-publish_assessment").asyncio_detailed(
            aid, client=moderator, if_match=f'"{approved.version}"', x_reason=moderating
        )
    )
    assert published.status.value == "published"
    return str(aid)


async def test_the_whole_story_through_the_generated_sdks(world: World, tmp_path: Path) -> None:
    # 1. A GIAS snapshot is handed in through the registry SDK (Ofsted's feed beside it).
    await _import_snapshot(world, tmp_path)
    urn, old_trust = await _an_inadequate_academy(world.pool)

    # 2. Two trusts are assessed and published: one strong, one developing.
    strong, developing = await _two_other_trusts(world.pool, old_trust, urn)
    seed = PROJECT_ROOT / "services/assessment/seeds/dfe_trust_quality_2023.json"
    await _ok(
        world.op("assessment", "frameworks-publish_framework").asyncio_detailed(
            client=await world.as_("assessment", Role.ADMIN, "admin"),
            body=world.model("assessment", "FrameworkDefinition", json.loads(seed.read_text())),
            x_reason="seed",
        ),
        201,
    )
    strong_assessment = await _assess_and_publish(world, strong, "strong")
    await _assess_and_publish(world, developing, "developing")
    analyst = await world.as_("assessment", Role.READER, "analyst")
    get_profile = world.op("assessment", "profiles-get_trust_profile")

    async def profiled() -> bool:  # the profile is a projection of the publication
        return bool(_typed(await get_profile.asyncio_detailed(strong, client=analyst)).pillars)

    await wait_until(profiled, timeout_s=30, what="the profile to show the publication")
    answer = await get_profile.asyncio_detailed(strong, client=analyst)
    profile = _typed(answer)
    assert profile.trust_uid == strong
    assert {p.descriptor.value for p in profile.pillars} == {"strong"}
    assert {p.assessment_id for p in profile.pillars} == {strong_assessment}
    assert b"overall" not in answer.content.lower()  # no summative grade, anywhere

    # 3. A case is opened for the inadequate academy.
    caseworker = await world.as_("commissioning", Role.CASEWORKER, "cara.caseworker")
    casework = "academy judged inadequate"
    opened = await _ok(
        world.op("commissioning", "cases-open_case").asyncio_detailed(
            client=caseworker,
            body=world.model(
                "commissioning",
                "CaseOpening",
                {"urns": [urn], "trigger": "rebrokerage", "title": "Rebrokerage after inadequate"},
            ),
            x_reason=casework,
        ),
        201,
    )
    case_id = opened.id
    # The sample puts the assessed trusts anywhere: the case's constraints are lifted.
    lifted = await _ok(
        world.op("commissioning", "cases-set_constraints").asyncio_detailed(
            case_id,
            client=caseworker,
            if_match=f'"{opened.version}"',
            body=world.model("commissioning", "ConstraintsChange", NO_CONSTRAINTS),
            x_reason=casework,
        )
    )

    # 4. The candidates are ranked, with reasons, once commissioning has heard the publications.
    candidates = world.op("commissioning", "cases-get_candidates")

    async def ranked() -> Any:
        return await _ok(candidates.asyncio_detailed(case_id, client=caseworker))

    async def both_assessed_are_ranked() -> bool:
        answer = await candidates.asyncio_detailed(case_id, client=caseworker)
        if answer.status_code == 404:  # the case's read model has not caught up yet
            return False
        uids = {c.trust_uid for c in _typed(answer).candidates if c.assessment_ids}
        return {strong, developing} <= uids

    await wait_until(
        both_assessed_are_ranked, timeout_s=60, what="commissioning to hear both publications"
    )
    shortlist = await ranked()
    assert shortlist.urns == [urn]
    by_uid = {c.trust_uid: c for c in shortlist.candidates}
    assert by_uid[strong].rank < by_uid[developing].rank
    assert strong_assessment in by_uid[strong].assessment_ids
    assert by_uid[strong].reasons and by_uid[developing].reasons
    assert any("strong" in reason.lower() for reason in by_uid[strong].reasons)
    assert old_trust not in by_uid  # the trust the school is leaving is no candidate

    # 5. The shortlist goes to the advisory board, and a decision maker approves the move.
    shortlisted = await _ok(
        world.op("commissioning", "cases-shortlist").asyncio_detailed(
            case_id,
            client=caseworker,
            if_match=f'"{lifted.version}"',
            body=world.model(
                "commissioning", "ShortlistChoice", {"trust_uids": [strong, developing]}
            ),
            x_reason=casework,
        )
    )
    boarded = await _ok(
        world.op("commissioning", "cases-schedule_board").asyncio_detailed(
            case_id,
            client=caseworker,
            if_match=f'"{shortlisted.version}"',
            body=world.model("commissioning", "BoardScheduling", {"board_date": TODAY.isoformat()}),
            x_reason=casework,
        )
    )
    decision = {
        "outcome": "approved",
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
    }
    record_decision = world.op("commissioning", "cases-record_decision")
    refused = await _ok(
        record_decision.asyncio_detailed(
            case_id,
            client=caseworker,
            body=world.model("commissioning", "DecisionRecording", decision),
            if_match=f'"{boarded.version}"',
            x_reason="not mine to make",
        ),
        403,
    )
    assert type(refused).__name__ == "Problem" and refused.status == 403
    director = await world.as_("commissioning", Role.DECISION_MAKER, "dina.director")
    await _ok(
        record_decision.asyncio_detailed(
            case_id,
            client=director,
            body=world.model("commissioning", "DecisionRecording", decision),
            if_match=f'"{boarded.version}"',
            x_reason="advisory board recommendation",
        )
    )

    async def case_status() -> str:
        case = await _ok(
            world.op("commissioning", "cases-get_case").asyncio_detailed(case_id, client=caseworker)
        )
        return str(case.status)

    # 5b. The approval's transfer project, through the SDK: every mandatory task done, the
    # date confirmed, authority to proceed; only then does the registry schedule the move.
    decided = await _ok(
        world.op("commissioning", "cases-get_case").asyncio_detailed(case_id, client=caseworker)
    )
    project_id = decided.decision.decision_id
    project = await _ok(
        world.op("commissioning", "projects-get_project").asyncio_detailed(
            project_id, client=caseworker
        )
    )
    assert project.project_type == "academy_transfer" and project.missing_for_authority
    version = project.version
    for task in project.tasks:
        if task.mandatory:
            done = await _ok(
                world.op("commissioning", "projects-complete_task").asyncio_detailed(
                    project_id,
                    task.key,
                    client=caseworker,
                    if_match=f'"{version}"',
                    body=world.model(
                        "commissioning", "TaskCompletion", {"document_reference": task.key}
                    ),
                    x_reason=casework,
                )
            )
            version = done.version
    confirmed = await _ok(
        world.op("commissioning", "projects-confirm_date").asyncio_detailed(
            project_id, client=caseworker, if_match=f'"{version}"', x_reason=casework
        )
    )
    await _ok(
        world.op("commissioning", "projects-record_authority").asyncio_detailed(
            project_id,
            client=director,
            if_match=f'"{confirmed.version}"',
            x_reason="every task done",
        )
    )

    async def scheduled() -> bool:
        return await case_status() == "transfer_scheduled"

    await wait_until(scheduled, timeout_s=30, what="the registry to schedule the transfer")
    reader = await world.as_("registry", Role.READER, "analyst")
    get_school = world.op("registry", "schools-get_school")
    school_now = await _ok(get_school.asyncio_detailed(urn, client=reader))
    assert school_now.trust.uid == old_trust  # not before its date

    # 6. The significant date is reached.
    world.clock.advance_to(SIGNIFICANT)

    async def moved() -> bool:
        school = await _ok(get_school.asyncio_detailed(urn, client=reader, as_of=SIGNIFICANT))
        return bool(school.trust is not None and school.trust.uid == strong)

    await wait_until(moved, timeout_s=30, what="the registry to apply the transfer")

    # 7. The registry shows the new trust from that date, and the old one the day before.
    before = await _ok(
        get_school.asyncio_detailed(urn, client=reader, as_of=SIGNIFICANT - timedelta(days=1))
    )
    assert before.trust.uid == old_trust
    history = await _ok(
        world.op("registry", "schools-get_school_history").asyncio_detailed(urn, client=reader)
    )
    assert "registry.SchoolTransferred" in {e.event_type for e in history.events}
    assert {m.trust_uid for m in history.memberships} >= {old_trust, strong}

    # 8. The case is completed.
    async def completed() -> bool:
        return await case_status() == "completed"

    await wait_until(completed, timeout_s=30, what="commissioning to complete the case")

    # 9. The audit trail lists every step, with its actors, across all three services.
    auditor = await world.as_("commissioning", Role.AUDITOR, "aud.itor")

    async def trail() -> list[dict[str, Any]]:
        timeline = world.op("commissioning", "audit-case_timeline")
        body = await _ok(timeline.asyncio_detailed(case_id, client=auditor))
        return [entry.to_dict() for entry in body.entries]

    async def trail_complete() -> bool:
        return any(e["type"] == "commissioning.CaseCompleted" for e in await trail())

    await wait_until(trail_complete, timeout_s=30, what="the audit index to catch up")
    entries = await trail()
    steps = [(e["type"], e["actor"]) for e in entries]
    for step in (
        ("commissioning.CaseOpened", "cara.caseworker"),
        ("commissioning.CaseShortlisted", "cara.caseworker"),
        ("commissioning.AdvisoryBoardScheduled", "cara.caseworker"),
        ("commissioning.DecisionRecorded", "dina.director"),
        ("commissioning.TransferApproved", "dina.director"),
        ("commissioning.AuthorityToProceedRecorded", "dina.director"),
        ("registry.TransferScheduled", "registry-transfers"),
        ("registry.SchoolTransferred", "registry-transfers"),
    ):
        assert step in steps, (step, steps)
    assert steps[-1][0] == "commissioning.CaseCompleted"
    decided = next(e for e in entries if e["type"] == "commissioning.DecisionRecorded")
    assert decided["reason"] == "advisory board recommendation"
    assert decided["data"]["decision_maker_name"] == "Dina Director"
    transferred = next(e for e in entries if e["type"] == "registry.SchoolTransferred")
    authorised = next(e for e in entries if e["type"] == "commissioning.AuthorityToProceedRecorded")
    assert transferred["causation_id"] == str(authorised["event_id"])
    # The school's own timeline holds the same story from its side.
    school_trail = await _ok(
        world.op("commissioning", "audit-school_timeline").asyncio_detailed(urn, client=auditor)
    )
    assert {"commissioning.CaseOpened", "registry.SchoolTransferred"} <= {
        e.type_ for e in school_trail.entries
    }


@pytest.mark.parametrize(
    "service",
    [
        "registry",
        "assessment",
        "commissioning",
    ],
)
def test_the_generator_types_every_operation(sdks: dict[str, Sdk], service: str) -> None:
    """A warning means some request or response is missing from the generated SDK."""
    output = sdks[service].generator_output
    assert "Warning" not in output and "Unable to" not in output, output


def test_the_gias_upload_is_generated_as_files(sdks: dict[str, Sdk]) -> None:
    generated = sdks["registry"].model("BodyImportsStartGiasImport")
    types = {f.name: str(f.type) for f in attrs.fields(generated)}
    assert all("File" in types[name] for name in ("establishments", "groups", "links")), types
