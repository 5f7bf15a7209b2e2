"""A school in a category of concern: its intervention's page and its next step (If-Match;
a step the pathway does not allow is the API's 409, shown against the step or grade)."""

from __future__ import annotations

import asyncio

from commissioning_client.api.interventions import (
    interventions_get_school_intervention,
    interventions_take_step,
)
from commissioning_client.api.policies import policies_get_policy_version
from commissioning_client.models import (
    PolicyVersionView,
    SchoolInterventionView,
    SchoolInterventionWritten,
    StepTaking,
)
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from registry_client.api.schools import schools_get_school
from registry_client.models import SchoolView

from services.console.api.deps import ApisDep
from services.console.api.writes import FORM_PROBLEMS, if_match
from services.console.clients import ApiProblem, Apis
from services.console.session import UserDep
from services.console.templating import render
from services.console.views.common import stale_or
from services.console.views.school_interventions import (
    STEP_FIELDS,
    STEP_MEMBERS,
    SchoolInterventionPage,
    StepForm,
)

router = APIRouter()


async def school_name(apis: Apis, urn: int) -> str | None:
    """The school's name from the registry; None when it cannot be read."""
    reg = apis.registry
    try:
        school = await reg.ok(
            schools_get_school.asyncio_detailed(urn, client=reg.client), SchoolView
        )
    except ApiProblem:
        return None
    return school.details.name


async def _page(
    request: Request,
    apis: Apis,
    intervention_id: str,
    roles: tuple[str, ...],
    form: StepForm | None = None,
) -> Response:
    com = apis.commissioning
    i = await com.ok(
        interventions_get_school_intervention.asyncio_detailed(intervention_id, client=com.client),
        SchoolInterventionView,
    )
    policy, name = await asyncio.gather(
        com.ok(
            policies_get_policy_version.asyncio_detailed(
                i.policy, i.policy_version, client=com.client
            ),
            PolicyVersionView,
        ),
        school_name(apis, i.urn),
    )
    view = SchoolInterventionPage.build(
        i, policy.document.additional_properties, name, roles=roles, form=form
    )
    errors = form.errors.summary("step") if form and form.errors else None
    return render(
        request,
        "interventions/school.html",
        {
            "view": view,
            "form": form or StepForm(),
            "title": view.title,
            "back": "/interventions/deadlines",
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


@router.get("/school-interventions/{intervention_id}", summary="A school intervention")
async def school_intervention(
    request: Request, intervention_id: str, apis: ApisDep, user: UserDep
) -> Response:
    """The steps, what may follow, the RISE window, and the next step's form."""
    return await _page(request, apis, intervention_id, user.roles)


@router.post("/school-interventions/{intervention_id}/steps", summary="Take the next step")
async def take_step(
    request: Request, intervention_id: str, apis: ApisDep, user: UserDep
) -> Response:
    """Send the step with the version the page was read at."""
    form = StepForm.parse(await request.form())
    if not form.errors:
        com = apis.commissioning
        try:
            await com.ok(
                interventions_take_step.asyncio_detailed(
                    intervention_id,
                    client=com.client,
                    body=StepTaking.from_dict(form.body()),
                    if_match=if_match(form.version),
                    x_reason=form.value("reason")[:200],
                ),
                SchoolInterventionWritten,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = stale_or(problem, STEP_FIELDS, STEP_MEMBERS, thing="intervention")
        else:
            request.session["flash"] = "Step recorded"
            return RedirectResponse(f"/school-interventions/{intervention_id}", status_code=303)
    return await _page(request, apis, intervention_id, user.roles, form)
