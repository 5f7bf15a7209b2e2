from __future__ import annotations

import uuid

from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NO_STREAM, NewEvent
from shared.eventlog.store import EventStore
from tests.contracts import Noted

META = EventMetadata(actor="tester", reason="smoke")


async def test_append_and_read(store: EventStore) -> None:
    stream = f"note-{uuid.uuid4().hex}"
    r = await store.append(
        stream, [NewEvent(Noted(n=1), META), NewEvent(Noted(n=2), META)], expected_version=NO_STREAM
    )
    assert (r.first_version, r.last_version) == (1, 2)
    events = await store.read_stream(stream)
    assert [e.data["n"] for e in events] == [1, 2]
    everything = await store.read_all(limit=100000)
    assert {e.event_id for e in events} <= {e.event_id for e in everything}
