"""Stored events are never edited: an old version reads as the current one via upcasters."""

from __future__ import annotations

import uuid

import pytest

from shared.eventlog.contracts import ContractError, EventContract, EventRegistry
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.store import EventStore
from tests.contracts import Renamed, test_registry
from tests.integration.helpers import META

pytestmark = pytest.mark.eventlog


class RenamedV1(EventContract):
    """How test.Renamed looked when it was first published."""

    type_name = "test.Renamed"
    version = 1
    name: str


async def test_an_old_version_event_reads_as_the_current_version(store: EventStore) -> None:
    stream = f"upcast-{uuid.uuid4().hex}"
    old_code = EventStore(store.pool, EventRegistry([RenamedV1]))
    await old_code.append(
        stream, [NewEvent(RenamedV1(name="Ada Lovelace"), META)], expected_version=ANY
    )
    (event,) = await store.read_stream(stream)
    assert event.schema_version == 1
    assert event.data == {"name": "Ada Lovelace"}  # stored as written, never rewritten
    current = event.decode(test_registry)
    assert isinstance(current, Renamed)
    assert current.full_name == "Ada Lovelace"
    assert current.at.year == 1970
    # The same, for projections that read the JSON: upcast data, stored version kept.
    as_json = event.current(test_registry)
    assert as_json.schema_version == 1 and as_json.data["full_name"] == "Ada Lovelace"
    assert event.data == {"name": "Ada Lovelace"}


def test_a_missing_upcaster_step_is_an_error() -> None:
    registry = EventRegistry([Renamed])
    with pytest.raises(ContractError, match="no upcaster from version 1"):
        registry.upcast("test.Renamed", 1, {"name": "x"})


def test_a_version_newer_than_the_code_is_an_error() -> None:
    with pytest.raises(ContractError, match="newer"):
        test_registry.upcast("test.Renamed", 4, {})
