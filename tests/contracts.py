"""Small event contracts used by the event-log tests."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from shared.eventlog.contracts import EventContract, EventRegistry, JsonObject

test_registry = EventRegistry()


@test_registry.register
class Noted(EventContract):
    """A note written to a stream; the workhorse of the log tests."""

    type_name = "test.Noted"
    n: int = 0
    text: str = ""


@test_registry.register
class Measured(EventContract):
    """An event with free JSON, for canonical-bytes tests."""

    type_name = "test.Measured"
    payload: JsonObject = Field(default_factory=dict)


@test_registry.register
class Renamed(EventContract):
    """Version 3 of an event whose stored data changed shape twice."""

    type_name = "test.Renamed"
    version = 3
    full_name: str
    at: AwareDatetime


@test_registry.upcaster("test.Renamed", from_version=1)
def _renamed_v1_to_v2(data: JsonObject) -> JsonObject:
    # v1 stored a single "name" and no time.
    return {"first": data["name"], "last": "", "at": "1970-01-01T00:00:00Z"}


@test_registry.upcaster("test.Renamed", from_version=2)
def _renamed_v2_to_v3(data: JsonObject) -> JsonObject:
    full = f"{data['first']} {data['last']}".strip()
    return {"full_name": full, "at": data["at"]}
