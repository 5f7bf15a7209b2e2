"""What every service's routes depend on: the pool, today's date in England, who may read.

One of each, so the services cannot drift apart: a route asks for ``PoolDep`` and
``TodayDep`` and names one of the reader sets below. Tests set the date by overriding
``today`` (``app.dependency_overrides[today] = ...``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request

from shared.clock import today_in_england
from shared.errors import ServiceUnavailable
from shared.http.auth import Role, require_roles


# Dependencies are async on purpose: FastAPI runs a plain ``def`` dependency in a thread
# pool, which costs more than the work itself on every request. And they read the app's state
# from the request rather than depend on one another for it: each dependency FastAPI solves
# costs about as much as a simple one does (tens of microseconds a request).
async def get_pool(request: Request) -> asyncpg.Pool:
    """The app's connection pool; 503 while the service is not connected to its database."""
    pool: asyncpg.Pool | None = request.app.state.runtime.pool
    if pool is None:
        raise ServiceUnavailable("The service is not connected to its database.")
    return pool


async def today() -> date:
    """Today's date in England, the one clock routes read; override it to set the date."""
    return today_in_england()


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
TodayDep = Annotated[date, Depends(today)]

# Who may read. Every role may read the register and the assessments (admin included: to
# read is not to decide); a trust's indicators, everyone but the data feed. Cases and
# interventions are for the people who work them, their readers and auditors; the
# cross-service audit API is for auditors.
EVERYONE: frozenset[Role] = frozenset(Role)
EVERYONE_BUT_THE_FEED: frozenset[Role] = EVERYONE - {Role.DATA_FEED}
CASE_READERS: frozenset[Role] = frozenset(
    {Role.READER, Role.CASEWORKER, Role.DECISION_MAKER, Role.AUDITOR, Role.ADMIN}
)
AUDITORS: frozenset[Role] = frozenset({Role.AUDITOR, Role.ADMIN})


def allowed(roles: frozenset[Role]) -> Any:
    """A route or router dependency admitting ``roles`` only (403 for anyone else)."""
    return Depends(require_roles(*(role for role in Role if role in roles)))
