"""The feeds over HTTP: each feed's state, and the decision on a held snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from services.registry.feeds import queries
from services.registry.feeds.handlers import discard_held, release_held
from services.registry.feeds.schemas import (
    FeedDecision,
    FeedDecisionRecorded,
    FeedList,
    HeldSnapshot,
)
from services.registry.feeds.sources import feed_sources
from shared.contracts.feeds import FeedName
from shared.eventlog.unit import UnitOfWork
from shared.http.auth import SettingsDep
from shared.http.deps import PoolDep
from shared.http.problems import problem_responses
from shared.http.steps import create, step
from shared.http.writes import Answer, WriteRequest, write_responses

router = APIRouter(prefix="/feeds", tags=["feeds"])
RunId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The held pull's run id.")]


@router.get(
    "",
    response_model=FeedList,
    summary="Each feed's last pull, applied snapshot and next run",
    responses=problem_responses(401, 403),
    dependencies=[step("registry.feeds.read")],
)
async def list_feeds(pool: PoolDep, settings: SettingsDep) -> FeedList:
    """From the feeds' projection, with the next run worked out from this deployment's schedule."""
    return await queries.list_feeds(pool, feed_sources(settings), datetime.now(UTC))


@router.get(
    "/{feed}/held",
    response_model=HeldSnapshot,
    summary="The snapshot a feed holds back, with what it would change",
    responses=problem_responses(401, 403, 404, 422),
    dependencies=[step("registry.feeds.read")],
)
async def get_held(feed: FeedName, pool: PoolDep) -> HeldSnapshot:
    """Counts of each kind of change and examples, the reasons it was held, and its files."""
    return await queries.get_held(pool, feed)


@router.post(
    "/{feed}/held/{run_id}/release",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=FeedDecisionRecorded,
    summary="Release a held snapshot to be applied",
    responses=write_responses(202, 401, 403, 404, 409, 422, versioned=False),
)
async def release(
    feed: FeedName,
    run_id: RunId,
    body: FeedDecision,
    write: Annotated[WriteRequest, create("registry.feeds.decide")],
) -> Response:
    """Records the release with its reason; the feed worker applies the snapshot next.

    409 when the snapshot is not the one held (released, discarded or superseded since) or
    lacks a file the importer cannot do without.
    """

    async def act(uow: UnitOfWork) -> Answer:
        await release_held(uow, feed=feed, run_id=run_id, reason=body.reason)
        return Answer(
            FeedDecisionRecorded(feed=feed, run_id=run_id, status="released", feed_url="/feeds"),
            status.HTTP_202_ACCEPTED,
        )

    return await write.run(act)


@router.post(
    "/{feed}/held/{run_id}/discard",
    response_model=FeedDecisionRecorded,
    summary="Discard a held snapshot",
    responses=write_responses(200, 401, 403, 404, 409, 422, versioned=False),
)
async def discard(
    feed: FeedName,
    run_id: RunId,
    body: FeedDecision,
    write: Annotated[WriteRequest, create("registry.feeds.decide")],
) -> Response:
    """Records the discard with its reason; the snapshot is never applied."""

    async def act(uow: UnitOfWork) -> Answer:
        await discard_held(uow, feed=feed, run_id=run_id, reason=body.reason)
        return Answer(
            FeedDecisionRecorded(feed=feed, run_id=run_id, status="discarded", feed_url="/feeds")
        )

    return await write.run(act)
