"""A case's decision: the form, "check your answers", and recording it; the API's objections
go back on the form against their fields, and nothing is sent before the check."""

from __future__ import annotations

import asyncio
from typing import Any

from commissioning_client.api.cases import cases_record_decision
from commissioning_client.models import CandidateList, CaseView, DecisionRecording, Written
from commissioning_client.types import UNSET
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.api.cases import load_candidates, load_case, trust_names
from services.console.api.deps import ApisDep
from services.console.api.writes import FORM_PROBLEMS, if_match
from services.console.clients import ApiProblem
from services.console.session import UserDep
from services.console.templating import render
from services.console.views.common import FormErrors, stale_or
from services.console.views.decisions import DECISION_FIELDS, DECISION_MEMBERS, DecisionForm
from shared.clock import today_in_england

router = APIRouter()


def _decision_key(case_id: str) -> str:
    return f"decision:{case_id}"


@router.get("/cases/{case_id}/decision", summary="Record the decision")
async def decision_form(
    request: Request, case_id: str, apis: ApisDep, user: UserDep, change: str = ""
) -> Response:
    """The decision form; coming back from the check page, with the answers given."""
    case, candidates = await asyncio.gather(
        load_case(apis, case_id), load_candidates(apis, case_id)
    )
    kept: Any = request.session.get(_decision_key(case_id))
    if change and isinstance(kept, dict):
        form = DecisionForm.parse(kept)
        form.errors = FormErrors()
    else:
        form = DecisionForm(
            decided_on=today_in_england().isoformat(),
            decision_maker_name=user.name,
            version=case.version,
        )
    return _decision_page(request, case, candidates, form)


def _decision_page(
    request: Request,
    case: CaseView,
    candidates: CandidateList | None,
    form: DecisionForm,
    status: int = 200,
) -> Response:
    return render(
        request,
        "cases/decision.html",
        {
            "case": case,
            "form": form,
            "trusts": form.trust_choices(case.shortlist, trust_names(candidates)),
            "title": "Record the decision",
            "back": f"/cases/{case.case_id}",
            "errors": form.errors.summary("outcome") if form.errors else None,
        },
        status_code=status,
    )


@router.post("/cases/{case_id}/decision", summary="Check the decision")
async def check_decision(request: Request, case_id: str, apis: ApisDep) -> Response:
    """Keep the answers and show them back before anything is recorded."""
    form = DecisionForm.parse(await request.form())
    if form.errors:
        case, candidates = await asyncio.gather(
            load_case(apis, case_id), load_candidates(apis, case_id)
        )
        return _decision_page(request, case, candidates, form, 400)
    request.session[_decision_key(case_id)] = form.answers()
    return RedirectResponse(f"/cases/{case_id}/decision/check", status_code=303)


@router.get("/cases/{case_id}/decision/check", summary="Check your answers")
async def check_answers(request: Request, case_id: str, apis: ApisDep) -> Response:
    """Check your answers before the decision is recorded."""
    kept: Any = request.session.get(_decision_key(case_id))
    if not isinstance(kept, dict):
        return RedirectResponse(f"/cases/{case_id}/decision", status_code=303)
    case, candidates = await asyncio.gather(
        load_case(apis, case_id), load_candidates(apis, case_id)
    )
    form = DecisionForm.parse(kept)
    return render(
        request,
        "cases/check.html",
        {
            "case": case,
            "rows": form.check_rows(f"/cases/{case_id}", trust_names(candidates)),
            "title": "Check your answers before recording the decision",
            "back": f"/cases/{case_id}/decision?change=1",
        },
    )


@router.post("/cases/{case_id}/decision/confirm", summary="Record the decision")
async def confirm_decision(request: Request, case_id: str, apis: ApisDep) -> Response:
    """Record it; the API's objections go back on the form, against their fields."""
    kept: Any = request.session.get(_decision_key(case_id))
    if not isinstance(kept, dict):
        return RedirectResponse(f"/cases/{case_id}/decision", status_code=303)
    form = DecisionForm.parse(kept)
    com = apis.commissioning
    try:
        await com.ok(
            cases_record_decision.asyncio_detailed(
                case_id,
                client=com.client,
                body=DecisionRecording.from_dict(form.body()),
                if_match=if_match(form.version),
                x_reason=form.rationale[:200] or UNSET,
            ),
            Written,
        )
    except ApiProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        form.errors = stale_or(problem, DECISION_FIELDS, DECISION_MEMBERS)
        case, candidates = await asyncio.gather(
            load_case(apis, case_id), load_candidates(apis, case_id)
        )
        return _decision_page(request, case, candidates, form, 400)
    request.session.pop(_decision_key(case_id), None)
    request.session["flash"] = "Decision recorded"
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
