"""What every service's routes depend on: the pool and today's date in England.

One of each, so the services cannot drift apart: a route asks for ``PoolDep`` and
``TodayDep`` (and names its step, ``shared.http.steps``, which says who may call it).
Tests set the date by overriding ``today`` (``app.dependency_overrides[today] = ...``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from shared.clock import today_in_england
from shared.errors import ServiceUnavailable


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
