"""Policy as data: versions published as events, in force from a date, sourced, checked.

A test kind of policy, kept by a service running as the commissioning role: seeded from
files when the service starts, read over HTTP, a new version published by an admin with
every problem listed when it is refused, and the version in force picked by date.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, Field

from shared.app import ServiceSpec, create_service_app
from shared.contracts import all_contracts
from shared.contracts.commissioning import PolicyVersionPublished
from shared.contracts.policy import PolicySource
from shared.http.auth import Role, issue_token
from shared.http.deps import today
from shared.policy.book import PolicyBook, PolicyKind
from shared.policy.versions import in_force
from shared.settings import Settings
from tests.authority import allow

TODAY = date(2026, 12, 6)


class Steps(BaseModel):
    """A test policy: named steps, each needing someone to decide it."""

    model_config = ConfigDict(extra="forbid")

    steps: dict[str, str | None] = Field(min_length=1)


def _every_step_has_a_decider(doc: Steps) -> list[str]:
    return [f"step {name} has no decider" for name, who in sorted(doc.steps.items()) if not who]


KIND = PolicyKind(
    name="test_steps",
    title="Test steps",
    description="Which role decides each step (a test kind).",
    document=Steps,
    check=_every_step_has_a_decider,
)


def _seed(folder: Path, n: int, effective_from: str, steps: dict[str, str]) -> None:
    (folder / "test_steps").mkdir(parents=True, exist_ok=True)
    (folder / "test_steps" / f"v{n}.json").write_text(
        json.dumps(
            {
                "effective_from": effective_from,
                "title": f"Steps v{n}",
                "sources": [
                    {"title": "A made-up guidance note", "verified": False, "note": "test"}
                ],
                "document": {"steps": steps},
            }
        )
    )


@pytest.fixture
async def client(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    url = await fresh_database()
    _seed(tmp_path, 1, "2024-11-01", {"issue": "caseworker"})
    _seed(tmp_path, 2, "2025-09-01", {"issue": "caseworker", "revoke": "minister"})
    seeds: Traversable = tmp_path
    book = PolicyBook(
        service="commissioning",
        contract=PolicyVersionPublished,
        kinds={KIND.name: KIND},
        seeds=seeds,
    )
    spec = ServiceSpec(
        name="commissioning",
        title="policy test",
        description="policies alone",
        registry=all_contracts(),
        policies=book,
    )
    app = create_service_app(spec, settings, url=url)

    async def fixed_today() -> date:
        return TODAY

    app.dependency_overrides[today] = fixed_today
    async with app.router.lifespan_context(app):
        # A book of the test kind alone: who may read and publish it is given here.
        allow(
            app,
            {"step": "commissioning.policies.read", "roles": list(Role), "scope": "any"},
            {"step": "commissioning.policies.publish", "roles": ["admin"], "scope": "national"},
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def _as(settings: Settings, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, roles=[role], subject='pat')}"}


def publication(effective_from: date, steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "effective_from": effective_from.isoformat(),
        "title": "Steps, as the new law has them",
        "sources": [{"title": "The new act", "url": "https://example.org/act", "verified": True}],
        "document": {"steps": steps},
    }


async def test_seeded_versions_are_in_the_log_and_the_one_in_force_is_by_date(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    reader = _as(settings, Role.READER)
    policy = (await client.get("/policies/test_steps", headers=reader)).json()
    assert [v["version"] for v in policy["versions"]] == [1, 2]
    assert policy["in_force_today"] == 2
    assert all(v["unverified"] for v in policy["versions"])
    then = await client.get(
        "/policies/test_steps/in-force", params={"on": "2025-01-01"}, headers=reader
    )
    assert then.json()["version"] == 1 and then.json()["document"] == {
        "steps": {"issue": "caseworker"}
    }
    before_any = await client.get(
        "/policies/test_steps/in-force", params={"on": "2020-01-01"}, headers=reader
    )
    assert before_any.status_code == 409
    assert before_any.json()["type"].endswith("/policy-not-in-force")
    listed = (await client.get("/policies", headers=reader)).json()["items"]
    assert [p["policy"] for p in listed] == ["test_steps"]


async def test_a_new_version_changes_new_work_only_and_is_checked_whole(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin, reader = _as(settings, Role.ADMIN), _as(settings, Role.READER)
    # Every problem at once: a step without a decider, and a date in the past.
    refused = await client.post(
        "/policies/test_steps",
        json=publication(TODAY - timedelta(days=1), {"issue": "caseworker", "direct": None}),
        headers=admin,
    )
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["type"].endswith("/policy-refused")
    messages = [e["msg"] for e in body["errors"]]
    assert "step direct has no decider" in messages
    assert any("in the past" in m for m in messages)
    # The schema too: an unknown field, placed where it is.
    malformed = await client.post(
        "/policies/test_steps",
        json={**publication(TODAY, {"issue": "caseworker"}), "document": {"stepz": {}}},
        headers=admin,
    )
    assert malformed.status_code == 422
    assert any("document" in e["loc"] for e in malformed.json()["errors"])
    # Not for a reader.
    assert (
        await client.post(
            "/policies/test_steps", json=publication(TODAY, {"issue": "x"}), headers=reader
        )
    ).status_code == 403

    next_month = TODAY + timedelta(days=26)
    published = await client.post(
        "/policies/test_steps",
        json=publication(next_month, {"issue": "caseworker", "direct": "secretary_of_state"}),
        headers=admin,
    )
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 3 and published.json()["unverified"] is False
    assert published.headers["Location"] == "/policies/test_steps/versions/3"
    today_answer = await client.get("/policies/test_steps/in-force", headers=reader)
    assert today_answer.json()["version"] == 2, "in force only from its date"
    later = await client.get(
        "/policies/test_steps/in-force", params={"on": next_month.isoformat()}, headers=reader
    )
    assert later.json()["version"] == 3


def test_of_two_versions_from_the_same_day_the_later_published_is_in_force() -> None:
    def version(n: int, on: date) -> PolicyVersionPublished:
        return PolicyVersionPublished(
            policy="steps",
            policy_version=n,
            effective_from=on,
            title="t",
            sources=[PolicySource(title="s", verified=True)],
            document={},
        )

    a, b, c = (
        version(1, date(2025, 1, 1)),
        version(2, date(2026, 1, 1)),
        version(3, date(2026, 1, 1)),
    )
    assert in_force([a, b, c], date(2026, 6, 1)) is c
    assert in_force([a, b, c], date(2025, 6, 1)) is a
    assert in_force([a, b, c], date(2024, 6, 1)) is None
