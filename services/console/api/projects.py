"""Transfer projects: the page, and each step to authority to proceed, handover and the
actual transfer date (every write with If-Match; the API's objections back on the page)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from commissioning_client.api.cases import cases_condition_met, cases_condition_waived
from commissioning_client.api.policies import policies_get_policy_in_force
from commissioning_client.api.projects import (
    projects_change_date,
    projects_complete_task,
    projects_confirm_date,
    projects_confirm_transfer_date,
    projects_get_project,
    projects_hand_over,
    projects_record_authority,
)
from commissioning_client.models import (
    ActualTransferDate,
    ConditionMet,
    ConditionWaived,
    Handover,
    PolicyVersionView,
    ProjectDateChange,
    ProjectView,
    TaskCompletion,
    Written,
)
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from registry_client.api.trusts import trusts_get_trust
from registry_client.models import TrustView

from services.console.api.cases import load_case
from services.console.api.deps import ApisDep
from services.console.api.writes import FORM_PROBLEMS, if_match
from services.console.clients import ApiProblem, Apis
from services.console.session import UserDep
from services.console.templating import render
from services.console.views.common import stale_or
from services.console.views.projects import (
    FIELDS,
    ProjectForm,
    ProjectPage,
    date_change_reasons,
    missing_summary,
)

router = APIRouter()

FLASH = {
    "task": "Task completed",
    "met": "Condition met",
    "waived": "Condition waived",
    "confirm": "Significant date confirmed",
    "date": "Significant date changed",
    "authority": "Authority to proceed recorded",
    "handover": "Project handed over",
    "actual": "Actual transfer date confirmed",
}


async def _load_project(apis: Apis, project_id: str) -> ProjectView:
    com = apis.commissioning
    return await com.ok(
        projects_get_project.asyncio_detailed(project_id, client=com.client), ProjectView
    )


async def _reasons(apis: Apis) -> list[tuple[str, str]]:
    """The date change reasons of the policy in force today."""
    com = apis.commissioning
    policy = await com.ok(
        policies_get_policy_in_force.asyncio_detailed("date_change_reasons", client=com.client),
        PolicyVersionView,
    )
    return date_change_reasons(policy.document.additional_properties)


async def _trust_name(apis: Apis, uid: int) -> str | None:
    reg = apis.registry
    try:
        trust = await reg.ok(trusts_get_trust.asyncio_detailed(uid, client=reg.client), TrustView)
    except ApiProblem:
        return None
    return trust.details.name


async def _page(
    request: Request,
    apis: Apis,
    project_id: str,
    roles: tuple[str, ...],
    form: ProjectForm | None = None,
    errors: list[dict[str, str]] | None = None,
) -> Response:
    project = await _load_project(apis, project_id)
    case, reasons, trust = await asyncio.gather(
        load_case(apis, project.case_id), _reasons(apis), _trust_name(apis, project.to_trust_uid)
    )
    view = ProjectPage.build(project, case, reasons, trust, roles=roles, form=form)
    return render(
        request,
        "projects/project.html",
        {
            "view": view,
            "form": form or ProjectForm(""),
            "title": view.title,
            "back": f"/cases/{case.case_id}",
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


@router.get("/projects/{project_id}", summary="A transfer project")
async def project_page(request: Request, project_id: str, apis: ApisDep, user: UserDep) -> Response:
    """The project: its date, task list, the approval's conditions, and what is missing."""
    return await _page(request, apis, project_id, user.roles)


def _send(apis: Apis, project_id: str, form: ProjectForm) -> Callable[[], Awaitable[Any]]:
    """The API call a form makes (If-Match on the version it was read at)."""
    com = apis.commissioning
    client = com.client
    match = if_match(form.version)
    body = form.body()
    reason = "in the console"
    project_calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "task": lambda: projects_complete_task.asyncio_detailed(
            project_id,
            form.value("task"),
            client=client,
            body=TaskCompletion.from_dict(body),
            if_match=match,
            x_reason=reason,
        ),
        "confirm": lambda: projects_confirm_date.asyncio_detailed(
            project_id, client=client, if_match=match, x_reason=reason
        ),
        "date": lambda: projects_change_date.asyncio_detailed(
            project_id,
            client=client,
            body=ProjectDateChange.from_dict(body),
            if_match=match,
            x_reason=form.value("date_reason")[:200],
        ),
        "authority": lambda: projects_record_authority.asyncio_detailed(
            project_id, client=client, if_match=match, x_reason=reason
        ),
        "handover": lambda: projects_hand_over.asyncio_detailed(
            project_id,
            client=client,
            body=Handover.from_dict(body),
            if_match=match,
            x_reason=reason,
        ),
        "actual": lambda: projects_confirm_transfer_date.asyncio_detailed(
            project_id,
            client=client,
            body=ActualTransferDate.from_dict(body),
            if_match=match,
            x_reason=reason,
        ),
    }
    return project_calls[form.kind]


async def _send_condition(apis: Apis, case_id: str, form: ProjectForm) -> None:
    """A condition met or waived, on the case (If-Match on the case's version)."""
    com = apis.commissioning
    number = int(form.value("condition"))
    match = if_match(form.version)
    if form.kind == "met":
        pending = cases_condition_met.asyncio_detailed(
            case_id,
            number,
            client=com.client,
            body=ConditionMet.from_dict(form.body()),
            if_match=match,
            x_reason="condition met in the console",
        )
    else:
        pending = cases_condition_waived.asyncio_detailed(
            case_id,
            number,
            client=com.client,
            body=ConditionWaived.from_dict(form.body()),
            if_match=match,
            x_reason=form.value("waived_reason")[:200],
        )
    await com.ok(pending, Written)


@router.post("/projects/{project_id}/{step}", summary="A step of a transfer project")
async def project_step(
    request: Request, project_id: str, step: str, apis: ApisDep, user: UserDep
) -> Response:
    """Take one step; the API's objections (a refused authority to proceed's ``missing``
    among them) go back on the page in its error summary."""
    if step not in FIELDS:
        return RedirectResponse(f"/projects/{project_id}", status_code=303)
    form = ProjectForm.parse(step, await request.form())
    if form.errors:
        return await _page(request, apis, project_id, user.roles, form, form.errors.summary())
    try:
        if step in ("met", "waived"):
            project = await _load_project(apis, project_id)
            await _send_condition(apis, project.case_id, form)
        else:
            await apis.commissioning.ok(_send(apis, project_id, form)(), Written)
    except ApiProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        missing = problem.members.get("missing")
        if step == "authority" and isinstance(missing, dict) and missing:
            errors = missing_summary(missing)
        else:
            form.errors = stale_or(
                problem,
                FIELDS[step],
                thing="case" if step in ("met", "waived") else "project",
            )
            errors = form.errors.summary(next(iter(FIELDS[step].values()), None))
        return await _page(request, apis, project_id, user.roles, form, errors)
    request.session["flash"] = FLASH[step]
    return RedirectResponse(f"/projects/{project_id}", status_code=303)
