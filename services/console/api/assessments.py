"""Assessments: start, evidence, judgements (If-Match handled for the user), submit,
moderate (four eyes) and publish."""

from __future__ import annotations

from assessment_client.api.assessments import (
    assessments_get_assessment,
    assessments_judge_pillar,
    assessments_list_assessments,
    assessments_moderate_assessment,
    assessments_publish_assessment,
    assessments_record_evidence,
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
    EvidenceAdded,
    EvidenceRequest,
    FrameworkList,
    FrameworkVersionView,
    JudgementRequest,
    ModerationRequest,
    Published,
    StartRequest,
    WriteResult,
)
from assessment_client.types import UNSET
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.api.deps import ApisDep
from services.console.clients import ApiProblem, Apis
from services.console.session import UserDep
from services.console.templating import render
from services.console.views.assessments import (
    STATUSES,
    AssessmentList,
    AssessmentPageView,
    EvidenceForm,
    JudgementForm,
    StartForm,
)
from services.console.views.common import FormErrors, errors_from_problem
from shared.clock import today_in_england

router = APIRouter()
FORM_PROBLEMS = frozenset({400, 403, 409, 412, 422})


def _etag(version: int) -> str:
    return f'"{version}"'


def _problem_errors(problem: ApiProblem, fields: dict[str, str]) -> FormErrors:
    if problem.status == 412:
        errors = FormErrors()
        errors.general.append(
            "Someone else changed this assessment while you were working on it. "
            "Your change was not saved: check the assessment and enter it again."
        )
        return errors
    return errors_from_problem(problem, fields)


async def _load(apis: Apis, assessment_id: str) -> tuple[AssessmentView, FrameworkVersionView]:
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
    a, framework = await _load(apis, assessment_id)
    return _assessment_page(request, a, framework, user)


def _evidence_page(
    request: Request,
    a: AssessmentView,
    framework: FrameworkVersionView,
    form: EvidenceForm,
    status: int = 200,
) -> Response:
    return render(
        request,
        "assessments/evidence.html",
        {
            "a": a,
            "pillars": framework.pillars,
            "form": form,
            "title": "Add evidence",
            "back": f"/assessments/{a.assessment_id}",
            "errors": form.errors.summary("pillar") if form.errors else None,
        },
        status_code=status,
    )


@router.get("/assessments/{assessment_id}/evidence", summary="Add evidence")
async def evidence_form(
    request: Request, assessment_id: str, apis: ApisDep, pillar: str = ""
) -> Response:
    """The evidence form."""
    a, framework = await _load(apis, assessment_id)
    form = EvidenceForm(
        pillar=pillar, observed_on=today_in_england().isoformat(), version=a.version
    )
    return _evidence_page(request, a, framework, form)


@router.post("/assessments/{assessment_id}/evidence", summary="Add evidence")
async def add_evidence(request: Request, assessment_id: str, apis: ApisDep) -> Response:
    """Record the evidence with the version the form was read at."""
    form = EvidenceForm.parse(await request.form())
    if not form.errors:
        ass = apis.assessment
        body = EvidenceRequest.from_dict(
            {
                "pillar": form.pillar,
                "kind": form.kind,
                "summary": form.summary,
                "source_reference": form.source_reference,
                "observed_on": form.observed_on,
            }
        )
        try:
            await ass.ok(
                assessments_record_evidence.asyncio_detailed(
                    assessment_id,
                    client=ass.client,
                    body=body,
                    if_match=_etag(form.version),
                    x_reason="evidence recorded in the console",
                ),
                EvidenceAdded,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = _problem_errors(
                problem,
                {k: k for k in ("pillar", "kind", "summary", "source_reference", "observed_on")},
            )
        else:
            request.session["flash"] = "Evidence added"
            return RedirectResponse(f"/assessments/{assessment_id}", status_code=303)
    a, framework = await _load(apis, assessment_id)
    return _evidence_page(request, a, framework, form, 400)


def _judgement_page(
    request: Request,
    a: AssessmentView,
    framework: FrameworkVersionView,
    pillar: str,
    form: JudgementForm,
    status: int = 200,
) -> Response:
    name = next((p.name for p in framework.pillars if p.key == pillar), pillar)
    return render(
        request,
        "assessments/judgement.html",
        {
            "a": a,
            "pillar": pillar,
            "pillar_name": name,
            "evidence": [e for e in a.evidence if e.pillar == pillar],
            "form": form,
            "title": f"Judge {name}",
            "back": f"/assessments/{a.assessment_id}",
            "errors": form.errors.summary("descriptor") if form.errors else None,
        },
        status_code=status,
    )


@router.get("/assessments/{assessment_id}/pillars/{pillar}", summary="Judge a pillar")
async def judgement_form(
    request: Request, assessment_id: str, pillar: str, apis: ApisDep
) -> Response:
    """The judgement form, with the pillar's evidence to rest it on."""
    a, framework = await _load(apis, assessment_id)
    current = next((j for j in a.judgements if j.pillar == pillar), None)
    form = JudgementForm(
        descriptor=current.descriptor.value if current else "",
        rationale=current.rationale if current else "",
        evidence_ids=list(current.evidence_ids)
        if current
        else [e.evidence_id for e in a.evidence if e.pillar == pillar],
        version=a.version,
    )
    return _judgement_page(request, a, framework, pillar, form)


@router.post("/assessments/{assessment_id}/pillars/{pillar}", summary="Judge a pillar")
async def judge(request: Request, assessment_id: str, pillar: str, apis: ApisDep) -> Response:
    """Record the judgement; If-Match carries the version the form was read at."""
    form = JudgementForm.parse(await request.form())
    if not form.errors:
        ass = apis.assessment
        body = JudgementRequest.from_dict(
            {
                "descriptor": form.descriptor,
                "rationale": form.rationale,
                "evidence_ids": form.evidence_ids,
            }
        )
        try:
            await ass.ok(
                assessments_judge_pillar.asyncio_detailed(
                    assessment_id,
                    pillar,
                    client=ass.client,
                    body=body,
                    if_match=_etag(form.version),
                    x_reason="judgement recorded in the console",
                ),
                WriteResult,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = _problem_errors(
                problem,
                {
                    "descriptor": "descriptor",
                    "rationale": "rationale",
                    "evidence_ids": "evidence_ids",
                },
            )
        else:
            request.session["flash"] = "Judgement recorded"
            return RedirectResponse(f"/assessments/{assessment_id}", status_code=303)
    a, framework = await _load(apis, assessment_id)
    return _judgement_page(request, a, framework, pillar, form, 400)


async def _lifecycle(
    request: Request, assessment_id: str, apis: Apis, user: UserDep, step: str
) -> Response:
    """Submit, moderate (approve or return) or publish; a refusal shows on the assessment."""
    data = await request.form()
    version = _etag(int(str(data.get("version") or "0")))
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
                a, framework = await _load(apis, assessment_id)
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
        errors = _problem_errors(problem, {"decision": "decision", "comments": "comments"})
        a, framework = await _load(apis, assessment_id)
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
