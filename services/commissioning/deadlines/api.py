"""``GET /deadlines``: what falls due, overdue first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.commissioning.deadlines.queries import deadlines
from services.commissioning.deadlines.schemas import DeadlineKind, DeadlineList
from shared.authority.acting import Acting
from shared.authority.scope import Place
from shared.http.deps import PoolDep, TodayDep
from shared.http.problems import problem_responses
from shared.http.steps import step

router = APIRouter(prefix="/deadlines", tags=["deadlines"])
Reader = Annotated[Acting, step("commissioning.deadlines.read")]


@router.get(
    "",
    response_model=DeadlineList,
    summary="List what falls due: notice responses, RISE windows, concern and NTI reviews",
    responses=problem_responses(401, 403, 422),
)
async def list_deadlines(
    pool: PoolDep,
    acting: Reader,
    on: TodayDep,
    region: Annotated[
        str | None, Query(pattern=r"^[A-K]$", description="GOR region code, e.g. D.")
    ] = None,
    kind: Annotated[DeadlineKind | None, Query(description="Only this kind.")] = None,
) -> DeadlineList:
    """A region's due work where you act there; every region's needs a national scope."""
    acting.check(Place(region=region) if region else Place())
    return await deadlines(pool, region=region, kind=kind, today=on)
