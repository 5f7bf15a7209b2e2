from __future__ import annotations

import uuid

from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NO_STREAM, NewEvent
from shared.eventlog.store import EventStore
from tests.contracts import Noted
from tests.integration.helpers import wait_until

META = EventMetadata(actor="tester", reason="smoke")


async def test_append_and_read(store: EventStore) -> None:
    stream = f"note-{uuid.uuid4().hex}"
    r = await store.append(
        stream, [NewEvent(Noted(n=1), META), NewEvent(Noted(n=2), META)], expected_version=NO_STREAM
    )
    assert (r.first_version, r.last_version) == (1, 2)
    events = await store.read_stream(stream)
    assert [e.data["n"] for e in events] == [1, 2]
    ids = {e.event_id for e in events}

    async def read_in_log_order() -> bool:
        # Visible to log readers once every older transaction on the server has ended, which
        # another test's consumers may take a moment to do.
        return ids <= {e.event_id for e in await store.read_all(limit=100000)}

    await wait_until(read_in_log_order, what="the events below the horizon")
