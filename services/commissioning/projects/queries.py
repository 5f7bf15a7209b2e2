"""Reading a project from its read model, with what authority to proceed still needs."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import asyncpg

from services.commissioning.domain import cases
from services.commissioning.projects.domain import ProjectState, missing_for_authority
from services.commissioning.projects.schemas import ProjectView
from shared.errors import NotFound
from shared.eventlog.store import EventStore


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def get_project(
    pool: asyncpg.Pool, project_id: str, *, today: date, state: ProjectState, store: EventStore
) -> ProjectView:
    """The project as its read model has it; overdue when its date has come without
    authority to proceed."""
    row = await pool.fetchrow(
        "SELECT * FROM commissioning_projects WHERE project_id = $1", project_id
    )
    if row is None:
        raise NotFound(f"There is no project {project_id}.")
    recorded = await store.read_stream(f"case-{state.case_id}")
    case = cases.fold(e.decode(store.registry) for e in recorded)
    conditions: list[tuple[int, str, str]] = []
    if case is not None and case.decision_id == state.decision_id:
        conditions = [
            (n, text, status)
            for n, (text, status) in enumerate(
                zip(case.conditions, case.condition_status, strict=True), start=1
            )
        ]
    authorised = row["authority_to_proceed_on"] is not None
    return ProjectView(
        project_id=row["project_id"],
        case_id=row["case_id"],
        decision_id=row["decision_id"],
        project_type=row["project_type"],
        urns=list(row["urns"]),
        to_trust_uid=row["to_trust_uid"],
        significant_date=row["significant_date"],
        date_confirmed=row["date_confirmed"],
        date_changes=_json(row["date_changes"]),
        template_version=row["template_version"],
        tasks=_json(row["tasks"]),
        authority_to_proceed_on=row["authority_to_proceed_on"],
        authority_to_proceed_by=row["authority_to_proceed_by"],
        handed_over_to=row["handed_over_to"],
        handed_over_on=row["handed_over_on"],
        actual_date=row["actual_date"],
        overdue=not authorised and row["significant_date"] <= today,
        missing_for_authority={}
        if authorised
        else missing_for_authority(state, conditions, today=today),
        opened_on=row["opened_on"],
        version=row["version"],
    )
