"""Assessments over HTTP: parse, call one handler or query, shape the answer.

Who may call is ``http_deps``; four eyes (no moderating what you helped write) is the
domain's rule, checked on the people named in the events.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from services.assessment import domain, frameworks_api, handlers, profile_api, queries
from services.assessment.domain import Status
from services.assessment.http_deps import AssessorDep, ModeratorDep, WithdrawerDep, readers
from services.assessment.indicators_evidence import indicators_evidence, load_trust_indicators
from services.assessment.schemas import (
    AssessmentCreated,
    AssessmentPage,
    AssessmentView,
    EvidenceAdded,
    EvidenceRequest,
    IndicatorsEvidenceRequest,
    JudgementRequest,
    ModerationRequest,
    Published,
    StartRequest,
    WriteResult,
)
from shared.app import StoreDep
from shared.errors import NotFound
from shared.http.deps import PoolDep, TodayDep
from shared.http.problems import problem_responses
from shared.http.writes import WriteMetadataDep, parse_if_match

AssessmentId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="The assessment's id (32 hex digits).")
]
PillarKey = Annotated[
    str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="A pillar key of the framework.")
]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='The version last read, e.g. "3" (the ETag).'),
]
OptionalIfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="Optional: refuse (412) unless still this version."),
]

assessments_router = APIRouter(prefix="/assessments", tags=["assessments"])

_WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 412, 422)


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def _written(response: Response, state: domain.Assessment) -> WriteResult:
    _etag(response, state.version)
    return WriteResult(
        assessment_id=state.assessment_id, version=state.version, status=state.status
    )


def _optional_version(value: str | None) -> int | None:
    return None if value is None else parse_if_match(value)


# --------------------------------------------------------------------------- assessments


@assessments_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentCreated,
    summary="Start an assessment of a trust",
    responses=problem_responses(401, 403, 422),
)
async def start_assessment(
    body: StartRequest,
    response: Response,
    store: StoreDep,
    pool: PoolDep,
    meta: WriteMetadataDep,
    _: AssessorDep,
) -> AssessmentCreated:
    """Begin assessing a trust, bound to one framework version; the caller is its assessor."""
    await queries.require_known_trust(pool, body.trust_uid)
    assessment_id, framework = await handlers.start_assessment(
        store,
        trust_uid=body.trust_uid,
        framework_id=body.framework_id,
        framework_version=body.framework_version,
        purpose=body.purpose,
        metadata=meta,
    )
    response.headers["Location"] = f"/assessments/{assessment_id}"
    _etag(response, 1)
    return AssessmentCreated(
        assessment_id=assessment_id,
        version=1,
        status="draft",
        framework_id=framework.framework_id,
        framework_version=framework.framework_version,
    )


@assessments_router.get(
    "",
    response_model=AssessmentPage,
    summary="List assessments",
    responses=problem_responses(401, 403, 422),
    dependencies=readers,
)
async def list_assessments(
    pool: PoolDep,
    trust_uid: Annotated[int | None, Query(ge=1, description="Of this trust.")] = None,
    status: Annotated[Status | None, Query(description="In this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> AssessmentPage:
    """Assessments newest first, from the read model (a moment behind the latest write)."""
    return await queries.list_assessments(
        pool, trust_uid=trust_uid, status=status, limit=limit, cursor=cursor
    )


@assessments_router.get(
    "/{assessment_id}",
    response_model=AssessmentView,
    summary="Get an assessment",
    responses=problem_responses(401, 403, 404, 422),
    dependencies=readers,
)
async def get_assessment(
    store: StoreDep, assessment_id: AssessmentId, response: Response
) -> AssessmentView:
    """An assessment with its evidence and judgements; the ETag is its version for If-Match."""
    view = await queries.get_assessment(store, assessment_id)
    _etag(response, view.version)
    return view


@assessments_router.post(
    "/{assessment_id}/evidence",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidenceAdded,
    summary="Record evidence against a pillar",
    responses=_WRITE_PROBLEMS,
)
async def record_evidence(
    assessment_id: AssessmentId,
    body: EvidenceRequest,
    response: Response,
    store: StoreDep,
    meta: WriteMetadataDep,
    principal: AssessorDep,
    if_match: OptionalIfMatch = None,
) -> EvidenceAdded:
    """Record one item of evidence against a pillar and optional theme of the framework."""
    command = domain.RecordEvidence(
        evidence_id=handlers.new_id(),
        pillar=body.pillar,
        theme=body.theme,
        kind=body.kind,
        summary=body.summary,
        source_reference=body.source_reference,
        observed_on=body.observed_on,
        metric=body.metric,
        recorded_by=principal.subject,
    )
    state = await handlers.execute(
        store, assessment_id, command, meta, if_match=_optional_version(if_match)
    )
    written = _written(response, state)
    return EvidenceAdded(**written.model_dump(), evidence_id=command.evidence_id)


@assessments_router.post(
    "/{assessment_id}/evidence/indicators",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidenceAdded,
    summary="Record the trust's indicators as evidence",
    responses=_WRITE_PROBLEMS,
)
async def record_indicators_evidence(
    assessment_id: AssessmentId,
    body: IndicatorsEvidenceRequest,
    response: Response,
    store: StoreDep,
    pool: PoolDep,
    meta: WriteMetadataDep,
    principal: AssessorDep,
    if_match: OptionalIfMatch = None,
) -> EvidenceAdded:
    """Snapshot the trust's indicators today into one evidence item of kind ``indicators``."""
    loaded = await handlers.load_assessment(store, assessment_id)
    indicators = await load_trust_indicators(pool, loaded.state.trust_uid)
    if indicators is None:
        raise NotFound(f"no indicators are known for trust {loaded.state.trust_uid}")
    command = indicators_evidence(
        indicators,
        evidence_id=handlers.new_id(),
        pillar=body.pillar,
        theme=body.theme,
        recorded_by=principal.subject,
    )
    state = await handlers.execute(
        store, assessment_id, command, meta, if_match=_optional_version(if_match)
    )
    written = _written(response, state)
    return EvidenceAdded(**written.model_dump(), evidence_id=command.evidence_id)


@assessments_router.put(
    "/{assessment_id}/pillars/{pillar}/judgement",
    response_model=WriteResult,
    summary="Judge a pillar",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def judge_pillar(
    assessment_id: AssessmentId,
    pillar: PillarKey,
    body: JudgementRequest,
    response: Response,
    store: StoreDep,
    meta: WriteMetadataDep,
    principal: AssessorDep,
    if_match: IfMatch = None,
) -> WriteResult:
    """Set the pillar's judgement on the descriptor scale; needs If-Match with the version read."""
    expected = parse_if_match(if_match)
    command = domain.JudgePillar(
        pillar=pillar,
        descriptor=body.descriptor,
        rationale=body.rationale,
        evidence_ids=body.evidence_ids,
        judged_by=principal.subject,
    )
    state = await handlers.execute(store, assessment_id, command, meta, if_match=expected)
    return _written(response, state)


@assessments_router.post(
    "/{assessment_id}/submit",
    response_model=WriteResult,
    summary="Submit an assessment for moderation",
    responses=_WRITE_PROBLEMS,
)
async def submit_assessment(
    assessment_id: AssessmentId,
    response: Response,
    store: StoreDep,
    meta: WriteMetadataDep,
    principal: AssessorDep,
    if_match: OptionalIfMatch = None,
) -> WriteResult:
    """Hand a draft or returned assessment (with at least one judgement) in for moderation."""
    state = await handlers.execute(
        store,
        assessment_id,
        domain.Submit(submitted_by=principal.subject),
        meta,
        if_match=_optional_version(if_match),
    )
    return _written(response, state)


@assessments_router.post(
    "/{assessment_id}/moderate",
    response_model=WriteResult,
    summary="Approve or return a submitted assessment",
    responses=_WRITE_PROBLEMS,
)
async def moderate_assessment(
    assessment_id: AssessmentId,
    body: ModerationRequest,
    response: Response,
    store: StoreDep,
    meta: WriteMetadataDep,
    principal: ModeratorDep,
    if_match: OptionalIfMatch = None,
) -> WriteResult:
    """Four eyes: a moderator who wrote none of it approves it, or returns it with comments."""
    command: domain.Command
    if body.decision == "approve":
        command = domain.Approve(moderator=principal.subject, comments=body.comments)
    else:
        assert body.comments is not None  # the schema requires them to return
        command = domain.Return(moderator=principal.subject, comments=body.comments)
    state = await handlers.execute(
        store, assessment_id, command, meta, if_match=_optional_version(if_match)
    )
    return _written(response, state)


@assessments_router.post(
    "/{assessment_id}/publish",
    response_model=Published,
    summary="Publish a moderated assessment",
    responses=_WRITE_PROBLEMS,
)
async def publish_assessment(
    assessment_id: AssessmentId,
    response: Response,
    store: StoreDep,
    meta: WriteMetadataDep,
    today: TodayDep,
    _: ModeratorDep,
) -> Published:
    """Publish a moderated assessment with every pillar judged; it supersedes the trust's last."""
    state = await handlers.publish(store, assessment_id, meta, today=today)
    written = _written(response, state)
    return Published(**written.model_dump(), supersedes=state.supersedes)


@assessments_router.post(
    "/{assessment_id}/withdraw",
    response_model=WriteResult,
    summary="Withdraw an assessment",
    responses=_WRITE_PROBLEMS,
)
async def withdraw_assessment(
    assessment_id: AssessmentId,
    response: Response,
    store: StoreDep,
    meta: WriteMetadataDep,
    _: WithdrawerDep,
    if_match: OptionalIfMatch = None,
) -> WriteResult:
    """Withdraw an assessment; if it was published its judgements no longer stand."""
    state = await handlers.execute(
        store, assessment_id, domain.Withdraw(), meta, if_match=_optional_version(if_match)
    )
    return _written(response, state)


ROUTERS: tuple[APIRouter, ...] = (
    frameworks_api.router,
    assessments_router,
    profile_api.router,
)
