"""Who wrote and why: the metadata every write puts on its events."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from shared.eventlog.contracts import EventMetadata
from shared.http.auth import Principal, PrincipalDep
from shared.http.middleware import current_request_id


def event_metadata(principal: Principal, reason: str | None = None) -> EventMetadata:
    """Metadata naming the token's subject as actor and the request id as correlation."""
    return EventMetadata(
        actor=principal.subject, reason=reason, correlation_id=current_request_id()
    )


async def write_metadata(
    principal: PrincipalDep,
    reason: Annotated[
        str | None,
        Header(alias="X-Reason", max_length=4000, description="Why this write is being made"),
    ] = None,
) -> EventMetadata:
    """Dependency: metadata for a write by the calling principal."""
    return event_metadata(principal, reason)


WriteMetadataDep = Annotated[EventMetadata, Depends(write_metadata)]
