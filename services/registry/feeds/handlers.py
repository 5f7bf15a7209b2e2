"""What a data-feed user does with a held snapshot: release it to be applied, or discard it."""

from __future__ import annotations

from services.registry.feeds.domain import decide_discard, decide_release
from services.registry.feeds.sources import REQUIRED_FILES
from services.registry.feeds.stream import feed_stream, load_feed
from shared.contracts.feeds import FeedName
from shared.eventlog.unit import UnitOfWork


async def release_held(uow: UnitOfWork, *, feed: FeedName, run_id: str, reason: str) -> None:
    """Release the held snapshot ``run_id``; the feed worker applies it next."""
    state = await load_feed(uow.store, feed)
    event = decide_release(state, run_id, reason, REQUIRED_FILES[feed])
    meta = uow.metadata.model_copy(update={"reason": reason})
    await uow.append(feed_stream(feed), [event], expected_version=state.version, metadata=meta)


async def discard_held(uow: UnitOfWork, *, feed: FeedName, run_id: str, reason: str) -> None:
    """Discard the held snapshot ``run_id``: it is never applied."""
    state = await load_feed(uow.store, feed)
    event = decide_discard(state, run_id, reason)
    meta = uow.metadata.model_copy(update={"reason": reason})
    await uow.append(feed_stream(feed), [event], expected_version=state.version, metadata=meta)
