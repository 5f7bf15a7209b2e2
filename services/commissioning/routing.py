"""What every commissioning route shares: roles and paging (the pool, the date and the reader
sets are ``shared.http.deps``'; writing, If-Match and ETags are ``shared.http.writes``')."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from services.commissioning import handlers
from services.commissioning.schemas import Written
from shared.http.auth import Principal, Role, require_roles
from shared.http.deps import CASE_READERS, allowed
from shared.http.writes import Answer

Reader = Annotated[Principal, allowed(CASE_READERS)]
Caseworker = Annotated[Principal, Depends(require_roles(Role.CASEWORKER))]
DecisionMaker = Annotated[Principal, Depends(require_roles(Role.DECISION_MAKER))]
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=100, description="The `next_cursor` of the previous page.")
]


def written(result: handlers.Written, **headers: str) -> Answer:
    """A change's answer: the stream and its new version, which is also the ETag."""
    return Answer(
        Written(id=result.id, version=result.version), version=result.version, headers=headers
    )
