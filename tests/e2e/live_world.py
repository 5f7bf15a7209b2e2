"""The three services on one fresh database, with registry facts put straight in the log.

For tests of the write kit across every write route: each client talks to its service over
HTTP, and the register (trusts, schools) is written as the registry would write it.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from services.assessment.main import create_app as assessment_app
from services.commissioning.main import create_app as commissioning_app
from services.registry.main import create_app as registry_app
from services.registry.transfers.clock import ManualClock
from shared.clock import today_in_england
from shared.contracts import all_contracts
from shared.contracts.registry import SchoolJoinedTrust, SchoolRegistered, TrustIncorporated
from shared.db import create_pool
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.integration.helpers import wait_until
from tests.integration.test_registry_projections import school_details, trust_details

FEED = EventMetadata(actor="gias-feed", reason="test register")


@dataclass
class World:
    """Clients of the three services, the registry's store, and who is who."""

    registry: httpx.AsyncClient
    assessment: httpx.AsyncClient
    commissioning: httpx.AsyncClient
    register: EventStore
    # The database owner's view, only for looking at what each service holds.
    owner: asyncpg.Pool
    settings: Settings

    def as_(
        self, role: Role, who: str, *, scopes: str = "national", **extra: str
    ) -> dict[str, str]:
        """Headers of a caller with ``role`` acting in ``scopes`` (space-separated), giving a
        reason."""
        token = issue_token(self.settings, roles=[role], subject=who, scopes=scopes.split())
        return {"Authorization": f"Bearer {token}", "X-Reason": f"{who} at work", **extra}

    async def trust(self) -> int:
        """An open multi-academy trust on the register; its UID."""
        uid = random.randrange(5_000_000, 80_000_000)
        await self._append(
            f"trust-{uid}",
            TrustIncorporated(
                uid=uid, details=trust_details(f"Trust {uid}"), effective_on=date(2015, 4, 1)
            ),
        )
        return uid

    async def school(self, trust_uid: int | None = None) -> int:
        """An open school on the register (in ``trust_uid`` if given); its URN."""
        urn = random.randrange(700_000, 999_999)
        events: list[EventContract] = [
            SchoolRegistered(
                urn=urn, details=school_details(f"School {urn}"), effective_on=date(2000, 9, 1)
            )
        ]
        if trust_uid is not None:
            events.append(
                SchoolJoinedTrust(
                    urn=urn, trust_uid=trust_uid, joined_on=date(2018, 9, 1), reason="conversion"
                )
            )
        await self._append(f"school-{urn}", *events)
        return urn

    async def _append(self, stream: str, *events: EventContract) -> None:
        await self.register.append(
            stream, [NewEvent(e, FEED) for e in events], expected_version=ANY
        )

    async def known_to_commissioning(self, *, urns: list[int], uids: list[int]) -> None:
        """Wait until commissioning has heard of these schools and trusts."""

        async def heard() -> bool:
            schools = await self.owner.fetchval(
                "SELECT count(*) FROM commissioning.commissioning_school_facts"
                " WHERE urn = ANY($1::int[])",
                urns,
            )
            trusts = await self.owner.fetchval(
                "SELECT count(*) FROM commissioning.commissioning_trust_facts"
                " WHERE uid = ANY($1::int[])",
                uids,
            )
            return bool(schools == len(urns) and trusts == len(uids))

        await wait_until(heard, what="commissioning to hear of the schools and trusts")

    async def known_to_assessment(self, uid: int) -> None:
        """Wait until the assessment service has heard of the trust."""

        async def heard() -> bool:
            r = await self.assessment.get(
                f"/trusts/{uid}/indicators", headers=self.as_(Role.READER, "rita")
            )
            return r.status_code == 200

        await wait_until(heard, what=f"the assessment service to hear of trust {uid}")


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=30
    )


@asynccontextmanager
async def live_world(url: str, settings: Settings) -> AsyncIterator[World]:
    """The three services and their consumers running on ``url``'s database."""
    apps = [
        registry_app(settings, url=url, clock=ManualClock(today_in_england())),
        assessment_app(settings, url=url),
        commissioning_app(settings, url=url),
    ]
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        registry, assessment, commissioning = [
            await stack.enter_async_context(_client(app)) for app in apps
        ]
        # The register is written as the registry writes it, through its own role.
        register = await stack.enter_async_context(
            owner_store(url, settings, all_contracts(), "registry", max_size=4)
        )
        owner = await create_pool(url, settings, max_size=2)
        stack.push_async_callback(owner.close)
        yield World(registry, assessment, commissioning, register, owner, settings)


Check = Callable[[], Awaitable[Any]]
