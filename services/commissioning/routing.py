"""What every commissioning route shares: roles, the clock, the pool, paging, If-Match."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import Depends, Header, Query, Response

from services.commissioning import handlers
from services.commissioning.schemas import Written
from shared.app import RuntimeDep
from shared.errors import ServiceUnavailable
from shared.http.auth import Principal, Role, require_roles
from shared.http.writes import if_match_guard, parse_if_match

READ_ROLES: tuple[Role, ...] = (
    Role.READER,
    Role.CASEWORKER,
    Role.DECISION_MAKER,
    Role.AUDITOR,
)
_ENGLAND = ZoneInfo("Europe/London")


async def today() -> date:
    """Today's date in England; a dependency so tests can set the clock."""
    return datetime.now(_ENGLAND).date()


async def read_pool(runtime: RuntimeDep) -> asyncpg.Pool:
    """The app's connection pool."""
    if runtime.pool is None:
        raise ServiceUnavailable("Commissioning is not connected to its database.")
    return runtime.pool


PoolDep = Annotated[asyncpg.Pool, Depends(read_pool)]
TodayDep = Annotated[date, Depends(today)]
Reader = Annotated[Principal, Depends(require_roles(*READ_ROLES))]
Caseworker = Annotated[Principal, Depends(require_roles(Role.CASEWORKER))]
DecisionMaker = Annotated[Principal, Depends(require_roles(Role.DECISION_MAKER))]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The case version you read (its ETag); optional. When sent, a stale "
        "version is refused with 412; without it, a concurrent change is refused with 409.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=100, description="The `next_cursor` of the previous page.")
]


def expected_version(if_match: str | None) -> int | None:
    """The version an optional If-Match names, or None to use the version just read."""
    return None if if_match is None else parse_if_match(if_match)


def written(result: handlers.Written, response: Response) -> Written:
    """The write's answer, with the new version as the ETag."""
    response.headers["ETag"] = f'"{result.version}"'
    return Written(id=result.id, version=result.version)


@contextlib.contextmanager
def concurrency_guard(if_match: str | None) -> Iterator[None]:
    """A stale If-Match is 412; without If-Match, losing a race stays 409 (the log's answer)."""
    if if_match is None:
        yield
        return
    with if_match_guard():
        yield
