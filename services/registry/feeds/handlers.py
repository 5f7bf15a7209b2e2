"""What a data-feed user does with a held snapshot: release it to be applied, or discard it."""

from __future__ import annotations

from services.registry.feeds.domain import decide_discard, decide_release
from services.registry.feeds.sources import REQUIRED_FILES
from services.registry.feeds.worker import feed_stream, load_feed
from shared.contracts.registry import FeedName
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore


async def release_held(
    store: EventStore, *, feed: FeedName, run_id: str, reason: str, metadata: EventMetadata
) -> None:
    """Release the held snapshot ``run_id``; the feed worker applies it next."""
    state = await load_feed(store, feed)
    event = decide_release(state, run_id, reason, REQUIRED_FILES[feed])
    meta = metadata.model_copy(update={"reason": reason})
    await store.append(feed_stream(feed), [NewEvent(event, meta)], expected_version=state.version)


async def discard_held(
    store: EventStore, *, feed: FeedName, run_id: str, reason: str, metadata: EventMetadata
) -> None:
    """Discard the held snapshot ``run_id``: it is never applied."""
    state = await load_feed(store, feed)
    event = decide_discard(state, run_id, reason)
    meta = metadata.model_copy(update={"reason": reason})
    await store.append(feed_stream(feed), [NewEvent(event, meta)], expected_version=state.version)
