"""The registry's HTTP routes: parse the query, call one read, answer with its view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.registry import queries
from services.registry.schemas import (
    AreaList,
    AreaView,
    Coverage,
    CoverageBy,
    SchoolHistory,
    SchoolPage,
    SchoolView,
    TrustPage,
    TrustSchoolPage,
    TrustView,
)
from services.registry.stuck.queries import school_view
from shared.app import StoreDep
from shared.contracts.identifiers import MAX_GROUP_UID
from shared.http.deps import PoolDep, TodayDep
from shared.http.fields import FILTER_MAX, IsoDate
from shared.http.problems import problem_responses
from shared.http.steps import step

# The open register: who may read it is the authority table's (seeded: every role, with no
# scope needed, since nothing here is unpublished).
_readers = [step("registry.register.read")]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=100, description="The `next_cursor` of the previous page.")
]
AsOf = Annotated[IsoDate | None, Query(description="A date, YYYY-MM-DD; today when absent.")]
SchoolUrn = Annotated[int, Path(ge=100000, le=999999, description="Unique Reference Number")]
TrustUid = Annotated[int, Path(ge=1, le=MAX_GROUP_UID, description="GIAS group UID of the trust")]
LaCode = Annotated[str | None, Query(pattern=r"^[0-9]{3}$", description="DfE LA code, e.g. 383.")]
AreaName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        description="The area's name in any case, URL-encoded, e.g. West%20Somerset.",
    ),
]
NameSearch = Annotated[
    str | None,
    Query(min_length=1, max_length=100, description="Part of the name, any case."),
]

schools_router = APIRouter(prefix="/schools", tags=["schools"], dependencies=_readers)
trusts_router = APIRouter(prefix="/trusts", tags=["trusts"], dependencies=_readers)
stats_router = APIRouter(prefix="/stats", tags=["stats"], dependencies=_readers)
areas_router = APIRouter(prefix="/areas", tags=["areas"], dependencies=_readers)


@schools_router.get(
    "",
    response_model=SchoolPage,
    summary="List schools",
    responses=problem_responses(401, 403, 422),
)
async def list_schools(
    pool: PoolDep,
    la: LaCode = None,
    region: Annotated[
        str | None, Query(max_length=FILTER_MAX, description="GOR region code, e.g. D.")
    ] = None,
    phase: Annotated[
        str | None, Query(max_length=FILTER_MAX, description="Phase of education, e.g. Primary.")
    ] = None,
    type_code: Annotated[
        str | None,
        Query(alias="type", max_length=FILTER_MAX, description="Establishment type code, e.g. 34."),
    ] = None,
    status: Annotated[
        str | None, Query(max_length=FILTER_MAX, description="Establishment status, e.g. Open.")
    ] = None,
    trust_uid: Annotated[
        int | None, Query(ge=1, le=MAX_GROUP_UID, description="Run by this trust now.")
    ] = None,
    in_trust: Annotated[bool | None, Query(description="Run by any trust now, or not.")] = None,
    q: NameSearch = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> SchoolPage:
    """Schools in URN order, filtered, one page at a time."""
    filters = queries.SchoolFilters(
        la=la,
        region=region,
        phase=phase,
        type=type_code,
        status=status,
        trust_uid=trust_uid,
        in_trust=in_trust,
        q=q,
    )
    return await queries.list_schools(pool, filters=filters, limit=limit, cursor=cursor)


@schools_router.get(
    "/{urn}",
    response_model=SchoolView,
    summary="Get a school, now or on a date",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_school(
    pool: PoolDep, store: StoreDep, today: TodayDep, urn: SchoolUrn, as_of: AsOf = None
) -> SchoolView:
    """A school's details, trust and latest inspection, now or as they were on ``as_of``;
    today's view says whether it is stuck."""
    return await school_view(pool, store, urn, as_of=as_of, today=today)


@schools_router.get(
    "/{urn}/history",
    response_model=SchoolHistory,
    summary="Get a school's trust timeline and history",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_school_history(pool: PoolDep, urn: SchoolUrn) -> SchoolHistory:
    """Which trust ran the school when and why, and every event of its stream, oldest first."""
    return await queries.get_school_history(pool, urn)


@trusts_router.get(
    "",
    response_model=TrustPage,
    summary="List academy trusts",
    responses=problem_responses(401, 403, 422),
)
async def list_trusts(
    pool: PoolDep,
    status: Annotated[
        str | None, Query(max_length=FILTER_MAX, description="Group status, e.g. Open.")
    ] = None,
    trust_type: Annotated[
        str | None,
        Query(max_length=FILTER_MAX, description="e.g. multi_academy_trust, single_academy_trust."),
    ] = None,
    la: Annotated[
        str | None, Query(pattern=r"^[0-9]{3}$", description="Runs a school in this LA now.")
    ] = None,
    q: NameSearch = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TrustPage:
    """Academy trusts in UID order, filtered, one page at a time."""
    filters = queries.TrustFilters(status=status, trust_type=trust_type, la=la, q=q)
    return await queries.list_trusts(pool, filters=filters, limit=limit, cursor=cursor)


@trusts_router.get(
    "/{uid}",
    response_model=TrustView,
    summary="Get an academy trust",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_trust(pool: PoolDep, uid: TrustUid) -> TrustView:
    """A trust's details with its school count, pupils, LAs and regions."""
    return await queries.get_trust(pool, uid)


@trusts_router.get(
    "/{uid}/schools",
    response_model=TrustSchoolPage,
    summary="List the schools a trust ran on a date",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_trust_schools(
    pool: PoolDep,
    today: TodayDep,
    uid: TrustUid,
    as_of: AsOf = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TrustSchoolPage:
    """The schools the trust ran on ``as_of`` (today when absent), in URN order."""
    on = as_of if as_of is not None else today
    return await queries.list_trust_schools(pool, uid, as_of=on, limit=limit, cursor=cursor)


@stats_router.get(
    "/coverage",
    response_model=Coverage,
    summary="Get schools and pupils in trusts, by LA, region or area",
    responses=problem_responses(401, 403, 422),
)
async def get_coverage(
    pool: PoolDep,
    by: Annotated[
        CoverageBy,
        Query(
            description="Group by la, region or area. Areas overlap, so a school can be in"
            " several groups; totals are always England's."
        ),
    ] = "la",
) -> Coverage:
    """Open schools and pupils in trusts versus not per group, and the trust-size spread."""
    return await queries.coverage(pool, by=by)


@areas_router.get(
    "",
    response_model=AreaList,
    summary="List the areas commissioning plans by, with schools and pupils in trusts",
    responses=problem_responses(401, 403, 422),
)
async def list_areas(
    pool: PoolDep,
    priority: Annotated[
        bool | None, Query(description="Only the 24 priority areas (true), or only the others.")
    ] = None,
) -> AreaList:
    """The 55 Education Investment Areas and six district priority areas, in name order."""
    return await queries.list_areas(pool, priority=priority)


@areas_router.get(
    "/{name}",
    response_model=AreaView,
    summary="Get an area with its schools and pupils in trusts",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_area(pool: PoolDep, name: AreaName) -> AreaView:
    """One area's LAs or districts and its open schools and pupils in trusts now."""
    return await queries.get_area(pool, name)


ROUTERS = (schools_router, trusts_router, stats_router, areas_router)
