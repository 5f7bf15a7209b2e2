"""Assessments: the assessor's and the moderator's work, with four eyes shown, not just enforced."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assessment_client.models import AssessmentPage, AssessmentView, FrameworkVersionView
from starlette.datastructures import FormData

from services.console.views.common import (
    Choice,
    FormErrors,
    Pagination,
    SummaryRow,
    date_time,
    form_text,
    label,
    long_date,
    parse_date,
    rows,
)

DESCRIPTORS = ("strong", "secure", "developing", "concerns")
EVIDENCE_KINDS = ("visit", "ofsted", "financial_accounts", "gias_data", "self_evaluation", "other")
STATUSES = ("draft", "submitted", "returned", "moderated", "published", "withdrawn")


@dataclass(frozen=True)
class AssessmentRow:
    """An assessment in the list."""

    href: str
    trust_uid: int
    trust_href: str
    framework: str
    status: str
    assessor: str
    updated: str


@dataclass(frozen=True)
class AssessmentList:
    """Assessments, filtered by status."""

    status: str
    statuses: list[Choice]
    items: list[AssessmentRow]
    pagination: Pagination

    @classmethod
    def build(cls, page: AssessmentPage, *, status: str, cursor: str) -> AssessmentList:
        """From assessment's page."""
        return cls(
            status=status,
            statuses=[Choice("", "Any status", not status)]
            + [Choice(s, label(s), s == status) for s in STATUSES],
            items=[
                AssessmentRow(
                    href=f"/assessments/{a.assessment_id}",
                    trust_uid=a.trust_uid,
                    trust_href=f"/trusts/{a.trust_uid}",
                    framework=f"{a.framework_id} v{a.framework_version}",
                    status=label(a.status.value),
                    assessor=a.assessor,
                    updated=date_time(a.updated_at),
                )
                for a in page.items
            ],
            pagination=Pagination.build(
                "/assessments", {"status": status, "cursor": cursor}, page.next_cursor
            ),
        )


@dataclass(frozen=True)
class PillarWork:
    """One pillar of the assessment: its evidence and judgement, and where to add to them."""

    key: str
    name: str
    evidence: list[str]
    judgement: str
    rationale: str
    judged_by: str
    judge_href: str | None


@dataclass(frozen=True)
class AssessmentPageView:
    """An assessment, and what this user may do with it now."""

    assessment_id: str
    title: str
    status: str
    version: int
    summary: list[SummaryRow]
    pillars: list[PillarWork]
    returns: list[str]
    is_author: bool
    can_edit: bool
    can_submit: bool
    can_moderate: bool
    can_publish: bool
    four_eyes: str | None

    @classmethod
    def build(
        cls,
        a: AssessmentView,
        framework: FrameworkVersionView,
        *,
        subject: str,
        roles: Sequence[str],
    ) -> AssessmentPageView:
        """From the assessment and its framework version, for a user (subject and roles)."""
        status = a.status.value
        base = f"/assessments/{a.assessment_id}"
        is_author = subject in a.authors
        editable = status in ("draft", "returned") and "assessor" in roles
        judged = {j.pillar: j for j in a.judgements}
        pillars = [
            PillarWork(
                key=p.key,
                name=p.name,
                evidence=[
                    f"{e.summary} ({label(e.kind)}, {long_date(e.observed_on)}, by {e.recorded_by})"
                    for e in a.evidence
                    if e.pillar == p.key
                ],
                judgement=label(judged[p.key].descriptor.value)
                if p.key in judged
                else "Not judged",
                rationale=judged[p.key].rationale if p.key in judged else "",
                judged_by=judged[p.key].judged_by if p.key in judged else "",
                judge_href=f"{base}/pillars/{p.key}" if editable else None,
            )
            for p in framework.pillars
        ]
        moderator = "moderator" in roles
        four_eyes = None
        if moderator and is_author and status == "submitted":
            four_eyes = (
                "You cannot moderate this assessment: you are one of its authors. "
                "Another moderator must approve or return it (four eyes)."
            )
        return cls(
            assessment_id=a.assessment_id,
            title=f"Assessment of trust {a.trust_uid}",
            status=label(status),
            version=a.version,
            summary=rows(
                [
                    ("Trust", a.trust_uid),
                    ("Framework", f"{a.framework_name} (version {a.framework_version})"),
                    ("Status", label(status)),
                    ("Purpose", a.purpose or ""),
                    ("Assessor", a.assessor),
                    ("Authors", ", ".join(a.authors)),
                    ("Submitted by", a.submitted_by or ""),
                    ("Moderator", a.moderator or ""),
                    ("Published", long_date(a.published_on)),
                    ("Pillars not judged", ", ".join(label(p) for p in a.unjudged_pillars)),
                ]
            ),
            pillars=pillars,
            returns=[f"{r.moderator}, {date_time(r.returned_at)}: {r.comments}" for r in a.returns],
            is_author=is_author,
            can_edit=editable,
            can_submit=editable and bool(a.judgements),
            can_moderate=moderator and status == "submitted",
            can_publish=moderator and status == "moderated",
            four_eyes=four_eyes,
        )


@dataclass
class StartForm:
    """A new assessment: the trust and the framework."""

    trust_uid: str = ""
    framework_id: str = ""
    purpose: str = ""
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def parse(cls, data: FormData) -> StartForm:
        """The posted answers."""
        form = cls(
            form_text(data, "trust_uid"),
            form_text(data, "framework_id"),
            form_text(data, "purpose"),
        )
        if not form.trust_uid.isdigit():
            form.errors.add("trust_uid", "Enter the trust's group UID, a number")
        if not form.framework_id:
            form.errors.add("framework_id", "Select a framework")
        return form


@dataclass
class EvidenceForm:
    """Evidence on a pillar."""

    pillar: str = ""
    kind: str = "visit"
    summary: str = ""
    source_reference: str = ""
    observed_on: str = ""
    version: int = 0
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def parse(cls, data: FormData) -> EvidenceForm:
        """The posted evidence."""
        form = cls(
            form_text(data, "pillar"),
            form_text(data, "kind"),
            form_text(data, "summary"),
            form_text(data, "source_reference"),
            form_text(data, "observed_on"),
            int(form_text(data, "version") or "0"),
        )
        if parse_date(form.observed_on) is None:
            form.errors.add(
                "observed_on", "Enter the date the evidence was observed, like 2026-11-20"
            )
        if form.kind not in EVIDENCE_KINDS:
            form.errors.add("kind", "Select the kind of evidence")
        return form

    def kinds(self) -> list[Choice]:
        """The kinds of evidence."""
        return [Choice(k, label(k), k == self.kind) for k in EVIDENCE_KINDS]


@dataclass
class JudgementForm:
    """A pillar's judgement: a descriptor and its rationale, resting on evidence."""

    descriptor: str = ""
    rationale: str = ""
    evidence_ids: list[str] = field(default_factory=list)
    version: int = 0
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def parse(cls, data: FormData) -> JudgementForm:
        """The posted judgement."""
        form = cls(
            form_text(data, "descriptor"),
            form_text(data, "rationale"),
            [str(v) for v in data.getlist("evidence_ids")],
            int(form_text(data, "version") or "0"),
        )
        if form.descriptor not in DESCRIPTORS:
            form.errors.add("descriptor", "Select a descriptor")
        return form

    def descriptors(self) -> list[Choice]:
        """The four descriptors, strongest first."""
        hints = {
            "strong": "Consistently high, a model for others",
            "secure": "Sound, no significant weakness",
            "developing": "Improving but not yet secure",
            "concerns": "Significant weaknesses",
        }
        return [Choice(d, label(d), d == self.descriptor, hints[d]) for d in DESCRIPTORS]
