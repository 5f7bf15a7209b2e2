"""Assessments: the assessor's evidence and pillar judgements, each sent with the version
the form was read at, so a change made meanwhile by someone else is shown, not overwritten."""

from __future__ import annotations

from assessment_client.api.assessments import (
    assessments_judge_pillar,
    assessments_record_evidence,
)
from assessment_client.models import (
    AssessmentView,
    EvidenceAdded,
    EvidenceRequest,
    FrameworkVersionView,
    JudgementRequest,
    WriteResult,
)
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.api.assessments import FORM_PROBLEMS, load_assessment
from services.console.api.deps import ApisDep
from services.console.api.writes import if_match
from services.console.clients import ApiProblem
from services.console.templating import render
from services.console.views.assessments import EvidenceForm, JudgementForm
from services.console.views.common import stale_or
from shared.clock import today_in_england

router = APIRouter()


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
    a, framework = await load_assessment(apis, assessment_id)
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
                    if_match=if_match(form.version),
                    x_reason="evidence recorded in the console",
                ),
                EvidenceAdded,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = stale_or(
                problem,
                {k: k for k in ("pillar", "kind", "summary", "source_reference", "observed_on")},
                thing="assessment",
            )
        else:
            request.session["flash"] = "Evidence added"
            return RedirectResponse(f"/assessments/{assessment_id}", status_code=303)
    a, framework = await load_assessment(apis, assessment_id)
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
    a, framework = await load_assessment(apis, assessment_id)
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
                    if_match=if_match(form.version),
                    x_reason="judgement recorded in the console",
                ),
                WriteResult,
            )
        except ApiProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            form.errors = stale_or(
                problem,
                {
                    "descriptor": "descriptor",
                    "rationale": "rationale",
                    "evidence_ids": "evidence_ids",
                },
                thing="assessment",
            )
        else:
            request.session["flash"] = "Judgement recorded"
            return RedirectResponse(f"/assessments/{assessment_id}", status_code=303)
    a, framework = await load_assessment(apis, assessment_id)
    return _judgement_page(request, a, framework, pillar, form, 400)
