"""What every page depends on: the signed-in user's view of the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.console.clients import Apis, Connections
from services.console.session import UserDep
from shared.http.middleware import current_request_id


async def user_apis(request: Request, user: UserDep) -> Apis:
    """The services as the signed-in user sees them (anyone else is sent to sign in)."""
    connections: Connections = request.app.state.connections
    return connections.for_user(user.token, current_request_id())


ApisDep = Annotated[Apis, Depends(user_apis)]
