"""Routes of a transfer or conversion project (HTTP only). A project's id is its approving
decision's (the case's ``decision.decision_id``); it is where its case is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.commissioning.projects import handlers, queries
from services.commissioning.projects.schemas import (
    ActualTransferDate,
    Handover,
    ProjectDateChange,
    ProjectView,
    TaskCompletion,
)
from services.commissioning.schemas import Written
from shared.app import StoreDep
from shared.authority.acting import Acting
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep, TodayDep
from shared.http.steps import change, step
from shared.http.writes import Answer, WriteRequest, etag, read_responses, write_responses

ProjectId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="The project's id: its approval's.")
]
TaskKey = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="The task's key.")]
ProjectReader = Annotated[Acting, step("commissioning.projects.read")]
ManageProject = Annotated[WriteRequest, change("commissioning.projects.manage")]
AuthorityToProceed = Annotated[WriteRequest, change("commissioning.projects.authority_to_proceed")]

router = APIRouter(prefix="/projects", tags=["projects"])
WRITE_PROBLEMS = write_responses(200, 401, 403, 404, 409, 412, 422, 428)


def _written(project_id: str, version: int) -> Answer:
    return Answer(Written(id=project_id, version=version), version=version)


async def _run(
    write: WriteRequest, act: Callable[[UnitOfWork], Awaitable[int]], pid: str
) -> Response:
    async def answer(uow: UnitOfWork) -> Answer:
        return _written(pid, await act(uow))

    return await write.run(answer)


@router.get(
    "/{project_id}",
    response_model=ProjectView,
    summary="Get a project",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_project(
    project_id: ProjectId,
    response: Response,
    pool: PoolDep,
    store: StoreDep,
    acting: ProjectReader,
    on: TodayDep,
) -> ProjectView:
    """Its dates, tasks (who completed each, when, with which document), authority to
    proceed or what it still needs, handover, and whether it is overdue."""
    state = await handlers.load_project(store, project_id)
    acting.check(state.place)
    view = await queries.get_project(pool, project_id, today=on, state=state, store=store)
    response.headers["ETag"] = etag(view.version)
    return view


@router.post(
    "/{project_id}/significant-date/confirm",
    response_model=Written,
    summary="Confirm the significant date",
    responses=WRITE_PROBLEMS,
)
async def confirm_date(project_id: ProjectId, write: ManageProject, on: TodayDep) -> Response:
    """The provisional significant date becomes the confirmed one."""
    return await _run(
        write, lambda uow: handlers.confirm_date(uow, project_id=project_id, today=on), project_id
    )


@router.post(
    "/{project_id}/significant-date",
    response_model=Written,
    summary="Change the significant date",
    responses=WRITE_PROBLEMS,
)
async def change_date(
    project_id: ProjectId, body: ProjectDateChange, write: ManageProject, on: TodayDep
) -> Response:
    """Move it to another 1st of a month for a coded reason; refused once the actual
    transfer date is confirmed. After authority to proceed the registry reschedules."""
    return await _run(
        write,
        lambda uow: handlers.change_date(
            uow,
            project_id=project_id,
            significant_date=body.significant_date,
            reason_code=body.reason_code,
            reason=body.reason,
            today=on,
        ),
        project_id,
    )


@router.post(
    "/{project_id}/tasks/{task}/complete",
    response_model=Written,
    summary="Complete a task",
    responses=WRITE_PROBLEMS,
)
async def complete_task(
    project_id: ProjectId, task: TaskKey, body: TaskCompletion, write: ManageProject, on: TodayDep
) -> Response:
    """A task of the list is done: by the caller, today, with its document reference."""
    return await _run(
        write,
        lambda uow: handlers.complete_task(
            uow,
            project_id=project_id,
            task=task,
            document_reference=body.document_reference,
            note=body.note,
            today=on,
        ),
        project_id,
    )


@router.post(
    "/{project_id}/authority-to-proceed",
    response_model=Written,
    summary="Record authority to proceed",
    responses=WRITE_PROBLEMS,
)
async def record_authority(
    project_id: ProjectId, write: AuthorityToProceed, on: TodayDep
) -> Response:
    """Only when every condition of the approval is met or waived, every mandatory task is
    done and the date is confirmed (409 with ``missing`` otherwise). The registry then moves
    the schools on the confirmed date."""
    return await _run(
        write,
        lambda uow: handlers.record_authority(uow, project_id=project_id, today=on),
        project_id,
    )


@router.post(
    "/{project_id}/handover",
    response_model=Written,
    summary="Hand the project over",
    responses=WRITE_PROBLEMS,
)
async def hand_over(
    project_id: ProjectId, body: Handover, write: ManageProject, on: TodayDep
) -> Response:
    """Recorded once: to the team that carries the project out."""
    return await _run(
        write,
        lambda uow: handlers.hand_over(
            uow, project_id=project_id, to_team=body.to_team, note=body.note, today=on
        ),
        project_id,
    )


@router.post(
    "/{project_id}/transfer-date",
    response_model=Written,
    summary="Confirm the actual transfer date",
    responses=WRITE_PROBLEMS,
)
async def confirm_transfer_date(
    project_id: ProjectId, body: ActualTransferDate, write: ManageProject, on: TodayDep
) -> Response:
    """After the registry has moved every school: the date they moved. Final: the date
    cannot change after it."""
    return await _run(
        write,
        lambda uow: handlers.confirm_transfer_date(
            uow, project_id=project_id, actual_date=body.actual_date, today=on
        ),
        project_id,
    )
