"""A whole-trust intervention (a direction to a trust, a termination warning notice to a
whole trust): its trigger, the named inspection, its steps, the response due and what its
policy version allows next; a trust's list of them. The next step's form is the school
intervention's ``StepForm`` (the same four answers every step needs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commissioning_client.models import TrustInterventionList, TrustInterventionView

from services.console.views.common import Choice, SummaryRow, given, label, long_date, rows
from services.console.views.school_interventions import StepForm, TakenStep


@dataclass(frozen=True)
class TrustStepRule:
    """What the policy says of one whole-trust step: its title, deciders and effects."""

    step: str
    title: str
    deciders: list[str]
    response_working_days: int | None
    opens_case: str | None


def trust_pathway(
    document: Mapping[str, Any], trigger: str
) -> tuple[dict[str, TrustStepRule], list[str]]:
    """The steps of the trigger's pathway in an ``intervention`` policy document's
    ``trust_pathways``, by step, and the policy's decider grades."""
    grades = [str(g) for g in document.get("decider_grades") or []]
    section = document.get("trust_pathways") or {}
    for p in section.get("pathways") or []:
        if p.get("trigger") == trigger:
            return {
                str(s["step"]): TrustStepRule(
                    str(s["step"]),
                    str(s.get("title") or label(s["step"])),
                    [str(d) for d in s.get("deciders") or []],
                    s.get("notice_response_working_days"),
                    s.get("opens_case"),
                )
                for s in p.get("steps") or []
            }, grades
    return {}, grades


def _outcomes(outcomes: Mapping[str, str]) -> str:
    return "; ".join(f"{label(area)}: {words}" for area, words in outcomes.items())


@dataclass
class TrustInterventionPage:
    """One whole-trust intervention on one page, and the next step's form."""

    intervention_id: str
    trust_uid: int
    title: str
    version: int
    summary: list[SummaryRow]
    steps: list[TakenStep]
    allowed: list[Choice]
    grades: list[Choice]
    needs: list[str]
    may_step: bool
    cases: list[str]

    @classmethod
    def build(
        cls,
        i: TrustInterventionView,
        document: Mapping[str, Any],
        trust_name: str | None,
        *,
        roles: Sequence[str],
        form: StepForm | None = None,
    ) -> TrustInterventionPage:
        """From the intervention and its policy version's document."""
        rules, grades = trust_pathway(document, i.trigger)
        chosen = form.value if form else (lambda _n: "")

        def title(step: str) -> str:
            rule = rules.get(step)
            return rule.title if rule else label(step)

        allowed = [
            rules.get(s) or TrustStepRule(s, label(s), [], None, None) for s in i.allowed_steps
        ]
        needs = [
            f"{r.title}: decided by {', '.join(label(d) for d in r.deciders) or 'the policy names no one'}"
            + (
                f"; the trust has {r.response_working_days} working days to respond"
                if r.response_working_days
                else ""
            )
            + ("; opens a case for the trust's academies" if r.opens_case else "")
            for r in allowed
        ]
        # The response a notice asks for is due by the latest step that set a date.
        due = next((s.response_due_on for s in reversed(i.steps) if given(s.response_due_on)), None)
        name = trust_name or f"Trust {i.trust_uid}"
        outcomes = i.inspection_outcomes.additional_properties
        return cls(
            intervention_id=i.intervention_id,
            trust_uid=i.trust_uid,
            title=f"Whole-trust intervention: {name}",
            version=i.version,
            summary=[
                SummaryRow("Trust", f"{name} (UID {i.trust_uid})", f"/trusts/{i.trust_uid}"),
                *rows(
                    [
                        ("Trigger", label(i.trigger)),
                        ("Trust inspection", given(i.trust_inspection_id) or ""),
                        ("Its outcomes", _outcomes(outcomes)),
                        ("Opened", long_date(i.opened_on)),
                        ("Reason", i.reason),
                        ("Evidence", ", ".join(i.evidence_ids)),
                        ("Response due", long_date(given(due))),
                        ("Policy", f"{label(i.policy)}, version {i.policy_version}"),
                    ]
                ),
            ],
            steps=[
                TakenStep(
                    title(s.step),
                    long_date(s.decided_on),
                    f"{s.decided_by} ({label(s.decider_grade)})",
                    s.reason,
                    "; ".join(
                        p
                        for p in (
                            f"evidence: {', '.join(s.evidence_ids)}" if s.evidence_ids else "",
                            f"response due {long_date(given(s.response_due_on))}"
                            if given(s.response_due_on)
                            else "",
                            f"case for URNs {', '.join(str(u) for u in given(s.urns) or [])}"
                            if given(s.case_id)
                            else "",
                        )
                        if p
                    ),
                )
                for s in i.steps
            ],
            allowed=[Choice(r.step, r.title, chosen("step") == r.step) for r in allowed],
            grades=[Choice(g, label(g), chosen("decider_grade") == g) for g in grades],
            needs=needs,
            may_step="caseworker" in roles and bool(allowed),
            cases=list(i.case_ids),
        )


@dataclass(frozen=True)
class TrustInterventionRow:
    """A whole-trust intervention in the trust's list."""

    href: str
    trigger: str
    opened_on: str
    last_step: str
    response_due_on: str


def trust_intervention_rows(page: TrustInterventionList) -> list[TrustInterventionRow]:
    """The trust's interventions, newest first as the API lists them."""
    return [
        TrustInterventionRow(
            href=f"/trust-interventions/{s.intervention_id}",
            trigger=label(s.trigger),
            opened_on=long_date(s.opened_on),
            last_step=label(given(s.last_step)) or "None yet",
            response_due_on=long_date(given(s.response_due_on)),
        )
        for s in page.items
    ]
