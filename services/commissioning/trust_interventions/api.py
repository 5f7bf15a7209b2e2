"""The commissioning HTTP routes for whole-trust intervention: a direction to a trust after a
breach of its academy arrangements, a termination warning notice to a whole trust after a
trust inspection finds it failing.

Seeded authority (v5): caseworkers open an intervention and record each step (the decision
is taken by the decider the step names, whose grade the policy must allow); readers,
decision makers and auditors read. An intervention is where its trust is.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.commissioning.authority import trust_place
from services.commissioning.handlers import new_id
from services.commissioning.school_interventions.handlers import policy_version
from services.commissioning.school_interventions.policy import INTERVENTION_POLICY
from services.commissioning.trust_interventions import domain, handlers
from services.commissioning.trust_interventions.schemas import (
    TrustInterventionList,
    TrustInterventionOpening,
    TrustInterventionSummary,
    TrustInterventionView,
    TrustInterventionWritten,
    TrustStepTaking,
    TrustStepView,
)
from shared.app import StoreDep
from shared.authority.acting import Acting
from shared.contracts.interventions import TrustInterventionOpened, TrustInterventionStepTaken
from shared.errors import NotFound
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep, TodayDep
from shared.http.problems import problem_responses
from shared.http.steps import change, create, step
from shared.http.writes import Answer, WriteRequest, etag, read_responses, write_responses

router = APIRouter(prefix="/trust-interventions", tags=["interventions"])
IdPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="The intervention id (uuid4 hex).")
]
Reader = Annotated[Acting, step("commissioning.trust_interventions.read")]
Opener = Annotated[WriteRequest, create("commissioning.trust_interventions.open")]
StepTaker = Annotated[WriteRequest, change("commissioning.trust_interventions.take_step")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TrustInterventionWritten,
    summary="Open an intervention in a whole trust",
    responses=write_responses(201, 401, 403, 409, 422, location=True),
)
async def open_trust_intervention(
    body: TrustInterventionOpening, write: Opener, on: TodayDep
) -> Response:
    """On the pathway the intervention policy in force today gives the trigger (its
    ``trust_pathways``); after a trust inspection, the inspection must be one commissioning
    knows for the trust and meet the version's failing rule (409 naming the rule and the
    inspection's outcomes otherwise)."""
    cmd = domain.OpenTrustIntervention(
        intervention_id=new_id(),
        trust_uid=body.trust_uid,
        trigger=body.trigger,
        trust_inspection_id=body.trust_inspection_id,
        opened_on=body.opened_on or on,
        reason=body.reason,
        evidence_ids=body.evidence_ids,
    )

    async def act(uow: UnitOfWork) -> Answer:
        done = await handlers.open_intervention(uow, cmd=cmd, today=on)
        return Answer(
            TrustInterventionWritten(intervention_id=done.intervention_id, version=done.version),
            status.HTTP_201_CREATED,
            version=done.version,
            location=f"/trust-interventions/{done.intervention_id}",
        )

    return await write.run(act)


@router.post(
    "/{trust_intervention_id}/steps",
    response_model=TrustInterventionWritten,
    summary="Record a step of a whole-trust intervention's pathway",
    responses=write_responses(200, 401, 403, 404, 409, 412, 422, 428),
)
async def take_trust_step(
    trust_intervention_id: IdPath, body: TrustStepTaking, write: StepTaker, on: TodayDep
) -> Response:
    """A step the intervention's policy version allows next, decided by a grade it names
    (409 naming the version and what it allows otherwise); a termination notice opens one
    rebrokerage case for all the trust's open academies (``case_id``)."""
    cmd = domain.TakeTrustStep(
        step=body.step,
        decided_on=body.decided_on or on,
        decided_by=body.decided_by,
        decider_grade=body.decider_grade,
        reason=body.reason,
        evidence_ids=body.evidence_ids,
    )

    async def act(uow: UnitOfWork) -> Answer:
        done = await handlers.take_step(
            uow, intervention_id=trust_intervention_id, cmd=cmd, today=on
        )
        return Answer(
            TrustInterventionWritten(
                intervention_id=trust_intervention_id, version=done.version, case_id=done.case_id
            ),
            version=done.version,
        )

    return await write.run(act)


@router.get(
    "",
    response_model=TrustInterventionList,
    summary="List a trust's whole-trust interventions",
    responses=problem_responses(401, 403, 422),
)
async def list_trust_interventions(
    pool: PoolDep,
    acting: Reader,
    trust_uid: Annotated[int, Query(ge=1, le=2**31 - 1, description="The trust's UID.")],
) -> TrustInterventionList:
    """The trust's interventions, newest first, from the read model."""
    acting.check(await trust_place(pool, trust_uid))
    rows = await pool.fetch(
        "SELECT * FROM commissioning_trust_interventions WHERE trust_uid = $1"
        " ORDER BY opened_on DESC, intervention_id",
        trust_uid,
    )
    return TrustInterventionList(
        items=[
            TrustInterventionSummary(
                intervention_id=r["intervention_id"],
                trust_uid=r["trust_uid"],
                trigger=r["trigger"],
                trust_inspection_id=r["trust_inspection_id"],
                opened_on=r["opened_on"],
                policy_version=r["policy_version"],
                last_step=r["last_step"],
                response_due_on=r["response_due_on"],
                case_ids=list(r["case_ids"]),
                version=r["version"],
            )
            for r in rows
        ]
    )


@router.get(
    "/{trust_intervention_id}",
    response_model=TrustInterventionView,
    summary="Get a whole-trust intervention",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_trust_intervention(
    trust_intervention_id: IdPath, response: Response, store: StoreDep, acting: Reader
) -> TrustInterventionView:
    """Its steps and what its policy version allows next, from its stream."""
    recorded = await store.read_stream(handlers.stream(trust_intervention_id))
    events = [r.decode(store.registry) for r in recorded]
    state = domain.fold(events)
    if state is None:
        raise NotFound(f"There is no trust intervention {trust_intervention_id}.")
    acting.check(await trust_place(store.pool, state.trust_uid))
    policy = await policy_version(store, state.policy_version)
    pathway = domain.pathway_of(policy, state.policy_version, state.trigger)
    opened = next(e for e in events if isinstance(e, TrustInterventionOpened))
    steps = [
        TrustStepView.model_validate(e.model_dump(exclude={"intervention_id", "trust_uid"}))
        for e in events
        if isinstance(e, TrustInterventionStepTaken)
    ]
    response.headers["ETag"] = etag(state.version)
    return TrustInterventionView(
        intervention_id=state.intervention_id,
        trust_uid=state.trust_uid,
        trigger=state.trigger,
        trust_inspection_id=state.trust_inspection_id,
        inspection_outcomes=opened.inspection_outcomes,
        opened_on=state.opened_on,
        reason=opened.reason,
        evidence_ids=opened.evidence_ids,
        policy=INTERVENTION_POLICY,
        policy_version=state.policy_version,
        steps=steps,
        allowed_steps=pathway.allowed_after(state.last_step),
        case_ids=list(state.case_ids),
        version=state.version,
    )
