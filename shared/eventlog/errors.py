"""Errors the event log raises; the HTTP layer maps each to a problem response."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID


class EventLogError(Exception):
    """Base of every event-log error."""


class WrongExpectedVersion(EventLogError):
    """The stream is not at the version the writer expected: someone else wrote first."""

    def __init__(self, stream_id: str, expected: object, actual: int):
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class EventIdReused(EventLogError):
    """Event ids already belong to other events: a retry must resend the same events."""

    def __init__(self, event_ids: Sequence[UUID]):
        ids = ", ".join(str(i) for i in event_ids)
        super().__init__(f"event ids already used by other events: {ids}")
        self.event_ids = list(event_ids)


class InvalidStreamId(EventLogError, ValueError):
    """Stream ids are ``category-identity``, e.g. ``school-100000``."""


class NotStreamOwner(EventLogError):
    """The writer does not own the stream's category (or the event's type is not its own).

    The database refuses such an append as well; the store says so first, and clearly.
    """

    def __init__(self, writer: str, stream_id: str, event_type: str, owner: str | None):
        whose = f"owned by {owner}" if owner else "owned by no service"
        super().__init__(
            f"{writer} may not append {event_type} to {stream_id}: the category is {whose}"
            f" and a service appends only its own event types to its own categories"
        )
        self.writer = writer
        self.stream_id = stream_id
        self.event_type = event_type
        self.owner = owner
