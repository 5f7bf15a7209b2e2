"""Who may call the assessment routes (the pool, the date and the reader sets are shared's).

Roles: an assessor starts an assessment, records evidence, judges pillars and submits; a
moderator approves or returns, and publishes; either may withdraw; only an admin publishes
a framework, and an admin does none of the rest without the role for it; every role may
read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from shared.http.auth import Principal, Role, require_roles
from shared.http.deps import EVERYONE, allowed

readers: list[Any] = [allowed(EVERYONE)]
AssessorDep = Annotated[Principal, Depends(require_roles(Role.ASSESSOR))]
ModeratorDep = Annotated[Principal, Depends(require_roles(Role.MODERATOR))]
WithdrawerDep = Annotated[Principal, Depends(require_roles(Role.ASSESSOR, Role.MODERATOR))]
