"""A whole-trust intervention: its page and its next step (If-Match; a step the pathway does
not allow is the API's 409, shown against the step or grade); a trust's list of them."""

from __future__ import annotations

import asyncio

from commissioning_client.api.interventions import (
    interventions_get_trust_intervention,
    interventions_list_trust_interventions,
    interventions_take_trust_step,
)
from commissioning_client.api.policies import policies_get_policy_version
from commissioning_client.models import (
    PolicyVersionView,
    TrustInterventionList,
    TrustInterventionView,
    TrustInterventionWritten,
    TrustStepTaking,
)
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from registry_client.api.trusts import trusts_get_trust
from registry_client.models import TrustView

from services.console.api.deps import ApisDep
from services.console.api.writes import FORM_PROBLEMS, if_match
from services.console.clients import ApiProblem, Apis
from services.console.session import UserDep
from services.console.templating import render
from services.console.views.common import stale_or
from services.console.views.school_interventions import STEP_FIELDS, STEP_MEMBERS, StepForm
from services.console.views.trust_interventions import (
    TrustInterventionPage,
    TrustInterventionRow,
    trust_intervention_rows,
)

router = APIRouter()


async def trust_name(apis: Apis, uid: int) -> str | None:
    """The trust's name from the registry; None when it cannot be read."""
    reg = apis.registry
    try:
        trust = await reg.ok(trusts_get_trust.asyncio_detailed(uid, client=reg.client), TrustView)
    except ApiProblem:
        return None
    return trust.details.name


async def trust_interventions_of(apis: Apis, uid: int) -> list[TrustInterventionRow] | None:
    """The trust's whole-trust interventions; None for someone commissioning does not let
    read them here (the trust page still shows what the registry and assessment give)."""
    com = apis.commissioning
    try:
        page = await com.ok(
            interventions_list_trust_interventions.asyncio_detailed(
                client=com.client, trust_uid=uid
            ),
            TrustInterventionList,
        )
    except ApiProblem as problem:
        if problem.status in (401, 403):
            return None
        raise
    return trust_intervention_rows(page)


async def _page(
    request: Request,
    apis: Apis,
    intervention_id: str,
    roles: tuple[str, ...],
    form: StepForm | None = None,
) -> Response:
    com = apis.commissioning
    i = await com.ok(
        interventions_get_trust_intervention.asyncio_detailed(intervention_id, client=com.client),
        TrustInterventionView,
    )
    policy, name = await asyncio.gather(
        com.ok(
            policies_get_policy_version.asyncio_detailed(
                i.policy, i.policy_version, client=com.client
            ),
            PolicyVersionView,
        ),
        trust_name(apis, i.trust_uid),
    )
    view = TrustInterventionPage.build(
        i, policy.document.additional_properties, name, roles=roles, form=form
    )
    errors = form.errors.summary("step") if form and form.errors else None
    return render(
        request,
        "interventions/trust.html",
        {
            "view": view,
            "form": form or StepForm(),
            "title": view.title,
            "back": f"/trusts/{i.trust_uid}",
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


@router.get("/trust-interventions/{intervention_id}", summary="A whole-trust intervention")
async def trust_intervention(
    request: Request, intervention_id: str, apis: ApisDep, user: UserDep
) -> Response:
    """The trigger and inspection, the steps, what may follow, and the next step's form."""
    return await _page(request, apis, intervention_id, user.roles)


@router.post("/trust-interventions/{intervention_id}/steps", summary="Take the next step")
async def take_trust_step(
    request: Request, intervention_id: str, apis: ApisDep, user: UserDep
) -> Response:
    """Send the step with the version the page was read at."""
    form = StepForm.parse(await request.form())
    if not form.errors:
        com = apis.commissioning
        try:
            await com.ok(
                interventions_take_trust_step.asyncio_detailed(
                    intervention_id,
                    client=com.client,
                    body=TrustStepTaking.from_dict(form.body()),
                    if_match=if_match(form.version),
                    x_reason=form.value("reason")[:200],
                ),
                TrustInterventionWritten,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = stale_or(problem, STEP_FIELDS, STEP_MEMBERS, thing="intervention")
        else:
            request.session["flash"] = "Step recorded"
            return RedirectResponse(f"/trust-interventions/{intervention_id}", status_code=303)
    return await _page(request, apis, intervention_id, user.roles, form)
