"""A case's constraints on candidates, and its candidates page by page with their evidence
coverage and the trusts left out (the API's ``limit`` and ``cursor``)."""

from __future__ import annotations

import asyncio

from commissioning_client.api.cases import cases_get_candidates, cases_set_constraints
from commissioning_client.models import CandidateList, CaseView, ConstraintsChange, Written
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.api.cases import load_case
from services.console.api.deps import ApisDep
from services.console.api.writes import FORM_PROBLEMS, if_match
from services.console.clients import ApiProblem
from services.console.templating import render
from services.console.views.candidates import (
    CONSTRAINT_FIELDS,
    PAGE_SIZE,
    CandidatesPage,
    ConstraintsForm,
)
from services.console.views.common import stale_or

router = APIRouter()


@router.get("/cases/{case_id}/candidates", summary="Candidates and their evidence")
async def candidates_page(
    request: Request, case_id: str, apis: ApisDep, cursor: str = ""
) -> Response:
    """One page of the ranked candidates, each with its evidence coverage; the exclusions."""
    com = apis.commissioning
    case, candidates = await asyncio.gather(
        load_case(apis, case_id),
        com.ok(
            cases_get_candidates.asyncio_detailed(
                case_id, client=com.client, limit=PAGE_SIZE, cursor=cursor or None
            ),
            CandidateList,
        ),
    )
    view = CandidatesPage.build(case, candidates, cursor=cursor)
    return render(
        request,
        "cases/candidates.html",
        {"view": view, "title": view.title, "back": f"/cases/{case_id}"},
    )


def _constraints_page(
    request: Request, case: CaseView, form: ConstraintsForm, status: int = 200
) -> Response:
    return render(
        request,
        "cases/constraints.html",
        {
            "form": form,
            "case": case,
            "title": "Constraints on candidate trusts",
            "back": f"/cases/{case.case_id}",
            "errors": form.errors.summary("same_religious_character") if form.errors else None,
        },
        status_code=status,
    )


@router.get("/cases/{case_id}/constraints", summary="Constraints on candidates")
async def constraints_form(request: Request, case_id: str, apis: ApisDep) -> Response:
    """The constraints form, filled with the case's constraints (or the defaults)."""
    case = await load_case(apis, case_id)
    return _constraints_page(request, case, ConstraintsForm.from_case(case))


@router.post("/cases/{case_id}/constraints", summary="Set the constraints")
async def set_constraints(request: Request, case_id: str, apis: ApisDep) -> Response:
    """Send the constraints with the version the form was read at (If-Match)."""
    form = ConstraintsForm.parse(await request.form())
    if not form.errors:
        com = apis.commissioning
        try:
            await com.ok(
                cases_set_constraints.asyncio_detailed(
                    case_id,
                    client=com.client,
                    body=ConstraintsChange.from_dict(form.body()),
                    if_match=if_match(form.version),
                    x_reason="constraints set in the console",
                ),
                Written,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = stale_or(problem, CONSTRAINT_FIELDS)
        else:
            request.session["flash"] = "Constraints saved: the candidates are ranked again"
            return RedirectResponse(f"/cases/{case_id}", status_code=303)
    case = await load_case(apis, case_id)
    return _constraints_page(request, case, form, 400)
