"""The projects read model (``commissioning_projects``): one row per project, from its
stream, kept by the ``commissioning-cases`` consumer. Each row is rebuilt from the log alone:
times are the events', never now()."""

from __future__ import annotations

import json
from typing import Any

from shared.contracts.projects import (
    AuthorityToProceedRecorded,
    ProjectDateChanged,
    ProjectDateConfirmed,
    ProjectHandedOver,
    ProjectOpened,
    ProjectTaskCompleted,
    TransferDateConfirmed,
)
from shared.eventlog.model import RecordedEvent
from shared.eventlog.projection import Handlers
from shared.eventlog.subscriptions import HandlerContext

HANDLERS = Handlers()


async def _update(
    ctx: HandlerContext, event: RecordedEvent, pid: str, sets: str, *args: Any
) -> None:
    # ``sets`` uses $4 onwards; $1 is the project, $2 its stream version, $3 the event's time.
    await ctx.conn.execute(
        f"UPDATE commissioning_projects SET {sets}, version = $2, updated_at = $3"
        " WHERE project_id = $1",
        pid,
        event.stream_version,
        event.recorded_at,
        *args,
    )


@HANDLERS.on(ProjectOpened)
async def _opened(e: ProjectOpened, event: RecordedEvent, ctx: HandlerContext) -> None:
    tasks = [
        {
            **t.model_dump(),
            "done": False,
            "completed_by": None,
            "completed_on": None,
            "document_reference": None,
            "note": None,
        }
        for t in e.tasks
    ]
    await ctx.conn.execute(
        """
        INSERT INTO commissioning_projects
            (project_id, case_id, decision_id, project_type, urns, to_trust_uid,
             significant_date, template_version, tasks, opened_on, version, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (project_id) DO NOTHING
        """,
        e.project_id,
        e.case_id,
        e.decision_id,
        e.project_type,
        e.urns,
        e.to_trust_uid,
        e.provisional_date,
        e.template_version,
        json.dumps(tasks),
        e.opened_on,
        event.stream_version,
        event.recorded_at,
    )


@HANDLERS.on(ProjectDateConfirmed)
async def _confirmed(e: ProjectDateConfirmed, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update(
        ctx, event, e.project_id, "significant_date = $4, date_confirmed = true", e.significant_date
    )


@HANDLERS.on(ProjectDateChanged)
async def _changed(e: ProjectDateChanged, event: RecordedEvent, ctx: HandlerContext) -> None:
    change = {
        "previous_date": e.previous_date.isoformat(),
        "significant_date": e.significant_date.isoformat(),
        "reason_code": e.reason_code,
        "reasons_policy_version": e.reasons_policy_version,
        "reason": e.reason,
        "actor": event.meta.actor,
        "changed_on": e.changed_on.isoformat(),
    }
    await _update(
        ctx,
        event,
        e.project_id,
        "significant_date = $4, date_changes = date_changes || $5::jsonb",
        e.significant_date,
        json.dumps([change]),
    )


@HANDLERS.on(ProjectTaskCompleted)
async def _task_done(e: ProjectTaskCompleted, event: RecordedEvent, ctx: HandlerContext) -> None:
    done = {
        "done": True,
        "completed_by": event.meta.actor,
        "completed_on": e.completed_on.isoformat(),
        "document_reference": e.document_reference,
        "note": e.note,
    }
    # The task's element gains what completed it; the others stay as they are.
    await _update(
        ctx,
        event,
        e.project_id,
        "tasks = (SELECT jsonb_agg(CASE WHEN t ->> 'key' = $4 THEN t || $5::jsonb ELSE t END"
        " ORDER BY n) FROM jsonb_array_elements(tasks) WITH ORDINALITY AS x(t, n))",
        e.task,
        json.dumps(done),
    )


@HANDLERS.on(AuthorityToProceedRecorded)
async def _authority(
    e: AuthorityToProceedRecorded, event: RecordedEvent, ctx: HandlerContext
) -> None:
    await _update(
        ctx,
        event,
        e.project_id,
        "authority_to_proceed_on = $4, authority_to_proceed_by = $5",
        e.recorded_on,
        event.meta.actor,
    )


@HANDLERS.on(ProjectHandedOver)
async def _handed_over(e: ProjectHandedOver, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update(
        ctx,
        event,
        e.project_id,
        "handed_over_to = $4, handed_over_on = $5",
        e.to_team,
        e.handed_over_on,
    )


@HANDLERS.on(TransferDateConfirmed)
async def _actual(e: TransferDateConfirmed, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update(ctx, event, e.project_id, "actual_date = $4", e.actual_date)
