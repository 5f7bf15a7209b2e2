"""Assessments: start, evidence, judgements (If-Match handled for the user), submit,
moderate (four eyes) and publish."""

from __future__ import annotations

from assessment_client.api.assessments import (
    assessments_get_assessment,
    assessments_list_assessments,
    assessments_moderate_assessment,
    assessments_publish_assessment,
    assessments_start_assessment,
    assessments_submit_assessment,
)
from assessment_client.api.frameworks import (
    frameworks_get_framework_version,
    frameworks_list_frameworks,
)
from assessment_client.models import (
    AssessmentCreated,
    AssessmentPage,
    AssessmentsListAssessmentsStatusType0,
    AssessmentView,
    FrameworkList,
    FrameworkVersionView,
    ModerationRequest,
    Published,
    StartRequest,
    WriteResult,
)
from assessment_client.types import UNSET
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.api import writes
from services.console.api.deps import ApisDep
from services.console.api.writes import if_match
from services.console.clients import ApiProblem, Apis
from services.console.session import UserDep
from services.console.templating import render
from services.console.views.assessments import (
    STATUSES,
    AssessmentList,
    AssessmentPageView,
    StartForm,
)
from services.console.views.common import FormErrors, errors_from_problem, stale_or

router = APIRouter()
# Four eyes: the API's 403 for an author who moderates is shown on the assessment itself.
FORM_PROBLEMS = writes.FORM_PROBLEMS | {403}


async def load_assessment(
    apis: Apis, assessment_id: str
) -> tuple[AssessmentView, FrameworkVersionView]:
    """The assessment and the framework version it is bound to."""
    ass = apis.assessment
    a = await ass.ok(
        assessments_get_assessment.asyncio_detailed(assessment_id, client=ass.client),
        AssessmentView,
    )
    framework = await ass.ok(
        frameworks_get_framework_version.asyncio_detailed(
            a.framework_id, a.framework_version, client=ass.client
        ),
        FrameworkVersionView,
    )
    return a, framework


@router.get("/assessments", summary="Assessments")
async def list_assessments(
    request: Request, apis: ApisDep, status: str = "", cursor: str = ""
) -> Response:
    """Assessments, newest first."""
    ass = apis.assessment
    page = await ass.ok(
        assessments_list_assessments.asyncio_detailed(
            client=ass.client,
            status=AssessmentsListAssessmentsStatusType0(status) if status in STATUSES else None,
            cursor=cursor or None,
            limit=25,
        ),
        AssessmentPage,
    )
    view = AssessmentList.build(page, status=status, cursor=cursor)
    return render(request, "assessments/list.html", {"view": view, "title": "Assessments"})


async def _frameworks(apis: Apis) -> FrameworkList:
    ass = apis.assessment
    return await ass.ok(
        frameworks_list_frameworks.asyncio_detailed(client=ass.client), FrameworkList
    )


def _start_page(
    request: Request, form: StartForm, frameworks: FrameworkList, status: int = 200
) -> Response:
    return render(
        request,
        "assessments/new.html",
        {
            "form": form,
            "frameworks": frameworks.items,
            "title": "Start an assessment",
            "back": "/assessments",
            "errors": form.errors.summary("trust_uid") if form.errors else None,
        },
        status_code=status,
    )


@router.get("/assessments/new", summary="Start an assessment")
async def start_form(request: Request, apis: ApisDep, trust_uid: str = "") -> Response:
    """The form to start one."""
    return _start_page(
        request,
        StartForm(trust_uid=trust_uid, framework_id="dfe-trust-quality"),
        await _frameworks(apis),
    )


@router.post("/assessments", summary="Start an assessment")
async def start(request: Request, apis: ApisDep) -> Response:
    """Start it, bound to the framework's latest version."""
    form = StartForm.parse(await request.form())
    if not form.errors:
        ass = apis.assessment
        body = StartRequest(
            trust_uid=int(form.trust_uid),
            framework_id=form.framework_id,
            purpose=form.purpose or None,
        )
        try:
            made = await ass.ok(
                assessments_start_assessment.asyncio_detailed(
                    client=ass.client, body=body, x_reason=form.purpose or UNSET
                ),
                AssessmentCreated,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = errors_from_problem(
                problem,
                {"trust_uid": "trust_uid", "framework_id": "framework_id", "purpose": "purpose"},
            )
        else:
            request.session["flash"] = "Assessment started"
            return RedirectResponse(f"/assessments/{made.assessment_id}", status_code=303)
    return _start_page(request, form, await _frameworks(apis), 400)


def _assessment_page(
    request: Request,
    a: AssessmentView,
    framework: FrameworkVersionView,
    user: UserDep,
    *,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    view = AssessmentPageView.build(a, framework, subject=user.subject, roles=user.roles)
    return render(
        request,
        "assessments/assessment.html",
        {
            "view": view,
            "title": view.title,
            "back": "/assessments",
            "form_errors": errors or FormErrors(),
            "errors": errors.summary("moderation") if errors else None,
        },
        status_code=status,
    )


@router.get("/assessments/{assessment_id}", summary="An assessment")
async def assessment(
    request: Request, assessment_id: str, apis: ApisDep, user: UserDep
) -> Response:
    """The assessment by pillar, and the next step this user can take."""
    a, framework = await load_assessment(apis, assessment_id)
    return _assessment_page(request, a, framework, user)


async def _lifecycle(
    request: Request, assessment_id: str, apis: Apis, user: UserDep, step: str
) -> Response:
    """Submit, moderate (approve or return) or publish; a refusal shows on the assessment."""
    data = await request.form()
    version = if_match(int(str(data.get("version") or "0")))
    ass = apis.assessment
    try:
        if step == "submit":
            await ass.ok(
                assessments_submit_assessment.asyncio_detailed(
                    assessment_id,
                    client=ass.client,
                    if_match=version,
                    x_reason="submitted for moderation",
                ),
                WriteResult,
            )
            done = "Submitted for moderation"
        elif step == "moderate":
            decision = str(data.get("decision") or "")
            comments = str(data.get("comments") or "").strip() or None
            if decision not in ("approve", "return"):
                errors = FormErrors()
                errors.add("decision", "Select approve or return")
                a, framework = await load_assessment(apis, assessment_id)
                return _assessment_page(request, a, framework, user, errors=errors, status=400)
            await ass.ok(
                assessments_moderate_assessment.asyncio_detailed(
                    assessment_id,
                    client=ass.client,
                    body=ModerationRequest.from_dict({"decision": decision, "comments": comments}),
                    if_match=version,
                    x_reason=comments or "moderation",
                ),
                WriteResult,
            )
            done = "Moderated: approved" if decision == "approve" else "Returned to the assessor"
        else:
            await ass.ok(
                assessments_publish_assessment.asyncio_detailed(
                    assessment_id, client=ass.client, if_match=version, x_reason="published"
                ),
                Published,
            )
            done = "Published"
    except ApiProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        errors = stale_or(
            problem, {"decision": "decision", "comments": "comments"}, thing="assessment"
        )
        a, framework = await load_assessment(apis, assessment_id)
        return _assessment_page(request, a, framework, user, errors=errors, status=problem.status)
    request.session["flash"] = done
    return RedirectResponse(f"/assessments/{assessment_id}", status_code=303)


@router.post("/assessments/{assessment_id}/submit", summary="Submit for moderation")
async def submit(request: Request, assessment_id: str, apis: ApisDep, user: UserDep) -> Response:
    """Hand it in for moderation."""
    return await _lifecycle(request, assessment_id, apis, user, "submit")


@router.post("/assessments/{assessment_id}/moderate", summary="Moderate")
async def moderate(request: Request, assessment_id: str, apis: ApisDep, user: UserDep) -> Response:
    """Approve or return it: the API refuses a moderator who wrote any of it."""
    return await _lifecycle(request, assessment_id, apis, user, "moderate")


@router.post("/assessments/{assessment_id}/publish", summary="Publish")
async def publish(request: Request, assessment_id: str, apis: ApisDep, user: UserDep) -> Response:
    """Publish a moderated assessment."""
    return await _lifecycle(request, assessment_id, apis, user, "publish")
