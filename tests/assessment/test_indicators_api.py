"""GET /trusts/{uid}/indicators over the real HTTP stack, the consumer running in the app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.assessment.indicators import indicators_projection, router
from services.assessment.main import POLICIES
from shared.app import ServiceSpec, create_service_app
from shared.contracts import all_contracts
from shared.http.auth import Role, issue_token
from tests.assessment.test_indicators_projection import (
    BIRCH,
    TRUST_B,
    Db,
    db,  # noqa: F401 - the fixture
    write_scenario,
)
from tests.integration.helpers import wait_until

SPEC = ServiceSpec(
    name="assessment",
    title="indicators only",
    description="The indicators' router and consumer, without the rest of the service.",
    registry=all_contracts(),
    routers=(router,),
    consumers=lambda: [indicators_projection()],
    policies=POLICIES,
)


@pytest.fixture
async def client(db: Db) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    app = create_service_app(SPEC, db.settings, url=db.url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def bearer(db: Db, role: Role) -> dict[str, str]:  # noqa: F811
    return {"Authorization": f"Bearer {issue_token(db.settings, roles=[role], subject='t')}"}


async def test_a_trust_s_indicators_are_served_to_every_reading_role(
    client: httpx.AsyncClient,
    db: Db,  # noqa: F811
) -> None:
    await write_scenario(db.store)
    reader = bearer(db, Role.READER)

    async def computed() -> bool:
        answer = await client.get(f"/trusts/{TRUST_B}/indicators", headers=reader)
        return answer.status_code == 200 and answer.json()["size"]["schools"] == 4

    await wait_until(computed, what="trust B's indicators")
    for role in (
        Role.READER,
        Role.ASSESSOR,
        Role.MODERATOR,
        Role.CASEWORKER,
        Role.DECISION_MAKER,
        Role.AUDITOR,
    ):
        answer = await client.get(f"/trusts/{TRUST_B}/indicators", headers=bearer(db, role))
        assert answer.status_code == 200, (role, answer.text)
    body = answer.json()
    assert body["trust_name"] == "Northern Lights Trust"
    assert body["size"] == {"schools": 4, "pupils": 1230, "schools_without_pupil_count": 1}
    assert body["geography"]["median_distance_km"] == 5.0
    assert body["ofsted"]["good_or_better_share"] == 0.5
    assert [c["urn"] for c in body["improvement"]["schools"]][-1] == BIRCH
    assert body["improvement"]["schools"][0]["days_taken"] == 429
    # Facts, never a verdict.
    assert not {"grade", "score", "overall", "rating"} & set(body)


async def test_unknown_trusts_missing_credentials_and_other_roles_get_problems(
    client: httpx.AsyncClient,
    db: Db,  # noqa: F811
) -> None:
    unknown = await client.get("/trusts/7999/indicators", headers=bearer(db, Role.READER))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["type"].endswith("/not-found")
    assert "7999" in unknown.json()["detail"]
    assert (await client.get("/trusts/7999/indicators")).status_code == 401
    feed = await client.get("/trusts/7999/indicators", headers=bearer(db, Role.DATA_FEED))
    assert feed.status_code == 403
    bad = await client.get("/trusts/0/indicators", headers=bearer(db, Role.READER))
    assert bad.status_code == 422
