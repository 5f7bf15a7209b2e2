"""The assessment service over HTTP: the whole lifecycle, every refusal, and roles."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from services.assessment.main import create_app
from services.assessment.schemas import TrustProfile
from shared.settings import Settings
from tests.assessment.helpers import (
    ASSESSOR,
    MODERATOR,
    Api,
    assessment_events,
    evidence_body,
    framework_definition,
    unique_uid,
)
from tests.integration.helpers import wait_until

PROBLEM = "application/problem+json"
TYPE = "https://strongtrusts.dev/problems/"


@pytest.fixture
async def api(settings: Settings, database_url: str, pool: asyncpg.Pool) -> AsyncIterator[Api]:
    app = create_app(settings, url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client, settings, pool)


def problem(r: httpx.Response, status: int, type_name: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    if type_name is not None:
        assert body["type"] == TYPE + type_name
    return body


async def profile_of(api: Api, uid: int, wanted: str | None) -> dict[str, Any]:
    """The trust's profile once the read model shows ``wanted`` as its standing assessment."""

    async def shows() -> bool:
        r = await api.client.get(f"/trusts/{uid}/profile", headers=api.reader)
        return r.status_code == 200 and r.json()["assessment_id"] == wanted

    await wait_until(shows, what=f"the profile of {uid} to show {wanted}")
    r = await api.client.get(f"/trusts/{uid}/profile", headers=api.reader)
    # The route writes its JSON by hand, for speed: it must still be the documented shape.
    body: dict[str, Any] = r.json()
    assert TrustProfile.model_validate(body).model_dump(mode="json") == body
    return body


# --------------------------------------------------------------------------- lifecycle


async def test_an_assessment_goes_from_start_to_published_profile(
    api: Api, pool: asyncpg.Pool
) -> None:
    framework_id = await api.framework()
    uid = await api.trust()
    created = await api.client.post(
        "/assessments",
        json={"trust_uid": uid, "framework_id": framework_id, "purpose": "rebrokerage"},
        headers=api.assessor,
    )
    assert created.status_code == 201, created.text
    aid = created.json()["assessment_id"]
    assert created.headers["Location"] == f"/assessments/{aid}"
    assert created.json() == {
        "assessment_id": aid,
        "version": 1,
        "status": "draft",
        "framework_id": framework_id,
        "framework_version": 1,
    }

    r = await api.client.post(
        f"/assessments/{aid}/evidence",
        json=evidence_body("education", "curriculum"),
        headers=await api.at(aid, api.assessor),
    )
    assert r.status_code == 201, r.text
    e1 = r.json()["evidence_id"]
    assert (r.json()["version"], r.headers["ETag"]) == (2, '"2"')
    assert (await api.judge(aid, "education", "strong")).status_code == 200
    e2 = await api.evidence(aid, "finance")
    judged = await api.judge(aid, "finance", "developing")
    assert judged.json() == {"assessment_id": aid, "version": 5, "status": "draft"}

    view = (await api.client.get(f"/assessments/{aid}", headers=api.reader)).json()
    assert view["status"] == "draft" and view["version"] == 5
    assert [e["evidence_id"] for e in view["evidence"]] == [e1, e2]
    assert view["evidence"][0]["metric"] == {"name": "Attendance", "value": 94.5, "unit": "%"}
    assert [(j["pillar"], j["descriptor"], j["evidence_ids"]) for j in view["judgements"]] == [
        ("education", "strong", [e1]),
        ("finance", "developing", [e2]),
    ]
    assert view["unjudged_pillars"] == []
    assert view["authors"] == [ASSESSOR]

    assert (
        await api.client.post(f"/assessments/{aid}/submit", headers=await api.at(aid, api.assessor))
    ).json()["status"] == "submitted"
    approved = await api.client.post(
        f"/assessments/{aid}/moderate",
        json={"decision": "approve", "comments": "well evidenced"},
        headers=await api.at(aid, api.moderator),
    )
    assert approved.json()["status"] == "moderated"
    published = await api.client.post(
        f"/assessments/{aid}/publish", headers=await api.at(aid, api.moderator)
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert published.json()["supersedes"] is None

    profile = await profile_of(api, uid, aid)
    assert [(p["pillar"], p["descriptor"]) for p in profile["pillars"]] == [
        ("education", "strong"),
        ("finance", "developing"),
    ]
    first = profile["pillars"][0]
    assert first["assessment_id"] == aid and first["framework_id"] == framework_id
    assert first["framework_name"] == "Test framework" and first["published_on"]
    assert first["rationale"] == "education is strong"
    # The trust is known, with no schools: its indicators say so rather than being left out.
    assert profile["indicators"]["trust_uid"] == uid
    assert profile["indicators"]["size"]["schools"] == 0
    assert not {"score", "overall", "grade"} & set(json.dumps(profile).split('"'))

    # Every step is an event naming its actor and the reason given.
    rows = await pool.fetch(
        "SELECT event_type, metadata::text AS m FROM events WHERE stream_id = $1"
        " ORDER BY stream_version",
        f"assessment-{aid}",
    )
    assert [r["event_type"].split(".")[1] for r in rows] == [
        "AssessmentStarted",
        "EvidenceRecorded",
        "PillarJudged",
        "EvidenceRecorded",
        "PillarJudged",
        "AssessmentSubmitted",
        "AssessmentModerated",
        "AssessmentPublished",
    ]
    actors = [json.loads(r["m"])["actor"] for r in rows]
    assert actors == [ASSESSOR] * 6 + [MODERATOR] * 2
    assert all(json.loads(r["m"])["reason"].startswith("test by ") for r in rows)

    async def listed() -> bool:
        r = await api.client.get(
            "/assessments", params={"trust_uid": uid, "status": "published"}, headers=api.reader
        )
        return [i["assessment_id"] for i in r.json()["items"]] == [aid]

    await wait_until(listed, what="the assessment to be listed as published")


async def test_a_newer_publication_supersedes_and_a_withdrawal_falls_back(api: Api) -> None:
    framework_id = await api.framework()
    uid = unique_uid()
    older = await api.start(framework_id, uid)
    await api.complete(older, "secure")
    assert (
        await api.client.post(
            f"/assessments/{older}/publish", headers=await api.at(older, api.moderator)
        )
    ).status_code == 200
    newer = await api.start(framework_id, uid)
    await api.complete(newer, "concerns")
    r = await api.client.post(
        f"/assessments/{newer}/publish", headers=await api.at(newer, api.moderator)
    )
    assert r.json()["supersedes"] == older

    profile = await profile_of(api, uid, newer)
    assert {p["descriptor"] for p in profile["pillars"]} == {"concerns"}

    withdrawn = await api.client.post(
        f"/assessments/{newer}/withdraw", headers=await api.at(newer, api.moderator)
    )
    assert withdrawn.json()["status"] == "withdrawn"
    profile = await profile_of(api, uid, older)
    assert {p["descriptor"] for p in profile["pillars"]} == {"secure"}
    again = await api.client.post(
        f"/assessments/{newer}/withdraw", headers=await api.at(newer, api.assessor)
    )
    problem(again, 409, "assessment-status-conflict")
    await api.client.post(
        f"/assessments/{older}/withdraw", headers=await api.at(older, api.assessor)
    )
    assert (await profile_of(api, uid, None))["pillars"] == []


async def test_a_returned_assessment_is_revised_and_moderated_by_another(api: Api) -> None:
    framework_id = await api.framework()
    aid = await api.start(framework_id, unique_uid())
    await api.evidence(aid, "education")
    await api.judge(aid, "education")
    await api.client.post(f"/assessments/{aid}/submit", headers=await api.at(aid, api.assessor))
    no_comments = await api.client.post(
        f"/assessments/{aid}/moderate",
        json={"decision": "return"},
        headers=await api.at(aid, api.moderator),
    )
    problem(no_comments, 422, "validation-error")
    returned = await api.client.post(
        f"/assessments/{aid}/moderate",
        json={"decision": "return", "comments": "add finance evidence"},
        headers=await api.at(aid, api.moderator),
    )
    assert returned.json()["status"] == "returned"
    view = (await api.client.get(f"/assessments/{aid}", headers=api.reader)).json()
    assert [(r["moderator"], r["comments"]) for r in view["returns"]] == [
        (MODERATOR, "add finance evidence")
    ]
    # A second assessor adds to it: they become an author too.
    r = await api.client.post(
        f"/assessments/{aid}/evidence",
        json=evidence_body("finance"),
        headers=await api.at(aid, api.assessor2),
    )
    assert r.status_code == 201
    assert (await api.judge(aid, "finance")).status_code == 200
    resubmitted = await api.client.post(
        f"/assessments/{aid}/submit", headers=await api.at(aid, api.assessor)
    )
    assert resubmitted.json()["status"] == "submitted"
    approved = await api.client.post(
        f"/assessments/{aid}/moderate",
        json={"decision": "approve"},
        headers=await api.at(aid, api.moderator),
    )
    assert approved.json()["status"] == "moderated"


# --------------------------------------------------------------------------- refusals


async def test_each_bad_input_gets_its_problem_and_writes_nothing(
    api: Api, pool: asyncpg.Pool
) -> None:
    framework_id = await api.framework()
    aid = await api.start(framework_id, unique_uid())
    await api.evidence(aid, "education")
    written = await assessment_events(pool, aid)

    async def refused(r: httpx.Response, status: int, type_name: str) -> dict[str, Any]:
        body = problem(r, status, type_name)
        assert await assessment_events(pool, aid) == written, "a refused request wrote events"
        return body

    body = await refused(
        await api.client.post(
            f"/assessments/{aid}/evidence",
            json=evidence_body("culture"),
            headers=await api.at(aid, api.assessor),
        ),
        422,
        "unknown-pillar",
    )
    assert body["known_pillars"] == ["education", "finance"]
    await refused(
        await api.client.post(
            f"/assessments/{aid}/evidence",
            json=evidence_body("finance", "curriculum"),
            headers=await api.at(aid, api.assessor),
        ),
        422,
        "unknown-theme",
    )
    await refused(await api.judge(aid, "finance"), 422, "judgement-without-evidence")
    await refused(await api.judge(aid, "culture"), 422, "unknown-pillar")
    version = await api.version(aid)
    body = {"descriptor": "strong", "rationale": "r"}
    url = f"/assessments/{aid}/pillars/education/judgement"
    stale = await refused(
        await api.client.put(
            url, json=body, headers={**api.assessor, "If-Match": f'"{version - 1}"'}
        ),
        412,
        "precondition-failed",
    )
    assert stale["current_version"] == version
    await refused(
        await api.client.put(url, json=body, headers=api.assessor), 428, "precondition-required"
    )
    await refused(
        await api.client.put(
            url,
            json={"descriptor": "outstanding", "rationale": "r"},
            headers=await api.at(aid, api.assessor),
        ),
        422,
        "validation-error",
    )
    # Submitting and moderating an incomplete assessment is allowed; publishing it is not.
    assert (await api.judge(aid, "education")).status_code == 200
    await api.client.post(f"/assessments/{aid}/submit", headers=await api.at(aid, api.assessor))
    written = await assessment_events(pool, aid)
    # The assessor who wrote it may also hold the moderator role: four eyes still refuses.
    await refused(
        await api.client.post(
            f"/assessments/{aid}/moderate",
            json={"decision": "approve"},
            headers=await api.at(aid, api.assessor_moderator),
        ),
        403,
        "self-moderation",
    )
    await refused(
        await api.client.post(
            f"/assessments/{aid}/publish", headers=await api.at(aid, api.moderator)
        ),
        409,
        "assessment-status-conflict",
    )
    await api.client.post(
        f"/assessments/{aid}/moderate",
        json={"decision": "approve"},
        headers=await api.at(aid, api.moderator),
    )
    written = await assessment_events(pool, aid)
    body = await refused(
        await api.client.post(
            f"/assessments/{aid}/publish", headers=await api.at(aid, api.moderator)
        ),
        409,
        "assessment-incomplete",
    )
    assert body["missing_pillars"] == ["finance"]
    await refused(
        await api.client.post(
            f"/assessments/{aid}/evidence",
            json=evidence_body("finance"),
            headers=await api.at(aid, api.assessor),
        ),
        409,
        "assessment-status-conflict",
    )


async def test_the_wrong_role_is_refused_and_writes_nothing(api: Api, pool: asyncpg.Pool) -> None:
    framework_id = await api.framework()
    uid = unique_uid()
    aid = await api.start(framework_id, uid)
    await api.evidence(aid, "education")
    written = await assessment_events(pool, aid)
    version = await api.version(aid)
    judgement = {"descriptor": "strong", "rationale": "r"}
    attempts = [
        ("POST", "/assessments", api.reader, {"trust_uid": uid, "framework_id": framework_id}),
        ("POST", "/assessments", api.moderator, {"trust_uid": uid, "framework_id": framework_id}),
        ("POST", f"/assessments/{aid}/evidence", api.moderator, evidence_body("education")),
        ("POST", f"/assessments/{aid}/evidence", api.reader, evidence_body("education")),
        ("PUT", f"/assessments/{aid}/pillars/education/judgement", api.moderator, judgement),
        ("POST", f"/assessments/{aid}/submit", api.moderator, None),
        ("POST", f"/assessments/{aid}/moderate", api.assessor2, {"decision": "approve"}),
        ("POST", f"/assessments/{aid}/publish", api.assessor2, None),
        ("POST", f"/assessments/{aid}/withdraw", api.reader, None),
        ("POST", "/frameworks", api.assessor, framework_definition()),
        ("POST", "/frameworks", api.moderator, framework_definition()),
    ]
    for method, url, headers, body in attempts:
        r = await api.client.request(
            method, url, json=body, headers={**headers, "If-Match": f'"{version}"'}
        )
        problem(r, 403, "forbidden")
    assert await assessment_events(pool, aid) == written
    started = await pool.fetchval(
        "SELECT count(*) FROM events WHERE event_type = 'assessment.AssessmentStarted'"
        " AND (data->>'trust_uid')::int = $1",
        uid,
    )
    assert started == 1
    problem(await api.client.get(f"/assessments/{aid}"), 401, "unauthorized")


async def test_unknown_things_are_precise_problems(api: Api, pool: asyncpg.Pool) -> None:
    uid = await api.trust()
    problem(
        await api.client.post(
            "/assessments",
            json={"trust_uid": uid, "framework_id": "no-such-framework"},
            headers=api.assessor,
        ),
        422,
        "unknown-framework",
    )
    framework_id = await api.framework()
    problem(
        await api.client.post(
            "/assessments",
            json={"trust_uid": uid, "framework_id": framework_id, "framework_version": 9},
            headers=api.assessor,
        ),
        422,
        "unknown-framework",
    )
    assert not await pool.fetchval(
        "SELECT count(*) FROM events WHERE category = 'assessment'"
        " AND (data->>'trust_uid')::int = $1",
        uid,
    )
    unknown = unique_uid()
    problem(await api.client.get(f"/trusts/{unknown}/profile", headers=api.reader), 404)
    missing = "0" * 32
    problem(
        await api.client.get(f"/assessments/{missing}", headers=api.reader),
        404,
        "assessment-not-found",
    )
    problem(
        await api.client.post(
            f"/assessments/{missing}/submit", headers={**api.assessor, "If-Match": "*"}
        ),
        404,
        "assessment-not-found",
    )
    problem(await api.client.get("/assessments/not-an-id", headers=api.reader), 422)


async def test_an_assessment_of_a_trust_the_service_does_not_know_is_refused(
    api: Api, pool: asyncpg.Pool
) -> None:
    # Found by probing: any UID in range started an assessment, of a trust nobody had heard of.
    framework_id = await api.framework()
    unknown = unique_uid()
    body = problem(
        await api.client.post(
            "/assessments",
            json={"trust_uid": unknown, "framework_id": framework_id},
            headers=api.assessor,
        ),
        422,
        "unknown-trust",
    )
    assert body["trust_uid"] == unknown
    assert body["errors"] == [
        {
            "loc": ["body", "trust_uid"],
            "msg": "No academy trust with this UID is known to the assessment service",
            "type": "unknown_trust",
        }
    ]
    assert "may not have reached the assessment service yet" in body["detail"]
    assert not await pool.fetchval(
        "SELECT count(*) FROM events WHERE category = 'assessment'"
        " AND (data->>'trust_uid')::int = $1",
        unknown,
    )
    # Once the registry's event reaches the service, the same request starts the assessment.
    await api.trust(unknown)
    started = await api.client.post(
        "/assessments",
        json={"trust_uid": unknown, "framework_id": framework_id},
        headers=api.assessor,
    )
    assert started.status_code == 201, started.text


# --------------------------------------------------------------------------- frameworks


async def test_frameworks_are_published_as_versioned_data(api: Api) -> None:
    definition = framework_definition()
    fid = definition["framework_id"]
    first = await api.client.post("/frameworks", json=definition, headers=api.admin)
    assert first.status_code == 201 and first.json()["framework_version"] == 1
    assert first.headers["Location"] == f"/frameworks/{fid}/versions/1"
    definition["pillars"].append({"key": "workforce", "name": "Workforce", "themes": []})
    second = await api.client.post("/frameworks", json=definition, headers=api.admin)
    assert second.json()["framework_version"] == 2

    v1 = (await api.client.get(f"/frameworks/{fid}/versions/1", headers=api.reader)).json()
    v2 = (await api.client.get(f"/frameworks/{fid}/versions/2", headers=api.reader)).json()
    assert [p["key"] for p in v1["pillars"]] == ["education", "finance"]
    assert [p["key"] for p in v2["pillars"]] == ["education", "finance", "workforce"]
    problem(await api.client.get(f"/frameworks/{fid}/versions/3", headers=api.reader), 404)
    problem(await api.client.get("/frameworks/nope-nope/versions/1", headers=api.reader), 404)

    # An assessment started now binds the latest version; an older one keeps its own.
    aid = await api.start(fid, unique_uid())
    view = (await api.client.get(f"/assessments/{aid}", headers=api.reader)).json()
    assert (view["framework_version"], view["unjudged_pillars"]) == (
        2,
        ["education", "finance", "workforce"],
    )

    repeated = framework_definition()
    repeated["pillars"].append(repeated["pillars"][0])
    problem(
        await api.client.post("/frameworks", json=repeated, headers=api.admin),
        422,
        "invalid-framework",
    )

    async def listed() -> bool:
        r = await api.client.get("/frameworks", headers=api.reader)
        mine = [f for f in r.json()["items"] if f["framework_id"] == fid]
        return bool(mine) and mine[0]["latest_version"] == 2

    await wait_until(listed, what="the framework's second version to be listed")
    r = await api.client.get("/frameworks", headers=api.reader)
    mine = next(f for f in r.json()["items"] if f["framework_id"] == fid)
    assert mine["versions"] == [1, 2]
    assert mine["pillars"] == ["education", "finance", "workforce"]


async def test_the_two_seeded_frameworks_are_published_once(api: Api, pool: asyncpg.Pool) -> None:
    from services.assessment.handlers import seed_frameworks
    from shared.contracts import all_contracts
    from shared.eventlog.store import EventStore

    store = EventStore(pool, all_contracts())
    await seed_frameworks(store)
    assert await seed_frameworks(store) == []
    dfe = (
        await api.client.get("/frameworks/dfe-trust-quality/versions/1", headers=api.reader)
    ).json()
    assert dfe["publisher"] == "Department for Education"
    assert len(dfe["pillars"]) == 5 and len(dfe["pillars"][0]["themes"]) == 9
    cst = (
        await api.client.get("/frameworks/cst-strong-trust/versions/1", headers=api.reader)
    ).json()
    assert next(p["name"] for p in cst["pillars"]) == "Expert governance"
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM events WHERE stream_id = 'framework-dfe-trust-quality'"
        )
        >= 1
    )
