"""What every commissioning route shares: roles, paging, If-Match (the pool, the date and
the reader sets are ``shared.http.deps``')."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Response

from services.commissioning import handlers
from services.commissioning.schemas import Written
from shared.http.auth import Principal, Role, require_roles
from shared.http.deps import CASE_READERS, allowed
from shared.http.writes import if_match_guard, parse_if_match

Reader = Annotated[Principal, allowed(CASE_READERS)]
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
