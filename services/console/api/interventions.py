"""Interventions: the list, what falls due, a notice and its steps, issuing one, moving it on.

Thin on purpose: one SDK call per step, and the view models in ``views/interventions.py`` do
the rest, so a reworked interventions API changes the calls here and the fields there.
"""

from __future__ import annotations

import asyncio

from commissioning_client.api.deadlines import deadlines_list_deadlines
from commissioning_client.api.interventions import (
    interventions_change_status,
    interventions_get_intervention,
    interventions_issue_intervention,
    interventions_list_interventions,
)
from commissioning_client.api.policies import (
    policies_get_policy_in_force,
    policies_get_policy_version,
)
from commissioning_client.models import (
    DeadlineList,
    DeadlinesListDeadlinesKindType0,
    InterventionIssuedView,
    InterventionIssuing,
    InterventionPage,
    InterventionsListInterventionsKindType0,
    InterventionsListInterventionsScope,
    InterventionsListInterventionsStatusType0,
    InterventionStatusChange,
    InterventionView,
    PolicyVersionView,
    Written,
)
from commissioning_client.types import UNSET
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from registry_client.api.schools import schools_get_school
from registry_client.api.trusts import trusts_get_trust
from registry_client.models import SchoolView, TrustView

from services.console.api.deps import ApisDep
from services.console.api.writes import FORM_PROBLEMS, if_match
from services.console.clients import ApiProblem, Apis
from services.console.session import UserDep
from services.console.templating import render
from services.console.views.common import errors_from_problem, given, stale_or
from services.console.views.intervention_forms import (
    ISSUE_FIELDS,
    ISSUE_MEMBERS,
    STATUS_FIELDS,
    STATUS_MEMBERS,
    IssueForm,
    StatusForm,
    grade_choices,
)
from services.console.views.interventions import (
    DEADLINE_KINDS,
    Deadlines,
    InterventionFilters,
    InterventionList,
    InterventionPageView,
    home_region,
)
from services.console.views.school_interventions import decider_grades
from shared import reference
from shared.clock import today_in_england

router = APIRouter()
PAGE_SIZE = 25
REGION_NAMES = {code: region.name for code, region in reference.regions().items()}


@router.get("/interventions", summary="Interventions")
async def list_interventions(
    request: Request,
    apis: ApisDep,
    user: UserDep,
    kind: str = "",
    status: str = "",
    active: str = "",
    scope: str = "",
    trust_uid: str = "",
    cursor: str = "",
) -> Response:
    """Notices, newest first, filtered by the API's own filters."""
    filters = InterventionFilters.parse(kind, status, active, scope, trust_uid)
    com = apis.commissioning
    page = await com.ok(
        interventions_list_interventions.asyncio_detailed(
            client=com.client,
            trust_uid=int(filters.trust_uid) if filters.trust_uid else None,
            kind=InterventionsListInterventionsKindType0(filters.kind) if filters.kind else None,
            status=InterventionsListInterventionsStatusType0(filters.status)
            if filters.status
            else None,
            active={"true": True, "false": False}.get(filters.active),
            scope=InterventionsListInterventionsScope(filters.scope),
            cursor=cursor or None,
            limit=PAGE_SIZE,
        ),
        InterventionPage,
    )
    view = InterventionList.build(
        page, filters=filters, cursor=cursor, today=today_in_england(), roles=user.roles
    )
    return render(request, "interventions/list.html", {"view": view, "title": "Interventions"})


@router.get("/interventions/deadlines", summary="What falls due")
async def deadlines(
    request: Request, apis: ApisDep, user: UserDep, region: str | None = None, kind: str = ""
) -> Response:
    """What falls due (commissioning's deadlines), overdue first: notice responses and RISE
    windows, in the user's region unless another (or all England) is chosen."""
    where = home_region(user.scopes) if region is None else region
    where = where if where in REGION_NAMES else ""
    wanted = kind if kind in DEADLINE_KINDS else ""
    com = apis.commissioning
    page = await com.ok(
        deadlines_list_deadlines.asyncio_detailed(
            client=com.client,
            region=where or UNSET,
            kind=DeadlinesListDeadlinesKindType0(wanted) if wanted else UNSET,
        ),
        DeadlineList,
    )
    view = Deadlines.build(page, region=where, kind=wanted, regions=sorted(REGION_NAMES.items()))
    return render(
        request,
        "interventions/deadlines.html",
        {"view": view, "title": "What falls due", "back": "/interventions"},
    )


async def _grades(apis: Apis, version: int | None = None) -> list[str]:
    """The decider grades of an ``intervention`` policy version (the one in force today
    when None: a new notice follows it, as does one recorded before versions were)."""
    com = apis.commissioning
    found = (
        policies_get_policy_in_force.asyncio_detailed("intervention", client=com.client)
        if version is None
        else policies_get_policy_version.asyncio_detailed(
            "intervention", version, client=com.client
        )
    )
    policy = await com.ok(found, PolicyVersionView)
    return decider_grades(policy.document.additional_properties)


@router.get("/interventions/new", summary="Issue a notice")
async def new_intervention(
    request: Request,
    apis: ApisDep,
    user: UserDep,
    kind: str = "",
    trust_uid: str = "",
    urn: str = "",
    escalated_from: str = "",
) -> Response:
    """The form, filled in when it came from a notice being escalated or a trust's page."""
    form = IssueForm(kind=kind, trust_uid=trust_uid, urn=urn, escalated_from=escalated_from)
    back = f"/interventions/{escalated_from}" if escalated_from else "/interventions"
    return await _issue_page(request, apis, form, back)


async def _issue_page(
    request: Request, apis: Apis, form: IssueForm, back: str, status: int = 200
) -> Response:
    return render(
        request,
        "interventions/new.html",
        {
            "form": form,
            "grades": grade_choices(await _grades(apis), form.decider_grade),
            "title": "Issue a notice",
            "back": back,
            "errors": form.errors.summary("kind") if form.errors else None,
        },
        status_code=status,
    )


@router.post("/interventions", summary="Issue a notice")
async def issue(request: Request, apis: ApisDep) -> Response:
    """Issue it; the API's objections are shown against the form."""
    form = IssueForm.parse(await request.form())
    if not form.errors:
        com = apis.commissioning
        try:
            issued = await com.ok(
                interventions_issue_intervention.asyncio_detailed(
                    client=com.client,
                    body=InterventionIssuing.from_dict(form.body()),
                    x_reason=form.grounds[:200] or UNSET,
                ),
                InterventionIssuedView,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = errors_from_problem(problem, ISSUE_FIELDS, ISSUE_MEMBERS)
        else:
            request.session["flash"] = "Notice issued" + (
                ": a rebrokerage case is open for the academy" if issued.rebrokerage_case_id else ""
            )
            return RedirectResponse(f"/interventions/{issued.intervention_id}", status_code=303)
    return await _issue_page(request, apis, form, "/interventions", 400)


async def _intervention(apis: Apis, intervention_id: str) -> InterventionView:
    com = apis.commissioning
    return await com.ok(
        interventions_get_intervention.asyncio_detailed(intervention_id, client=com.client),
        InterventionView,
    )


async def _names(apis: Apis, i: InterventionView) -> tuple[str | None, str | None]:
    """The trust's and the academy's names; None where the registry does not know them."""
    reg = apis.registry

    async def trust() -> str | None:
        try:
            found = await reg.ok(
                trusts_get_trust.asyncio_detailed(i.trust_uid, client=reg.client), TrustView
            )
        except ApiProblem as problem:
            if problem.status == 404:
                return None
            raise
        return found.details.name

    async def school() -> str | None:
        if i.urn is None:
            return None
        try:
            found = await reg.ok(
                schools_get_school.asyncio_detailed(i.urn, client=reg.client), SchoolView
            )
        except ApiProblem as problem:
            if problem.status == 404:
                return None
            raise
        return found.details.name

    names = await asyncio.gather(trust(), school())
    return names[0], names[1]


async def _intervention_page(
    request: Request,
    apis: Apis,
    roles: tuple[str, ...],
    intervention_id: str,
    form: StatusForm | None = None,
    status: int = 200,
) -> Response:
    i = await _intervention(apis, intervention_id)
    trust_name, school_name = await _names(apis, i)
    view = InterventionPageView.build(
        i, today=today_in_england(), roles=roles, trust_name=trust_name, school_name=school_name
    )
    form = form or StatusForm(version=i.version)
    grades = await _grades(apis, given(i.policy_version)) if view.may_change else []
    return render(
        request,
        "interventions/intervention.html",
        {
            "view": view,
            "form": form,
            "grades": grade_choices(grades, form.decider_grade),
            "statuses": form.choices(view.status),
            "title": view.title,
            "back": "/interventions",
            "errors": form.errors.summary("status") if form.errors else None,
        },
        status_code=status,
    )


@router.get("/interventions/{intervention_id}", summary="An intervention")
async def intervention_page(
    request: Request, intervention_id: str, apis: ApisDep, user: UserDep
) -> Response:
    """The notice: what it is, what falls due, its steps and who took them, the next step."""
    return await _intervention_page(request, apis, user.roles, intervention_id)


@router.post("/interventions/{intervention_id}/status", summary="Move a notice on")
async def change_status(
    request: Request, intervention_id: str, apis: ApisDep, user: UserDep
) -> Response:
    """Send the new status with the version the page was read at (If-Match)."""
    form = StatusForm.parse(await request.form())
    if not form.errors:
        com = apis.commissioning
        try:
            await com.ok(
                interventions_change_status.asyncio_detailed(
                    intervention_id,
                    client=com.client,
                    body=InterventionStatusChange.from_dict(form.body()),
                    if_match=if_match(form.version),
                    x_reason=form.reason[:200],
                ),
                Written,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = stale_or(problem, STATUS_FIELDS, STATUS_MEMBERS, thing="notice")
        else:
            request.session["flash"] = "Status changed"
            return RedirectResponse(f"/interventions/{intervention_id}", status_code=303)
    return await _intervention_page(request, apis, user.roles, intervention_id, form, 400)
