"""A school's intervention (a school in a category of concern): its steps, what its policy
version allows next and the RISE window; the form for the next step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from commissioning_client.models import SchoolInterventionView, StepView
from starlette.datastructures import FormData

from services.console.views.common import (
    Choice,
    FormErrors,
    SummaryRow,
    given,
    label,
    long_date,
    rows,
)

STEP_FIELDS = {
    "step": "step",
    "decided_by": "decided_by",
    "decider_grade": "decider_grade",
    "reason": "reason",
    "reason_code": "reason_code",
    "reason_text": "reason_text",
    "outcome": "outcome",
    "rise_adviser": "rise_adviser",
    "rise_supporting_organisation": "rise_supporting_organisation",
}
# A refused step names what the pathway allows: shown against the field it is about.
STEP_MEMBERS = {"allowed_steps": "step", "allowed_deciders": "decider_grade"}


def _text(data: FormData | Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class StepRule:
    """What the policy says of one step: its title, deciders, reason codes and outcomes."""

    step: str
    title: str
    deciders: list[str]
    reason_codes: list[str]
    outcomes: list[str]
    starts_rise: bool


def decider_grades(document: Mapping[str, Any]) -> list[str]:
    """The grades an ``intervention`` policy document names as deciders, in its order."""
    return [str(g) for g in document.get("decider_grades") or []]


def pathway(
    document: Mapping[str, Any], category: str, school_kind: str
) -> tuple[dict[str, StepRule], list[str]]:
    """The steps of the pathway for a category and kind of school in an ``intervention``
    policy document, by step, and the policy's decider grades."""
    grades = decider_grades(document)
    for p in document.get("pathways") or []:
        if p.get("category") == category and p.get("school_kind") == school_kind:
            return {
                str(s["step"]): StepRule(
                    str(s["step"]),
                    str(s.get("title") or label(s["step"])),
                    [str(d) for d in s.get("deciders") or []],
                    [str(c) for c in s.get("reason_codes") or []],
                    [str(o) for o in s.get("outcomes") or []],
                    bool(s.get("starts_rise_window")),
                )
                for s in p.get("steps") or []
            }, grades
    return {}, grades


@dataclass
class StepForm:
    """The next step as typed."""

    values: dict[str, str] = field(default_factory=dict)
    version: int = 0
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def parse(cls, data: FormData | Mapping[str, Any]) -> StepForm:
        """The posted step; what every step needs is checked here, the rest by the API."""
        values = {n: _text(data, n) for n in STEP_FIELDS if _text(data, n)}
        version = _text(data, "version")
        form = cls(values, int(version) if version.isdigit() else 0)
        for name, message in (
            ("step", "Choose the step"),
            ("decided_by", "Enter the name of the person who decided"),
            ("decider_grade", "Choose the decider's grade"),
            ("reason", "Enter the reason for the step"),
        ):
            if not values.get(name):
                form.errors.add(name, message)
        return form

    def body(self) -> dict[str, Any]:
        """The API's ``StepTaking``: what was typed, empty fields left out."""
        return dict(self.values)

    def value(self, name: str) -> str:
        """What was typed in a field."""
        return self.values.get(name, "")


@dataclass(frozen=True)
class TakenStep:
    """A step as recorded: who decided, of what grade, why, and what it carried."""

    title: str
    decided_on: str
    decided_by: str
    reason: str
    carried: str


def _carried(s: StepView) -> str:
    parts = [
        label(given(s.reason_code)) if given(s.reason_code) else "",
        given(s.reason_text) or "",
        f"outcome: {label(given(s.outcome))}" if given(s.outcome) else "",
        f"adviser {given(s.rise_adviser)}" if given(s.rise_adviser) else "",
        given(s.rise_supporting_organisation) or "",
        f"RISE window to {long_date(given(s.rise_window_end))}" if given(s.rise_window_end) else "",
        f"response due {long_date(given(s.response_due_on))}" if given(s.response_due_on) else "",
    ]
    return "; ".join(p for p in parts if p)


@dataclass
class SchoolInterventionPage:
    """One school intervention on one page, and the next step's form."""

    intervention_id: str
    title: str
    version: int
    summary: list[SummaryRow]
    steps: list[TakenStep]
    allowed: list[Choice]
    grades: list[Choice]
    reason_codes: list[Choice]
    outcomes: list[Choice]
    needs: list[str]
    starts_rise: bool
    rise_overdue: bool
    may_step: bool
    cases: list[str]

    @classmethod
    def build(
        cls,
        i: SchoolInterventionView,
        document: Mapping[str, Any],
        school_name: str | None,
        *,
        roles: Sequence[str],
        form: StepForm | None = None,
    ) -> SchoolInterventionPage:
        """From the intervention and its policy version's document."""
        rules, grades = pathway(document, i.category_of_concern, i.school_kind)
        chosen = form.value if form else (lambda _n: "")

        def title(step: str) -> str:
            rule = rules.get(step)
            return rule.title if rule else label(step)

        allowed = [rules[s] for s in i.allowed_steps if s in rules]
        codes = sorted({c for r in allowed for c in r.reason_codes})
        outcomes = sorted({o for r in allowed for o in r.outcomes})
        needs = [
            f"{r.title}: decided by {', '.join(label(d) for d in r.deciders)}"
            + (
                f"; a reason code ({', '.join(label(c) for c in r.reason_codes)})"
                if r.reason_codes
                else ""
            )
            + (f"; an outcome ({', '.join(label(o) for o in r.outcomes)})" if r.outcomes else "")
            + ("; the RISE adviser and supporting organisation" if r.starts_rise else "")
            for r in allowed
        ]
        name = school_name or f"URN {i.urn}"
        return cls(
            intervention_id=i.intervention_id,
            title=f"Intervention: {name}",
            version=i.version,
            summary=rows(
                [
                    ("School", f"{name} (URN {i.urn})"),
                    ("Kind of school", label(i.school_kind)),
                    ("Category of concern", label(i.category_of_concern)),
                    ("Opened", long_date(i.opened_on)),
                    ("Policy", f"{label(i.policy)}, version {i.policy_version}"),
                    (
                        "RISE window ends",
                        long_date(i.rise_window_end) + (" (overdue)" if i.rise_overdue else "")
                        if i.rise_window_end
                        else "",
                    ),
                ]
            ),
            steps=[
                TakenStep(
                    title(s.step),
                    long_date(s.decided_on),
                    f"{s.decided_by} ({label(s.decider_grade)})",
                    s.reason,
                    _carried(s),
                )
                for s in i.steps
            ],
            allowed=[Choice(r.step, r.title, chosen("step") == r.step) for r in allowed],
            grades=[Choice(g, label(g), chosen("decider_grade") == g) for g in grades],
            reason_codes=[Choice(c, label(c), chosen("reason_code") == c) for c in codes],
            outcomes=[Choice(o, label(o), chosen("outcome") == o) for o in outcomes],
            needs=needs,
            starts_rise=any(r.starts_rise for r in allowed),
            rise_overdue=i.rise_overdue,
            may_step="caseworker" in roles and bool(allowed),
            cases=list(i.case_ids),
        )
