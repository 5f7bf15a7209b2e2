"""The commissioning HTTP routes for intervention in a school in a category of concern.

Seeded authority (v2): caseworkers open an intervention and record each step (the decision
is taken by the decider the step names, whose grade the policy must allow); readers,
decision makers and auditors read. An intervention is where its school is.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from services.commissioning.handlers import new_id
from services.commissioning.school_interventions import domain, handlers
from services.commissioning.school_interventions.policy import INTERVENTION_POLICY
from services.commissioning.school_interventions.schemas import (
    InterventionOpening,
    SchoolInterventionView,
    SchoolInterventionWritten,
    StepTaking,
    StepView,
)
from shared.app import StoreDep
from shared.authority.acting import Acting
from shared.contracts.interventions import SchoolInterventionStepTaken
from shared.errors import NotFound
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import TodayDep
from shared.http.steps import change, create, step
from shared.http.writes import Answer, WriteRequest, etag, read_responses, write_responses

router = APIRouter(prefix="/school-interventions", tags=["interventions"])
IdPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="The intervention id (uuid4 hex).")
]
Reader = Annotated[Acting, step("commissioning.school_interventions.read")]
Opener = Annotated[WriteRequest, create("commissioning.school_interventions.open")]
StepTaker = Annotated[WriteRequest, change("commissioning.school_interventions.take_step")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SchoolInterventionWritten,
    summary="Open an intervention in a school in a category of concern",
    responses=write_responses(201, 401, 403, 409, 422, location=True),
)
async def open_school_intervention(
    body: InterventionOpening, write: Opener, on: TodayDep
) -> Response:
    """On the pathway the intervention policy in force today gives the category and the
    kind of school; the intervention follows that version to its end."""
    cmd = domain.OpenIntervention(
        intervention_id=new_id(),
        urn=body.urn,
        trust_uid=None,
        school_kind=body.school_kind,
        category=body.category_of_concern,
        inspection_start=body.inspection_start,
        opened_on=body.opened_on or on,
        reason=body.reason,
        evidence_ids=body.evidence_ids,
    )

    async def act(uow: UnitOfWork) -> Answer:
        done = await handlers.open_intervention(uow, cmd=cmd, today=on)
        return Answer(
            SchoolInterventionWritten(intervention_id=done.intervention_id, version=done.version),
            status.HTTP_201_CREATED,
            version=done.version,
            location=f"/school-interventions/{done.intervention_id}",
        )

    return await write.run(act)


@router.post(
    "/{school_intervention_id}/steps",
    response_model=SchoolInterventionWritten,
    summary="Record a step of an intervention's pathway",
    responses=write_responses(200, 401, 403, 404, 409, 412, 422, 428),
)
async def take_step(
    school_intervention_id: IdPath, body: StepTaking, write: StepTaker, on: TodayDep
) -> Response:
    """A step the intervention's policy version allows next, decided by a grade it names
    (409 naming the version and what it allows otherwise); a step that opens a case opens
    it (``case_id``)."""
    cmd = domain.TakeStep(
        step=body.step,
        decided_on=body.decided_on or on,
        decided_by=body.decided_by,
        decider_grade=body.decider_grade,
        reason=body.reason,
        evidence_ids=body.evidence_ids,
        reason_code=body.reason_code,
        reason_text=body.reason_text,
        outcome=body.outcome,
        rise_adviser=body.rise_adviser,
        rise_supporting_organisation=body.rise_supporting_organisation,
    )

    async def act(uow: UnitOfWork) -> Answer:
        done = await handlers.take_step(
            uow, intervention_id=school_intervention_id, cmd=cmd, today=on
        )
        return Answer(
            SchoolInterventionWritten(
                intervention_id=school_intervention_id, version=done.version, case_id=done.case_id
            ),
            version=done.version,
        )

    return await write.run(act)


@router.get(
    "/{school_intervention_id}",
    response_model=SchoolInterventionView,
    summary="Get a school intervention",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_school_intervention(
    school_intervention_id: IdPath,
    response: Response,
    store: StoreDep,
    acting: Reader,
    on: TodayDep,
) -> SchoolInterventionView:
    """Its steps, what its policy version allows next, and its RISE window."""
    recorded = await store.read_stream(handlers.stream(school_intervention_id))
    state = domain.fold(r.decode(store.registry) for r in recorded)
    if state is None:
        raise NotFound(f"There is no school intervention {school_intervention_id}.")
    acting.check(await handlers.school_place(store.pool, state.urn))
    policy = await handlers.policy_version(store, state.policy_version)
    pathway = domain.pathway_of(policy, state.policy_version, state.category, state.school_kind)
    steps = [
        StepView.model_validate(e.model_dump(exclude={"intervention_id", "urn"}))
        for e in (r.decode(store.registry) for r in recorded)
        if isinstance(e, SchoolInterventionStepTaken)
    ]
    response.headers["ETag"] = etag(state.version)
    return SchoolInterventionView(
        intervention_id=state.intervention_id,
        urn=state.urn,
        trust_uid=state.trust_uid,
        school_kind=state.school_kind,
        category_of_concern=state.category,
        opened_on=state.opened_on,
        policy=INTERVENTION_POLICY,
        policy_version=state.policy_version,
        steps=steps,
        allowed_steps=pathway.allowed_after(state.last_step),
        rise_window_end=state.rise_window_end,
        rise_overdue=_rise_overdue(state, on),
        case_ids=list(state.case_ids),
        version=state.version,
    )


def _rise_overdue(state: domain.SchoolInterventionState, on: date) -> bool:
    return (
        state.rise_window_end is not None
        and on >= state.rise_window_end
        and state.last_step == "rise_started"
    )
