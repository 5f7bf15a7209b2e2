"""Project commands: load the project (and, for authority to proceed, its case), decide with
the pure ``domain``, append at the version the caller read (If-Match)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.commissioning.domain import cases
from services.commissioning.domain.cases import CaseState
from services.commissioning.policy_book import POLICIES
from services.commissioning.projects import domain
from services.commissioning.projects.domain import ProjectState
from services.commissioning.projects.policy import (
    DATE_CHANGE_REASONS,
    PROJECT_TEMPLATES,
    DateChangeReasons,
    ProjectTemplates,
)
from shared.authority.acting import authorize
from shared.contracts.commissioning import DecisionRecorded, TransferApproved
from shared.contracts.projects import ProjectType
from shared.errors import Conflict, NotFound, UnprocessableContent
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import NO_STREAM
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork
from shared.policy.store import policy_in_force


async def open_for_approval(
    uow: UnitOfWork, state: CaseState, events: Sequence[EventContract], *, today: date
) -> None:
    """The project an approval opens, in the decision's unit of work (none otherwise)."""
    approved = next((e for e in events if isinstance(e, TransferApproved)), None)
    if approved is None:
        return
    decided = next(e for e in events if isinstance(e, DecisionRecorded))
    templates = await policy_in_force(uow, POLICIES, PROJECT_TEMPLATES, today, ProjectTemplates)
    project_type: ProjectType = decided.project_type or (
        "academy_transfer" if approved.kind == "transfer" else "conversion"
    )
    if project_type not in templates.document.types:
        # The policy's check at publication requires every type; a list without this one
        # would leave the project with no tasks, so the decision is refused whole.
        raise UnprocessableContent(
            f"Version {templates.number} of the project_templates policy has no task list for"
            f" a {project_type.replace('_', ' ')} project.",
            extra={
                "errors": [
                    {
                        "loc": ["body", "project_type"],
                        "msg": "no template in force",
                        "allowed": list(templates.document.types),
                    }
                ]
            },
        )
    opened = domain.open_project(
        case_id=state.case_id,
        decision_id=approved.decision_id,
        project_type=project_type,
        urns=approved.urns,
        to_trust_uid=approved.to_trust_uid,
        provisional_date=approved.significant_date,
        tasks=templates.document.types[project_type],
        template_version=templates.number,
        region_code=state.region_code,
        la_codes=state.la_codes,
        on=today,
        kind=approved.kind,
    )
    await uow.append(f"project-{approved.decision_id}", opened, expected_version=NO_STREAM)


async def load_project(source: EventStore | UnitOfWork, project_id: str) -> ProjectState:
    """The project as its stream tells it (404 if none); in a unit of work, the caller's
    authority where it is is checked before anything is decided."""
    stream = f"project-{project_id}"
    recorded = await (
        source.read_for_change(stream)
        if isinstance(source, UnitOfWork)
        else source.read_stream(stream)
    )
    state = domain.fold(e.decode(source.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no project {project_id}.")
    if isinstance(source, UnitOfWork):
        authorize(source, state.place)
    return state


async def _append(uow: UnitOfWork, state: ProjectState, events: list[EventContract]) -> int:
    result = await uow.append(
        f"project-{state.project_id}", events, expected_version=uow.expect(state.version)
    )
    return result.last_version


async def confirm_date(uow: UnitOfWork, *, project_id: str, today: date) -> int:
    """Confirm the provisional significant date."""
    state = await load_project(uow, project_id)
    return await _append(uow, state, domain.confirm_date(state, on=today))


async def change_date(
    uow: UnitOfWork,
    *,
    project_id: str,
    significant_date: date,
    reason_code: str,
    reason: str,
    today: date,
) -> int:
    """Move the significant date for a coded reason from the list in force."""
    state = await load_project(uow, project_id)
    reasons = await policy_in_force(uow, POLICIES, DATE_CHANGE_REASONS, today, DateChangeReasons)
    events = domain.change_date(
        state,
        significant_date,
        reason_code=reason_code,
        reason=reason,
        reasons=reasons.document,
        reasons_version=reasons.number,
        today=today,
    )
    return await _append(uow, state, events)


async def complete_task(
    uow: UnitOfWork,
    *,
    project_id: str,
    task: str,
    document_reference: str | None,
    note: str | None,
    today: date,
) -> int:
    """Mark a task done; the event's actor is who completed it."""
    state = await load_project(uow, project_id)
    events = domain.complete_task(
        state, task, document_reference=document_reference, note=note, on=today
    )
    return await _append(uow, state, events)


async def record_authority(uow: UnitOfWork, *, project_id: str, today: date) -> int:
    """Authority to proceed, if the approval's conditions and the tasks allow it."""
    state = await load_project(uow, project_id)
    recorded = await uow.read_stream(f"case-{state.case_id}")
    case = cases.fold(e.decode(uow.registry) for e in recorded)
    assert case is not None
    if case.status != "decided" or case.decision_id != state.decision_id:
        raise Conflict(
            "The approval this project carries out no longer stands (it was challenged,"
            " superseded, or its case closed).",
            extra={"case_status": case.status},
        )
    conditions = [
        (n, text, status)
        for n, (text, status) in enumerate(
            zip(case.conditions, case.condition_status, strict=True), start=1
        )
    ]
    return await _append(uow, state, domain.record_authority(state, conditions, on=today))


async def hand_over(
    uow: UnitOfWork, *, project_id: str, to_team: str, note: str | None, today: date
) -> int:
    """Hand the project to the team that carries it out."""
    state = await load_project(uow, project_id)
    return await _append(uow, state, domain.hand_over(state, to_team=to_team, note=note, on=today))


_MOVED = """
SELECT coalesce(applied_urns @> $3::int[], false) FROM commissioning_cases
 WHERE case_id = $1 AND decision_id = $2
"""


async def confirm_transfer_date(
    uow: UnitOfWork, *, project_id: str, actual_date: date, today: date
) -> int:
    """Confirm the actual transfer date once the registry has moved every school."""
    state = await load_project(uow, project_id)
    moved = bool(
        await uow.conn.fetchval(_MOVED, state.case_id, state.decision_id, list(state.urns))
    )
    events = domain.confirm_transfer_date(state, actual_date, moved=moved, today=today)
    return await _append(uow, state, events)
