"""Who wrote and why: the metadata every write puts on its events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Header

from shared.errors import PreconditionFailed, PreconditionRequired
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.errors import WrongExpectedVersion
from shared.http.auth import Principal, PrincipalDep
from shared.http.fields import REASON_MAX
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
        Header(alias="X-Reason", max_length=REASON_MAX, description="Why this write is being made"),
    ] = None,
) -> EventMetadata:
    """Dependency: metadata for a write by the calling principal."""
    return event_metadata(principal, reason)


WriteMetadataDep = Annotated[EventMetadata, Depends(write_metadata)]


def parse_if_match(value: str | None) -> int:
    """The stream version an ``If-Match`` header names (``"3"``); 428 if absent, 412 if weak."""
    if value is None:
        raise PreconditionRequired("send If-Match with the version you last read")
    tag = value.strip()
    # RFC 9110 13.1.1: If-Match compares strongly, so a weak tag never matches, whatever
    # version it names. Taking W/"3" as "3" would let a client holding a weak validator
    # (a cache or proxy may have weakened it) overwrite a version it never saw exactly.
    if tag.startswith("W/"):
        raise PreconditionFailed(
            f"If-Match {value!r} is a weak entity tag, and If-Match uses the strong "
            'comparison (RFC 9110): send the ETag as this service gave it, e.g. "3"'
        )
    tag = tag.strip('"')
    if not tag.isdigit():
        raise PreconditionFailed(f"If-Match {value!r} is not a version this service issued")
    return int(tag)


@contextmanager
def if_match_guard() -> Iterator[None]:
    """Turn a stale expected version from ``If-Match`` into 412 instead of 409."""
    try:
        yield
    except WrongExpectedVersion as exc:
        raise PreconditionFailed(
            f"{exc.stream_id} is now at version {exc.actual}; re-read it and try again",
            extra={"current_version": exc.actual},
        ) from exc
