"""Dependencies the assessment routes share: who may call, and the read pool.

Roles: an assessor starts an assessment, records evidence, judges pillars and submits; a
moderator approves or returns, and publishes; either may withdraw; only an admin publishes
a framework; admin passes every check; every role may read.
"""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import Depends

from shared.app import RuntimeDep
from shared.errors import ServiceUnavailable
from shared.http.auth import Principal, Role, require_roles

READ_ROLES: tuple[Role, ...] = (
    Role.READER,
    Role.ASSESSOR,
    Role.MODERATOR,
    Role.CASEWORKER,
    Role.DECISION_MAKER,
    Role.DATA_FEED,
    Role.AUDITOR,
)
readers: list[Any] = [Depends(require_roles(*READ_ROLES))]
AssessorDep = Annotated[Principal, Depends(require_roles(Role.ASSESSOR))]
ModeratorDep = Annotated[Principal, Depends(require_roles(Role.MODERATOR))]
WithdrawerDep = Annotated[Principal, Depends(require_roles(Role.ASSESSOR, Role.MODERATOR))]
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


async def read_pool(runtime: RuntimeDep) -> asyncpg.Pool:
    """The app's connection pool, for reads."""
    if runtime.pool is None:
        raise ServiceUnavailable("The assessment service is not connected to its database.")
    return runtime.pool


PoolDep = Annotated[asyncpg.Pool, Depends(read_pool)]
