"""Fixtures for commissioning's cases tests: the app over HTTP, registry facts in the log."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from datetime import date
from uuid import UUID

import asyncpg
import httpx
import pytest

from services.commissioning.knowledge import school_facts, trust_fact
from services.commissioning.main import create_app
from shared.contracts import all_contracts
from shared.contracts.registry import (
    SchoolDetails,
    SchoolJoinedTrust,
    SchoolRegistered,
    TrustDetails,
    TrustIncorporated,
)
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.http.deps import today
from shared.settings import Settings
from tests.integration.helpers import wait_until

# The commissioning clock in these tests: decisions may not be dated after it.
TODAY = date(2026, 11, 20)
REGISTRY_META = EventMetadata(actor="gias-feed", reason="test registry facts", source="test")


@pytest.fixture
async def commissioning(settings: Settings, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The commissioning app, its consumers running, on a fixed clock."""
    app = create_app(settings, url=database_url)

    async def fixed_today() -> date:
        return TODAY

    app.dependency_overrides[today] = fixed_today
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture(scope="session")
def log(pool: asyncpg.Pool) -> EventStore:
    """The event store with every published contract, to play the other services' parts."""
    return EventStore(pool, all_contracts())


def bearer(settings: Settings, role: Role, subject: str | None = None) -> dict[str, str]:
    """An Authorization header for ``subject`` with ``role``, and a reason. By default Carol
    does the casework and Dora decides: who shortlisted a trust may not decide on it."""
    if subject is None:
        subject = "dora" if role is Role.DECISION_MAKER else "carol"
    token = issue_token(settings, roles=[role], subject=subject)
    return {"Authorization": f"Bearer {token}", "X-Reason": f"{subject} at work"}


_rng = random.Random()


def fresh_urn() -> int:
    """A URN no other test uses (a high range the samples do not reach)."""
    return _rng.randrange(700_000, 999_999)


def fresh_uid() -> int:
    """A trust UID no other test uses."""
    return _rng.randrange(5_000_000, 80_000_000)


async def register_trust(log: EventStore, name: str = "Test Trust") -> int:
    """Incorporate an open multi-academy trust; returns its UID."""
    uid = fresh_uid()
    details = TrustDetails(name=f"{name} {uid}", trust_type="multi_academy_trust", status="Open")
    await log.append(
        f"trust-{uid}",
        [
            NewEvent(
                TrustIncorporated(uid=uid, details=details, effective_on=date(2015, 9, 1)),
                REGISTRY_META,
            )
        ],
        expected_version="no_stream",
    )
    return uid


async def register_school(
    log: EventStore,
    *,
    trust_uid: int | None = None,
    la_code: str = "383",
    region: str = "D",
    place: tuple[int, int] = (430000, 433000),
    religious_character: str | None = None,
) -> int:
    """Register an open primary school (in ``trust_uid`` if given); returns its URN."""
    urn = fresh_urn()
    details = SchoolDetails(
        name=f"School {urn}",
        la_code=la_code,
        la_name="Leeds" if la_code == "383" else "Somewhere",
        status="Open",
        phase="Primary",
        region_code=region,
        region_name="Yorkshire and the Humber",
        easting=place[0],
        northing=place[1],
        type_code="34" if trust_uid else "1",
        religious_character=religious_character,
    )
    events = [
        NewEvent(
            SchoolRegistered(urn=urn, details=details, effective_on=date(2000, 9, 1)), REGISTRY_META
        )
    ]
    if trust_uid is not None:
        events.append(
            NewEvent(
                SchoolJoinedTrust(
                    urn=urn, trust_uid=trust_uid, joined_on=date(2016, 9, 1), reason="conversion"
                ),
                REGISTRY_META,
            )
        )
    await log.append(f"school-{urn}", events, expected_version="no_stream")
    return urn


async def known(pool: asyncpg.Pool, *, urns: Sequence[int] = (), uids: Sequence[int] = ()) -> None:
    """Wait until commissioning's knowledge holds these schools and trusts."""

    async def there() -> bool:
        facts = await school_facts(pool, urns)
        trusts = [await trust_fact(pool, uid) for uid in uids]
        return len(facts) == len(urns) and all(t is not None for t in trusts)

    await wait_until(there, what="commissioning to know the schools and trusts")


async def stream_events(log: EventStore, case_id: str) -> list[tuple[str, UUID]]:
    """The case stream's event types and ids, in order."""
    return [(e.type, e.event_id) for e in await log.read_stream(f"case-{case_id}")]


async def at_version(
    client: httpx.AsyncClient, settings: Settings, path: str, headers: dict[str, str]
) -> dict[str, str]:
    """``headers`` with If-Match naming the resource's current ETag, as a client reads it."""
    read = await client.get(path, headers=bearer(settings, Role.READER, "rita"))
    assert read.status_code == 200, read.text
    return {**headers, "If-Match": read.headers["ETag"]}
