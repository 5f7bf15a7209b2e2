"""A case's decision as the decision maker types it: the form, "check your answers", and
the API's names for its fields (the routes are ``api/decisions.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from services.console.views.common import Choice, FormErrors, label, long_date, parse_date

OUTCOMES = (
    "approved",
    "approved_with_conditions",
    "declined",
    "deferred",
    "withdrawn",
    "dao_revoked",
)
CAPACITIES = (
    "regional_director_for_region",
    "another_regional_director",
    "minister",
    "director_general",
    "deputy_director",
)
# The projects an approval may open (the API's ProjectType); none chosen leaves commissioning
# to default from the schools: an academy transfer for schools in a trust, else a conversion.
PROJECT_TYPES = ("academy_transfer", "conversion", "form_a_new_trust", "trust_merger")


@dataclass
class DecisionForm:
    """The decision maker's decision, as typed; checked, then confirmed."""

    outcome: str = ""
    trust_uid: str = ""
    significant_date: str = ""
    project_type: str = ""
    decided_on: str = ""
    decision_maker_name: str = ""
    decision_maker_capacity: str = ""
    rationale: str = ""
    conditions: str = ""
    reason_codes: str = ""
    likely_impact: str = ""
    mitigation: str = ""
    version: int = 0
    errors: FormErrors = field(default_factory=FormErrors)

    FIELDS = (
        "outcome",
        "trust_uid",
        "significant_date",
        "project_type",
        "decided_on",
        "decision_maker_name",
        "decision_maker_capacity",
        "rationale",
        "conditions",
        "reason_codes",
        "likely_impact",
        "mitigation",
    )

    @classmethod
    def parse(cls, data: FormData | Mapping[str, Any]) -> DecisionForm:
        """The posted answers, checked only as far as the console must to send them."""
        form = cls()
        for name in cls.FIELDS:
            setattr(form, name, str(data.get(name) or "").strip())
        form.version = int(str(data.get("version") or 0) or 0)
        if form.outcome not in OUTCOMES:
            form.errors.add("outcome", "Select the outcome")
        if (
            form.decision_maker_capacity and form.decision_maker_capacity not in CAPACITIES
        ) or not form.decision_maker_capacity:
            form.errors.add("decision_maker_capacity", "Select the decision maker's capacity")
        if parse_date(form.decided_on) is None:
            form.errors.add("decided_on", "Enter the date of the decision as a real date")
        if form.significant_date and parse_date(form.significant_date) is None:
            form.errors.add("significant_date", "Enter the significant date as a real date")
        if form.project_type and form.project_type not in PROJECT_TYPES:
            form.errors.add("project_type", "Select the type of project, or the default")
        if form.trust_uid and not form.trust_uid.isdigit():
            form.errors.add("trust_uid", "Select a shortlisted trust")
        return form

    def answers(self) -> dict[str, str]:
        """The answers, to keep between the form and the check page."""
        return {k: getattr(self, k) for k in self.FIELDS} | {"version": str(self.version)}

    def body(self) -> dict[str, Any]:
        """The decision as the API's DecisionRecording takes it."""
        out: dict[str, Any] = {
            "outcome": self.outcome,
            "decided_on": self.decided_on,
            "decision_maker_name": self.decision_maker_name,
            "decision_maker_capacity": self.decision_maker_capacity,
            "rationale": self.rationale,
            "conditions": [c.strip() for c in self.conditions.splitlines() if c.strip()],
        }
        if self.trust_uid:
            out["trust_uid"] = int(self.trust_uid)
        if self.significant_date:
            out["significant_date"] = self.significant_date
        if self.project_type:
            out["project_type"] = self.project_type
        out["reason_codes"] = self.codes()
        if self.likely_impact or self.mitigation:
            out["equality"] = {"likely_impact": self.likely_impact, "mitigation": self.mitigation}
        return out

    def codes(self) -> list[str]:
        """The coded reasons typed, separated by commas or spaces."""
        return [c for c in self.reason_codes.replace(",", " ").split() if c]

    def check_rows(self, base: str, trusts: Mapping[int, str]) -> list[dict[str, Any]]:
        """Check your answers: each answer with a link back to change it."""
        shown = [
            ("Outcome", label(self.outcome), "outcome"),
            (
                "Trust",
                trusts.get(int(self.trust_uid), self.trust_uid) if self.trust_uid else "None",
                "trust_uid",
            ),
            ("Significant date", long_date(self.significant_date) or "None", "significant_date"),
            (
                "Project type",
                label(self.project_type) or "Default for these schools",
                "project_type",
            ),
            ("Decided on", long_date(self.decided_on), "decided_on"),
            ("Decision maker", self.decision_maker_name or "Not given", "decision_maker_name"),
            ("Capacity", label(self.decision_maker_capacity), "decision_maker_capacity"),
            ("Rationale", self.rationale or "Not given", "rationale"),
            ("Conditions", "; ".join(self.body()["conditions"]) or "None", "conditions"),
            ("Reasons", ", ".join(label(c) for c in self.codes()) or "None", "reason_codes"),
            ("Likely equality impact", self.likely_impact or "Not given", "likely_impact"),
            ("Mitigation", self.mitigation or "Not given", "mitigation"),
        ]
        return [
            {"key": k, "value": v, "href": f"{base}/decision?change=1#{name}", "field": label(name)}
            for k, v, name in shown
        ]

    def outcomes(self) -> list[Choice]:
        """The outcome radios."""
        return [Choice(o, label(o), o == self.outcome) for o in OUTCOMES]

    def capacities(self) -> list[Choice]:
        """The capacity radios."""
        return [Choice(c, label(c), c == self.decision_maker_capacity) for c in CAPACITIES]

    def project_types(self) -> list[Choice]:
        """The project an approval opens; the empty choice leaves it to the API's default."""
        return [Choice("", "Default for these schools", not self.project_type)] + [
            Choice(p, label(p), p == self.project_type) for p in PROJECT_TYPES
        ]

    def trust_choices(self, shortlist: Sequence[int], trusts: Mapping[int, str]) -> list[Choice]:
        """The shortlisted trusts, and none (for an outcome that names no trust)."""
        return [Choice("", "No trust (not an approval)", not self.trust_uid)] + [
            Choice(str(uid), trusts.get(uid, f"Trust {uid}"), str(uid) == self.trust_uid)
            for uid in shortlist
        ]


DECISION_FIELDS = {name: name for name in DecisionForm.FIELDS} | {
    # The API's names for what the form asks as separate answers.
    "equality": "likely_impact",
    "decision_maker_grade": "decision_maker_capacity",
    "decision_maker_grade_other": "decision_maker_capacity",
}
DECISION_MEMBERS = {"shortlist": "trust_uid"}
