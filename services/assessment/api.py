"""Assessments over HTTP: parse, call one handler or query, shape the answer.

Who may call is ``http_deps``; four eyes (no moderating what you helped write) is the
domain's rule, checked on the people named in the events.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.assessment import domain, frameworks_api, handlers, profile_api, queries
from services.assessment.domain import Status
from services.assessment.http_deps import (
    JudgePillar,
    ModerateAssessment,
    PublishAssessment,
    RecordEvidence,
    StartAssessment,
    SubmitAssessment,
    WithdrawAssessment,
    readers,
)
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
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep, TodayDep
from shared.http.problems import problem_responses
from shared.http.writes import Answer, etag, read_responses, write_responses

AssessmentId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="The assessment's id (32 hex digits).")
]
PillarKey = Annotated[
    str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="A pillar key of the framework.")
]
assessments_router = APIRouter(prefix="/assessments", tags=["assessments"])

_WRITE_PROBLEMS = write_responses(200, 401, 403, 404, 409, 412, 422, 428)


def _written(state: domain.Assessment, status_code: int = status.HTTP_200_OK) -> Answer:
    return Answer(
        WriteResult(assessment_id=state.assessment_id, version=state.version, status=state.status),
        status_code,
        version=state.version,
    )


# --------------------------------------------------------------------------- assessments


@assessments_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentCreated,
    summary="Start an assessment of a trust",
    responses=write_responses(201, 401, 403, 422, location=True),
)
async def start_assessment(body: StartRequest, write: StartAssessment, pool: PoolDep) -> Response:
    """Begin assessing a trust, bound to one framework version; the caller is its assessor."""
    await queries.require_known_trust(pool, body.trust_uid)

    async def act(uow: UnitOfWork) -> Answer:
        assessment_id, framework = await handlers.start_assessment(
            uow,
            trust_uid=body.trust_uid,
            framework_id=body.framework_id,
            framework_version=body.framework_version,
            purpose=body.purpose,
        )
        created = AssessmentCreated(
            assessment_id=assessment_id,
            version=1,
            status="draft",
            framework_id=framework.framework_id,
            framework_version=framework.framework_version,
        )
        return Answer(
            created,
            status.HTTP_201_CREATED,
            version=1,
            location=f"/assessments/{assessment_id}",
        )

    return await write.run(act)


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
    responses=read_responses(401, 403, 404, 422, versioned=True),
    dependencies=readers,
)
async def get_assessment(
    store: StoreDep, assessment_id: AssessmentId, response: Response
) -> AssessmentView:
    """An assessment with its evidence and judgements; the ETag is its version for If-Match."""
    view = await queries.get_assessment(store, assessment_id)
    response.headers["ETag"] = etag(view.version)
    return view


@assessments_router.post(
    "/{assessment_id}/evidence",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidenceAdded,
    summary="Record evidence against a pillar",
    responses=write_responses(201, 401, 403, 404, 409, 412, 422, 428),
)
async def record_evidence(
    assessment_id: AssessmentId, body: EvidenceRequest, write: RecordEvidence
) -> Response:
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
        recorded_by=write.principal.subject,
    )

    async def act(uow: UnitOfWork) -> Answer:
        return _evidence_added(await handlers.execute(uow, assessment_id, command), command)

    return await write.run(act)


def _evidence_added(state: domain.Assessment, command: domain.RecordEvidence) -> Answer:
    answer = _written(state, status.HTTP_201_CREATED)
    answer.body = EvidenceAdded(**answer.body.model_dump(), evidence_id=command.evidence_id)
    return answer


@assessments_router.post(
    "/{assessment_id}/evidence/indicators",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidenceAdded,
    summary="Record the trust's indicators as evidence",
    responses=write_responses(201, 401, 403, 404, 409, 412, 422, 428),
)
async def record_indicators_evidence(
    assessment_id: AssessmentId,
    body: IndicatorsEvidenceRequest,
    write: RecordEvidence,
    store: StoreDep,
    pool: PoolDep,
) -> Response:
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
        recorded_by=write.principal.subject,
    )

    async def act(uow: UnitOfWork) -> Answer:
        return _evidence_added(await handlers.execute(uow, assessment_id, command), command)

    return await write.run(act)


@assessments_router.put(
    "/{assessment_id}/pillars/{pillar}/judgement",
    response_model=WriteResult,
    summary="Judge a pillar",
    responses=_WRITE_PROBLEMS,
)
async def judge_pillar(
    assessment_id: AssessmentId,
    pillar: PillarKey,
    body: JudgementRequest,
    write: JudgePillar,
) -> Response:
    """Set the pillar's judgement on the descriptor scale; needs If-Match with the version read."""
    command = domain.JudgePillar(
        pillar=pillar,
        descriptor=body.descriptor,
        rationale=body.rationale,
        evidence_ids=body.evidence_ids,
        judged_by=write.principal.subject,
    )

    async def act(uow: UnitOfWork) -> Answer:
        return _written(await handlers.execute(uow, assessment_id, command))

    return await write.run(act)


@assessments_router.post(
    "/{assessment_id}/submit",
    response_model=WriteResult,
    summary="Submit an assessment for moderation",
    responses=_WRITE_PROBLEMS,
)
async def submit_assessment(assessment_id: AssessmentId, write: SubmitAssessment) -> Response:
    """Hand a draft or returned assessment (with at least one judgement) in for moderation."""
    command = domain.Submit(submitted_by=write.principal.subject)

    async def act(uow: UnitOfWork) -> Answer:
        return _written(await handlers.execute(uow, assessment_id, command))

    return await write.run(act)


@assessments_router.post(
    "/{assessment_id}/moderate",
    response_model=WriteResult,
    summary="Approve or return a submitted assessment",
    responses=_WRITE_PROBLEMS,
)
async def moderate_assessment(
    assessment_id: AssessmentId, body: ModerationRequest, write: ModerateAssessment
) -> Response:
    """Four eyes: a moderator who wrote none of it approves it, or returns it with comments."""
    command: domain.Command
    if body.decision == "approve":
        command = domain.Approve(moderator=write.principal.subject, comments=body.comments)
    else:
        assert body.comments is not None  # the schema requires them to return
        command = domain.Return(moderator=write.principal.subject, comments=body.comments)

    async def act(uow: UnitOfWork) -> Answer:
        return _written(await handlers.execute(uow, assessment_id, command))

    return await write.run(act)


@assessments_router.post(
    "/{assessment_id}/publish",
    response_model=Published,
    summary="Publish a moderated assessment",
    responses=_WRITE_PROBLEMS,
)
async def publish_assessment(
    assessment_id: AssessmentId, write: PublishAssessment, today: TodayDep
) -> Response:
    """Publish a moderated assessment with every pillar judged; it supersedes the trust's last."""

    async def act(uow: UnitOfWork) -> Answer:
        state = await handlers.publish(uow, assessment_id, today=today)
        answer = _written(state)
        answer.body = Published(**answer.body.model_dump(), supersedes=state.supersedes)
        return answer

    return await write.run(act)


@assessments_router.post(
    "/{assessment_id}/withdraw",
    response_model=WriteResult,
    summary="Withdraw an assessment",
    responses=_WRITE_PROBLEMS,
)
async def withdraw_assessment(assessment_id: AssessmentId, write: WithdrawAssessment) -> Response:
    """Withdraw an assessment; if it was published its judgements no longer stand."""

    async def act(uow: UnitOfWork) -> Answer:
        return _written(await handlers.execute(uow, assessment_id, domain.Withdraw()))

    return await write.run(act)


ROUTERS: tuple[APIRouter, ...] = (
    frameworks_api.router,
    assessments_router,
    profile_api.router,
)
