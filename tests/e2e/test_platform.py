"""The platform over real HTTP: health, readiness, metrics, and who-wrote-why on events."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import jwt
import pytest
from fastapi import APIRouter, FastAPI, Response
from pydantic import BaseModel

from shared.app import ServiceSpec
from shared.eventlog.model import ANY, NO_STREAM, NewEvent
from shared.eventlog.unit import UnitOfWork
from shared.http.auth import Role, issue_token, signing_secret
from shared.http.steps import change, create
from shared.http.writes import Answer, WriteRequest
from shared.settings import Settings
from tests.authority import allow
from tests.contracts import Noted, test_registry
from tests.dbutil import log_writer_app
from tests.integration.helpers import META, wait_until

router = APIRouter(tags=["notes"])
# Notes are nowhere in particular: a caseworker anywhere may write one.
WRITE_NOTE = {"step": "test.notes.write", "roles": ["caseworker"], "scope": "any"}
WriteNote = Annotated[WriteRequest, create("test.notes.write")]
RewriteNote = Annotated[WriteRequest, change("test.notes.write")]


class Written(BaseModel):
    stream_id: str
    version: int


@router.post("/notes/{key}", status_code=201, response_model=Written)
async def write_note(key: str, write: WriteNote) -> Response:
    async def act(uow: UnitOfWork) -> Answer:
        result = await uow.append(f"note-{key}", [Noted(n=1)], expected_version=ANY)
        body = Written(stream_id=result.stream_id, version=result.last_version)
        return Answer(body, 201, version=result.last_version)

    return await write.run(act)


@router.put("/notes/{key}", response_model=Written)
async def rewrite_note(key: str, write: RewriteNote) -> Response:
    async def act(uow: UnitOfWork) -> Answer:
        read = await uow.read_for_change(f"note-{key}")
        result = await uow.append(
            f"note-{key}", [Noted(n=2)], expected_version=uow.expect(len(read))
        )
        body = Written(stream_id=result.stream_id, version=result.last_version)
        return Answer(body, version=result.last_version)

    return await write.run(act)


@router.post("/notes/{key}/strict", status_code=201, response_model=Written)
async def write_first_note(key: str, write: WriteNote) -> Response:
    async def act(uow: UnitOfWork) -> Answer:
        result = await uow.append(f"note-{key}", [Noted(n=1)], expected_version=NO_STREAM)
        body = Written(stream_id=result.stream_id, version=result.last_version)
        return Answer(body, 201, version=result.last_version)

    return await write.run(act)


@pytest.fixture
async def client(settings: Settings, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    spec = ServiceSpec(
        name="registry", title="test", description="test", registry=test_registry, routers=[router]
    )
    app: FastAPI = log_writer_app(spec, settings, database_url)
    async with app.router.lifespan_context(app):
        allow(app, WRITE_NOTE)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def bearer(
    settings: Settings, subject: str = "alice", role: Role = Role.CASEWORKER
) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, roles=[role], subject=subject)}"}


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["checks"]["migrations"]["ok"] is True
    assert "eventlog-sealer" in body["checks"]["consumers"]
    assert "events_behind" in body["checks"]["horizon"]


async def test_metrics_expose_eventlog_gauges(client: httpx.AsyncClient) -> None:
    text = (await client.get("/metrics")).text
    assert "eventlog_events_behind_horizon" in text
    assert "subscription_lag_events" in text


async def test_a_write_records_the_subject_and_the_request_id(
    client: httpx.AsyncClient, settings: Settings, database_url: str
) -> None:
    key = uuid.uuid4().hex
    response = await client.post(
        f"/notes/{key}",
        headers={**bearer(settings, "alice"), "X-Request-ID": "req-123", "X-Reason": "testing"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["X-Request-ID"] == "req-123"
    app_store = client._transport.app.state.runtime.store  # type: ignore[attr-defined]
    (event,) = await app_store.read_stream(f"note-{key}")
    assert event.meta.actor == "alice"
    assert event.meta.correlation_id == "req-123"
    assert event.meta.reason == "testing"


async def test_a_subject_too_long_to_be_an_actor_is_refused_at_authentication(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # Found by probing: such a subject passed authentication and then made every write a
    # 500, when the event's metadata refused it as the actor.
    key = uuid.uuid4().hex
    token = jwt.encode(
        {
            "sub": "s" * 201,
            "roles": [Role.CASEWORKER.value],
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "exp": int(time.time()) + 300,
        },
        signing_secret(settings),
        algorithm="HS256",
    )
    response = await client.post(f"/notes/{key}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["claim"] == "sub"
    app_store = client._transport.app.state.runtime.store  # type: ignore[attr-defined]
    assert await app_store.stream_version(f"note-{key}") == 0
    longest = await client.post(f"/notes/{key}", headers=bearer(settings, "s" * 200))
    assert longest.status_code == 201, longest.text
    (event,) = await app_store.read_stream(f"note-{key}")
    assert event.meta.actor == "s" * 200


async def test_writes_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/notes/{uuid.uuid4().hex}")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_every_service_app_builds_with_docs(settings: Settings, database_url: str) -> None:
    from shared.serve import load_app

    for name in ("registry", "assessment", "commissioning"):
        app = load_app(name, settings, database_url)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                assert (await c.get("/docs")).status_code == 200
                assert (await c.get("/openapi.json")).json()["info"][
                    "title"
                ] == f"strongtrusts {name}"
                assert (await c.get("/readyz")).status_code == 200


async def test_conflicts_are_409_and_a_stale_if_match_is_412(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    key = uuid.uuid4().hex
    auth = bearer(settings)
    assert (await client.post(f"/notes/{key}/strict", headers=auth)).status_code == 201
    conflict = await client.post(f"/notes/{key}/strict", headers=auth)
    assert conflict.status_code == 409
    assert conflict.json()["actual"] == 1
    missing = await client.put(f"/notes/{key}", headers=auth)
    assert missing.status_code == 428
    ok = await client.put(f"/notes/{key}", headers={**auth, "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = await client.put(f"/notes/{key}", headers={**auth, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["current_version"] == 2


async def test_a_weak_if_match_never_matches(client: httpx.AsyncClient, settings: Settings) -> None:
    key = uuid.uuid4().hex
    auth = bearer(settings)
    assert (await client.post(f"/notes/{key}", headers=auth)).status_code == 201
    # Version 1 is current, but If-Match compares strongly (RFC 9110): W/"1" is no match.
    weak = await client.put(f"/notes/{key}", headers={**auth, "If-Match": 'W/"1"'})
    assert weak.status_code == 412
    assert weak.headers["content-type"] == "application/problem+json"
    assert "weak entity tag" in weak.json()["detail"]
    app_store = client._transport.app.state.runtime.store  # type: ignore[attr-defined]
    assert await app_store.stream_version(f"note-{key}") == 1
    strong = await client.put(f"/notes/{key}", headers={**auth, "If-Match": '"1"'})
    assert strong.status_code == 200 and strong.json()["version"] == 2


async def test_a_stopped_consumer_makes_the_service_not_ready(
    settings: Settings, database_url: str
) -> None:
    from collections.abc import Sequence

    from shared.eventlog.model import RecordedEvent
    from shared.eventlog.subscriptions import HandlerContext

    category = f"ready{uuid.uuid4().hex[:8]}"

    class Broken:
        name = f"broken-{category}"
        categories = frozenset({category})

        async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
            raise RuntimeError("projection bug")

    spec = ServiceSpec(
        name="registry",
        title="t",
        description="t",
        registry=test_registry,
        consumers=lambda: [Broken()],
    )
    fast = settings.model_copy(update={"consumer_max_attempts": 1, "poll_interval_s": 0.05})
    app = log_writer_app(spec, fast, database_url)
    async with app.router.lifespan_context(app):
        await app.state.runtime.store.append(
            f"{category}-1", [NewEvent(Noted(), META)], expected_version=ANY
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:

            async def not_ready() -> bool:
                return (await c.get("/readyz")).status_code == 503

            await wait_until(not_ready, what="readiness to report the stopped consumer")
            body = (await c.get("/readyz")).json()
            broken = body["checks"]["consumers"][Broken.name]
            assert broken["status"] == "failed" and "projection bug" in broken["error"]
            metrics_text = (await c.get("/metrics")).text
            assert f'subscription_failed{{subscription="{Broken.name}"}} 1.0' in metrics_text
