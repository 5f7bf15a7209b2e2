"""The feeds over HTTP, with the registry's own feed worker running in the background."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.registry.main import create_app
from shared.clock import today_in_england
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.integration.helpers import wait_until
from tests.registry.feed_server import FeedServer, gias_names, sample_set


def bearer(settings: Settings, role: Role, subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, roles=[role], subject=subject)}"}


@pytest.fixture
async def served(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    """The registry over a database of its own, pulling GIAS from a local server that
    publishes today's set without its predecessor-links file."""
    today = today_in_england()
    files = sample_set(tmp_path / "sample", today)
    server = FeedServer({n: b for n, b in files.items() if not n.startswith("ofsted")})
    del server.files[gias_names(today)["predecessor_links"]]
    server.start()
    url = await fresh_database()
    own = settings.model_copy(
        update={
            "database_url": url,
            "feeds_gias_base_url": server.base_url,
            "feeds_dir": tmp_path / "feeds",
            "feeds_retry_base_s": 0.0,
        }
    )
    app = create_app(own, url=url)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield client, own
    finally:
        server.stop()


async def _gias(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/feeds", headers=headers)
    assert response.status_code == 200, response.text
    [gias] = [f for f in response.json()["feeds"] if f["feed"] == "gias"]
    return dict(gias)


async def test_a_held_snapshot_is_shown_and_applied_once_a_data_feed_user_releases_it(
    served: tuple[httpx.AsyncClient, Settings],
) -> None:
    client, settings = served
    reader = bearer(settings, Role.READER, "analyst")
    feed_user = bearer(settings, Role.DATA_FEED, "feed-lead")

    async def held() -> bool:
        return (await _gias(client, reader))["held"] is not None

    # The worker pulls at once (the feed never ran) and holds the set: a file is missing.
    await wait_until(held, what="the first pull to hold the snapshot")
    gias = await _gias(client, reader)
    today = today_in_england()
    assert gias["configured"] and gias["schedule"] == "daily 06:00"
    assert gias["last_outcome"] == "held"
    assert gias["newest_snapshot_date"] == today.isoformat()
    assert gias["applied_snapshot_date"] is None
    assert gias["next_run_at"] > gias["last_attempt_at"]
    missing = gias_names(today)["predecessor_links"]
    assert gias["held"]["reasons"] == [f"lacks {missing}"]
    ofsted = [f for f in (await client.get("/feeds", headers=reader)).json()["feeds"]][1]
    assert ofsted == {**ofsted, "feed": "ofsted", "configured": False, "next_run_at": None}

    summary = (await client.get("/feeds/gias/held", headers=reader)).json()
    run_id = summary["run_id"]
    assert summary["missing"] == [missing]
    assert {f["role"] for f in summary["files"]} == {"establishments", "groups", "links"}
    assert summary["summary"]["counts"]["schools_registered"] > 300
    assert len(summary["summary"]["samples"]["schools_registered"]) == 10

    release = f"/feeds/gias/held/{run_id}/release"
    refused = await client.post(release, json={"reason": "fine"}, headers=reader)
    assert refused.status_code == 403
    no_reason = await client.post(release, json={"reason": ""}, headers=feed_user)
    assert no_reason.status_code == 422
    wrong = await client.post(
        f"/feeds/gias/held/{'0' * 32}/release", json={"reason": "fine"}, headers=feed_user
    )
    assert wrong.status_code == 409
    assert wrong.json()["held_run_id"] == run_id
    released = await client.post(
        release,
        json={"reason": "Predecessor links follow tomorrow; the rest is sound"},
        headers=feed_user,
    )
    assert released.status_code == 202, released.text
    assert released.json() == {
        "feed": "gias",
        "run_id": run_id,
        "status": "released",
        "feed_url": "/feeds",
    }
    # Read back at once: the decision is in the feeds' read model before the answer came.
    assert (await client.get("/feeds/gias/held", headers=reader)).status_code == 404

    async def applied() -> bool:
        gias = await _gias(client, reader)
        return bool(gias["applied_snapshot_date"] == today.isoformat())

    # The release wakes the worker in this process through the log's signals.
    await wait_until(applied, what="the released snapshot to be applied")
    gias = await _gias(client, reader)
    assert gias["held"] is None
    assert (await client.get("/feeds/gias/held", headers=reader)).status_code == 404
    again = await client.post(release, json={"reason": "again"}, headers=feed_user)
    assert again.status_code == 404

    async def registered() -> bool:
        schools = (await client.get("/schools?limit=1", headers=reader)).json()
        return bool(schools["items"])

    await wait_until(registered, what="the snapshot's schools to be on the register")
