"""A trust's indicators, from the registry's events, as evidence and in the trust's profile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import httpx
import pytest

from services.assessment import handlers
from services.assessment.main import create_app
from services.assessment.schemas import TrustProfile
from shared.contracts import all_contracts
from shared.contracts.registry import SchoolJoinedTrust, SchoolRegistered, TrustIncorporated
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.store import EventStore
from shared.eventlog.unit import unit_of_work
from shared.settings import Settings
from tests.assessment.helpers import ASSESSOR, Api
from tests.integration.helpers import wait_until
from tests.integration.test_registry_projections import (
    append,
    fresh_uids,
    fresh_urns,
    school_details,
    trust_details,
)


@pytest.fixture
async def api(settings: Settings, database_url: str, pool: asyncpg.Pool) -> AsyncIterator[Api]:
    app = create_app(settings, url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client, settings, pool)


async def test_the_trusts_indicators_become_one_evidence_item_and_join_the_profile(
    api: Api, pool: asyncpg.Pool
) -> None:
    store = EventStore(pool, all_contracts())
    [uid] = await fresh_uids(store, 1)
    urns = await fresh_urns(store, 2)
    await append(
        store,
        f"trust-{uid}",
        TrustIncorporated(
            uid=uid, details=trust_details("Evidence Trust"), effective_on=date(2014, 1, 1)
        ),
    )
    for n, urn in enumerate(urns):
        await append(
            store,
            f"school-{urn}",
            SchoolRegistered(
                urn=urn, details=school_details(f"School {n}"), effective_on=date(2014, 9, 1)
            ),
            SchoolJoinedTrust(
                urn=urn, trust_uid=uid, joined_on=date(2015, 9, 1), reason="conversion"
            ),
        )

    async def known() -> bool:
        r = await api.client.get(f"/trusts/{uid}/indicators", headers=api.reader)
        return r.status_code == 200 and r.json()["size"]["schools"] == 2

    await wait_until(known, what="the trust's indicators")

    framework_id = await api.framework()
    aid = await api.start(framework_id, uid)
    r = await api.client.post(
        f"/assessments/{aid}/evidence/indicators",
        json={"pillar": "education"},
        headers=await api.at(aid, api.assessor),
    )
    assert r.status_code == 201, r.text
    evidence_id = r.json()["evidence_id"]
    view = (await api.client.get(f"/assessments/{aid}", headers=api.reader)).json()
    [item] = view["evidence"]
    assert item["evidence_id"] == evidence_id
    assert item["kind"] == "indicators" and item["pillar"] == "education"
    assert "Evidence Trust" in item["summary"] and "2 schools, 600 pupils" in item["summary"]
    assert item["metric"] == {"name": "Schools", "value": 2.0, "unit": "schools"}
    # The snapshot is evidence like any other: a judgement may rest on it.
    assert (await api.judge(aid, "education", "developing")).status_code == 200

    refused = await api.client.post(
        f"/assessments/{aid}/evidence/indicators",
        json={"pillar": "culture"},
        headers=await api.at(aid, api.assessor),
    )
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/unknown-pillar")

    profile = (await api.client.get(f"/trusts/{uid}/profile", headers=api.reader)).json()
    assert profile["assessment_id"] is None and profile["pillars"] == []
    assert profile["indicators"]["trust_uid"] == uid
    assert profile["indicators"]["size"]["schools"] == 2
    assert TrustProfile.model_validate(profile).model_dump(mode="json") == profile
    indicators = await api.client.get(f"/trusts/{uid}/indicators", headers=api.reader)
    assert profile["indicators"] == indicators.json()


async def test_indicators_of_a_trust_the_registry_does_not_know_are_not_found(api: Api) -> None:
    framework_id = await api.framework()
    # Started in the log directly: the API no longer starts an assessment of an unknown
    # trust, but the log holds assessments started before it checked.
    async with unit_of_work(api.store, EventMetadata(actor=ASSESSOR)) as uow:
        aid, _ = await handlers.start_assessment(
            uow,
            trust_uid=89_999_998,
            framework_id=framework_id,
            framework_version=None,
            purpose=None,
        )
    r = await api.client.post(
        f"/assessments/{aid}/evidence/indicators",
        json={"pillar": "education"},
        headers=await api.at(aid, api.assessor),
    )
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
