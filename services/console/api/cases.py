"""Cases: list, open, the workspace, and each step up to the decision, checked before it is sent."""

from __future__ import annotations

import asyncio

from commissioning_client.api.cases import (
    cases_get_candidates,
    cases_get_case,
    cases_list_cases,
    cases_open_case,
    cases_schedule_board,
    cases_set_criteria,
    cases_shortlist,
)
from commissioning_client.models import (
    BoardScheduling,
    CandidateList,
    CaseOpenedView,
    CaseOpening,
    CasePage,
    CasesListCasesStatusType0,
    CaseView,
    CriteriaChange,
    ShortlistChoice,
    Written,
)
from commissioning_client.types import UNSET
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from registry_client.api.schools import schools_get_school
from registry_client.models import SchoolView

from services.console.api.deps import ApisDep
from services.console.api.writes import FORM_PROBLEMS, if_match
from services.console.clients import ApiProblem, Apis
from services.console.session import UserDep
from services.console.templating import render
from services.console.views.candidates import constraints_href, constraints_summary
from services.console.views.case_forms import CRITERIA_FIELDS, BoardForm, CriteriaForm, OpenCaseForm
from services.console.views.cases import STATUSES, CaseList, CaseWorkspace, candidate_rows
from services.console.views.common import FormErrors, errors_from_problem
from services.console.views.common import stale_or as _stale_or
from services.console.views.projects import project_href

router = APIRouter()
# A case names a handful of schools at most; more are listed by URN alone.
NAMED_SCHOOLS = 3


async def load_case(apis: Apis, case_id: str) -> CaseView:
    com = apis.commissioning
    return await com.ok(cases_get_case.asyncio_detailed(case_id, client=com.client), CaseView)


async def load_candidates(apis: Apis, case_id: str) -> CandidateList | None:
    """The ranked candidates; None while commissioning has not yet heard of the school."""
    com = apis.commissioning
    try:
        return await com.ok(
            cases_get_candidates.asyncio_detailed(case_id, client=com.client), CandidateList
        )
    except ApiProblem as problem:
        if problem.status in (404, 409, 422):
            return None
        raise


async def _school_names(apis: Apis, urns: list[int]) -> dict[int, str]:
    reg = apis.registry

    async def one(urn: int) -> tuple[int, str]:
        school = await reg.ok(
            schools_get_school.asyncio_detailed(urn, client=reg.client), SchoolView
        )
        return urn, school.details.name

    return dict(await asyncio.gather(*(one(u) for u in urns[:NAMED_SCHOOLS])))


def trust_names(candidates: CandidateList | None) -> dict[int, str]:
    """Trust names by UID, from the candidates and the exclusions."""
    if candidates is None:
        return {}
    names = {c.trust_uid: c.trust_name for c in candidates.candidates}
    names.update({e.trust_uid: e.trust_name for e in candidates.excluded})
    return names


@router.get("/cases", summary="Cases")
async def list_cases(
    request: Request, apis: ApisDep, status: str = "", cursor: str = ""
) -> Response:
    """Cases, newest first, filtered by status."""
    com = apis.commissioning
    page = await com.ok(
        cases_list_cases.asyncio_detailed(
            client=com.client,
            status=CasesListCasesStatusType0(status) if status in STATUSES else None,
            cursor=cursor or None,
            limit=25,
        ),
        CasePage,
    )
    view = CaseList.build(page, status=status, cursor=cursor)
    return render(request, "cases/list.html", {"view": view, "title": "Cases"})


@router.get("/cases/new", summary="Open a case")
async def new_case(request: Request, user: UserDep, urn: str = "") -> Response:
    """The form to open a case, with the school filled in when it came from its page."""
    form = OpenCaseForm(urns=urn)
    back = f"/schools/{urn}" if urn.isdigit() else "/cases"
    return render(request, "cases/new.html", {"form": form, "title": "Open a case", "back": back})


@router.post("/cases", summary="Open a case")
async def open_case(request: Request, apis: ApisDep) -> Response:
    """Open the case; the API's objections are shown against the form."""
    form = OpenCaseForm.parse(await request.form())
    if not form.errors:
        com = apis.commissioning
        body = CaseOpening.from_dict(
            {"urns": form.urn_list(), "trigger": form.trigger, "title": form.title}
        )
        try:
            opened = await com.ok(
                cases_open_case.asyncio_detailed(
                    client=com.client, body=body, x_reason=form.title or UNSET
                ),
                CaseOpenedView,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = errors_from_problem(
                problem,
                {"urns": "urns", "trigger": "trigger", "title": "title"},
                {"unknown_urns": "urns", "closed_urns": "urns", "urns": "urns"},
            )
        else:
            request.session["flash"] = "Case opened"
            return RedirectResponse(f"/cases/{opened.id}", status_code=303)
    return render(
        request,
        "cases/new.html",
        {
            "form": form,
            "title": "Open a case",
            "errors": form.errors.summary("urns"),
            "back": "/cases",
        },
        status_code=400,
    )


@router.get("/cases/{case_id}", summary="A case")
async def case_workspace(request: Request, case_id: str, apis: ApisDep, user: UserDep) -> Response:
    """The case workspace: summary, next steps, criteria, ranked candidates, decision."""
    case, candidates = await asyncio.gather(
        load_case(apis, case_id), load_candidates(apis, case_id)
    )
    schools = await _school_names(apis, case.urns)
    view = CaseWorkspace.build(case, candidates, schools, trust_names(candidates), roles=user.roles)
    return render(
        request,
        "cases/workspace.html",
        {
            "view": view,
            "title": view.title,
            "back": "/cases",
            "project": project_href(case),
            "constraints": constraints_summary(
                case.constraints.additional_properties if case.constraints else None
            ),
            "constraints_href": constraints_href(case, user.roles),
        },
    )


@router.get("/cases/{case_id}/criteria", summary="What matters for this case")
async def criteria_form(request: Request, case_id: str, apis: ApisDep) -> Response:
    """The weights form, filled with the case's criteria."""
    case = await load_case(apis, case_id)
    return _criteria_page(request, case, CriteriaForm.from_case(case))


def _criteria_page(
    request: Request, case: CaseView, form: CriteriaForm, status: int = 200
) -> Response:
    return render(
        request,
        "cases/criteria.html",
        {
            "form": form,
            "case": case,
            "title": "What matters for this case",
            "back": f"/cases/{case.case_id}",
            "errors": form.errors.summary("pillar-education") if form.errors else None,
        },
        status_code=status,
    )


@router.post("/cases/{case_id}/criteria", summary="Set what matters")
async def set_criteria(request: Request, case_id: str, apis: ApisDep) -> Response:
    """Send the weights with the version the form was read at (If-Match)."""
    form = CriteriaForm.parse(await request.form())
    if not form.errors:
        com = apis.commissioning
        body = CriteriaChange.from_dict(
            {
                "pillars": [{"pillar": p, "weight": w} for p, w in form.pillar_weights()],
                "factors": form.factor_weights(),
            }
        )
        try:
            await com.ok(
                cases_set_criteria.asyncio_detailed(
                    case_id,
                    client=com.client,
                    body=body,
                    if_match=if_match(form.version),
                    x_reason="criteria set in the console",
                ),
                Written,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = _stale_or(problem, CRITERIA_FIELDS)
        else:
            request.session["flash"] = "Criteria saved: the candidates are ranked again"
            return RedirectResponse(f"/cases/{case_id}", status_code=303)
    case = await load_case(apis, case_id)
    return _criteria_page(request, case, form, 400)


@router.get("/cases/{case_id}/shortlist", summary="Shortlist trusts")
async def shortlist_form(request: Request, case_id: str, apis: ApisDep) -> Response:
    """The ranked candidates as checkboxes."""
    case, candidates = await asyncio.gather(
        load_case(apis, case_id), load_candidates(apis, case_id)
    )
    return _shortlist_page(request, case, candidates, FormErrors(), case.shortlist)


def _shortlist_page(
    request: Request,
    case: CaseView,
    candidates: CandidateList | None,
    errors: FormErrors,
    chosen: list[int],
    status: int = 200,
) -> Response:
    rows = candidate_rows(candidates, chosen) if candidates else []
    return render(
        request,
        "cases/shortlist.html",
        {
            "case": case,
            "candidates": rows,
            "form_errors": errors,
            "errors": errors.summary("trust_uids") if errors else None,
            "title": "Shortlist trusts for the advisory board",
            "back": f"/cases/{case.case_id}",
        },
        status_code=status,
    )


@router.post("/cases/{case_id}/shortlist", summary="Shortlist trusts")
async def shortlist(request: Request, case_id: str, apis: ApisDep) -> Response:
    """Send the chosen trusts."""
    data = await request.form()
    chosen = [int(str(v)) for v in data.getlist("trust_uids") if str(v).isdigit()]
    version = int(str(data.get("version") or "0"))
    errors = FormErrors()
    if not chosen:
        errors.add("trust_uids", "Select at least one trust")
    else:
        com = apis.commissioning
        try:
            await com.ok(
                cases_shortlist.asyncio_detailed(
                    case_id,
                    client=com.client,
                    body=ShortlistChoice(trust_uids=chosen),
                    if_match=if_match(version),
                    x_reason="shortlisted in the console",
                ),
                Written,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            errors = _stale_or(
                problem,
                {"trust_uids": "trust_uids"},
                {"not_candidates": "trust_uids", "trust_uids": "trust_uids"},
            )
        else:
            request.session["flash"] = "Shortlist saved: " + (
                "1 trust" if len(chosen) == 1 else f"{len(chosen)} trusts"
            )
            return RedirectResponse(f"/cases/{case_id}", status_code=303)
    case, candidates = await asyncio.gather(
        load_case(apis, case_id), load_candidates(apis, case_id)
    )
    return _shortlist_page(request, case, candidates, errors, chosen, 400)


@router.get("/cases/{case_id}/board", summary="Schedule the advisory board")
async def board_form(request: Request, case_id: str, apis: ApisDep) -> Response:
    """The board date form."""
    case = await load_case(apis, case_id)
    form = BoardForm(
        board_date=case.board_date.isoformat() if case.board_date else "", version=case.version
    )
    return _board_page(request, case, form)


def _board_page(request: Request, case: CaseView, form: BoardForm, status: int = 200) -> Response:
    return render(
        request,
        "cases/board.html",
        {
            "case": case,
            "form": form,
            "title": "When does the advisory board meet?",
            "back": f"/cases/{case.case_id}",
            "errors": form.errors.summary("board_date") if form.errors else None,
        },
        status_code=status,
    )


@router.post("/cases/{case_id}/board", summary="Schedule the advisory board")
async def schedule_board(request: Request, case_id: str, apis: ApisDep) -> Response:
    """Send the board date."""
    form = BoardForm.parse(await request.form())
    if not form.errors:
        com = apis.commissioning
        try:
            await com.ok(
                cases_schedule_board.asyncio_detailed(
                    case_id,
                    client=com.client,
                    body=BoardScheduling.from_dict({"board_date": form.board_date}),
                    if_match=if_match(form.version),
                    x_reason="board scheduled in the console",
                ),
                Written,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = _stale_or(problem, {"board_date": "board_date"})
        else:
            request.session["flash"] = "Advisory board scheduled"
            return RedirectResponse(f"/cases/{case_id}", status_code=303)
    case = await load_case(apis, case_id)
    return _board_page(request, case, form, 400)
