"""Retries are safe: the same Idempotency-Key gets the first answer, never a second effect.

And a read may ask to see the log at least as far as a write it knows of (X-Log-Position).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from shared.http.auth import Role
from shared.settings import Settings
from tests.e2e.live_world import World, live_world

pytestmark = pytest.mark.eventlog

CONCURRENT = 20


@pytest.fixture(scope="module")
async def world(
    fresh_database_module: Callable[..., Awaitable[str]], settings: Settings
) -> AsyncIterator[World]:
    url = await fresh_database_module()
    async with live_world(url, settings) as w:
        yield w


async def _streams_like(world: World, pattern: str, event_type: str, text: str) -> int:
    return int(
        await world.owner.fetchval(
            "SELECT count(DISTINCT stream_id) FROM eventlog.events"
            " WHERE stream_id LIKE $1 AND event_type = $2 AND data::text LIKE $3",
            pattern,
            event_type,
            f"%{text}%",
        )
    )


async def test_concurrent_creates_with_one_key_make_one_case(world: World) -> None:
    urn = await world.school()
    await world.known_to_commissioning(urns=[urn], uids=[])
    title = f"Retried case {uuid.uuid4().hex[:8]}"
    headers = world.as_(Role.CASEWORKER, "cara", **{"Idempotency-Key": uuid.uuid4().hex})
    body = {"urns": [urn], "trigger": "inadequate_dao", "title": title}
    answers = await asyncio.gather(
        *(world.commissioning.post("/cases", json=body, headers=headers) for _ in range(CONCURRENT))
    )
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == CONCURRENT - 1
    assert len({a.headers["ETag"] for a in answers}) == 1
    assert await _streams_like(world, "case-%", "commissioning.CaseOpened", title) == 1


async def test_concurrent_trust_registrations_with_one_key_make_one_trust(world: World) -> None:
    name = f"Retried Trust {uuid.uuid4().hex[:8]}"
    headers = world.as_(Role.CASEWORKER, "cara", **{"Idempotency-Key": f"trust-{uuid.uuid4()}"})
    body = {"name": name, "trust_type": "multi_academy_trust", "incorporated_on": "2026-09-01"}
    answers = await asyncio.gather(
        *(world.registry.post("/trusts", json=body, headers=headers) for _ in range(CONCURRENT))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["uid"] for a in answers}) == 1
    assert await _streams_like(world, "trust-%", "registry.TrustIncorporated", name) == 1


async def test_a_key_sent_again_with_another_request_is_refused(world: World) -> None:
    key = uuid.uuid4().hex
    caseworker = world.as_(Role.CASEWORKER, "cara", **{"Idempotency-Key": key})
    body = {
        "name": "Key Trust",
        "trust_type": "multi_academy_trust",
        "incorporated_on": "2026-09-01",
    }
    first = await world.registry.post("/trusts", json=body, headers=caseworker)
    assert first.status_code == 201
    other = await world.registry.post(
        "/trusts", json={**body, "name": "Another Trust"}, headers=caseworker
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert other.json()["idempotency_key"] == key
    # Another caller's key is theirs alone: the same key is a new request for them.
    someone_else = world.as_(Role.CASEWORKER, "colin", **{"Idempotency-Key": key})
    theirs = await world.registry.post(
        "/trusts", json={**body, "name": "Colin's Trust"}, headers=someone_else
    )
    assert theirs.status_code == 201 and theirs.json()["uid"] != first.json()["uid"]


async def test_a_retried_change_is_done_once_and_a_refused_one_may_be_tried_again(
    world: World,
) -> None:
    trust = await world.trust()
    urn = await world.school()
    await world.known_to_commissioning(urns=[urn], uids=[trust])
    caseworker = world.as_(Role.CASEWORKER, "cara")
    opened = await world.commissioning.post(
        "/cases",
        json={"urns": [urn], "trigger": "inadequate_dao", "title": "Change retried"},
        headers=caseworker,
    )
    case_id, version = opened.json()["id"], opened.json()["version"]
    key = {"Idempotency-Key": uuid.uuid4().hex, "If-Match": f'"{version}"'}
    # Refused (the board needs a shortlist first): nothing is kept, so a retry runs again.
    early = await world.commissioning.post(
        f"/cases/{case_id}/advisory-board",
        json={"board_date": "2026-11-20"},
        headers={**caseworker, **key},
    )
    assert early.status_code == 409
    shortlist = {**caseworker, **key, "Idempotency-Key": uuid.uuid4().hex}

    async def put_forward() -> httpx.Response:
        return await world.commissioning.post(
            f"/cases/{case_id}/shortlist", json={"trust_uids": [trust]}, headers=shortlist
        )

    first, again = await put_forward(), await put_forward()
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    shortlisted = await world.owner.fetchval(
        "SELECT count(*) FROM eventlog.events WHERE stream_id = $1"
        " AND event_type = 'commissioning.CaseShortlisted'",
        f"case-{case_id}",
    )
    assert shortlisted == 1


async def test_a_read_waits_for_the_position_it_is_given(world: World) -> None:
    caseworker = world.as_(Role.CASEWORKER, "cara")
    reader = world.as_(Role.READER, "rita")
    registered = await world.registry.post(
        "/trusts",
        json={
            "name": "Positioned",
            "trust_type": "multi_academy_trust",
            "incorporated_on": "2026-09-01",
        },
        headers=caseworker,
    )
    position = registered.headers["X-Log-Position"]
    uid = registered.json()["uid"]
    shown = await world.registry.get(
        f"/trusts/{uid}", headers={**reader, "X-Log-Position": position}
    )
    assert shown.status_code == 200
    era, tx_id, at = (int(p) for p in position.split("."))
    # A place the log has not reached: the read waits, then says so, and when to try again.
    fast = world.settings.model_copy(update={"read_wait_timeout_s": 0.2})
    world.registry._transport.app.state.settings = fast  # type: ignore[attr-defined]
    try:
        ahead = await world.registry.get(
            f"/trusts/{uid}", headers={**reader, "X-Log-Position": f"{era}.{tx_id + 10**9}.{at}"}
        )
    finally:
        world.registry._transport.app.state.settings = world.settings  # type: ignore[attr-defined]
    assert ahead.status_code == 503 and ahead.headers["Retry-After"] == "1"
    nonsense = await world.registry.get(
        f"/trusts/{uid}", headers={**reader, "X-Log-Position": "yesterday"}
    )
    assert nonsense.status_code == 422
