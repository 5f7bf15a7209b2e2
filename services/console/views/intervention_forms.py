"""The forms of interventions: issuing a notice and moving one along, and what the console
checks before the API is asked (the API stays the authority on what a kind allows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commissioning_client.models import (
    InterventionIssuingKind,
    InterventionStatusChangeStatus,
)
from starlette.datastructures import FormData

from services.console.views.common import Choice, FormErrors, form_text, label, parse_date

# In the order a notice escalates, and the order a notice moves through (the SDK's enums
# are alphabetical); a test checks these are exactly the API's values.
KINDS = (
    "nti_warning_letter",
    "notice_to_improve",
    "termination_warning_notice",
    "termination_notice",
)
STATUSES = (
    "preparing",
    "issued",
    "progress_on_track",
    "evidence_of_non_compliance",
    "serious_breaches",
    "submission_to_lift",
    "lifted",
    "closed",
    "cancelled",
)
# Nothing moves a notice on from these.
FINAL_STATUSES = frozenset({"closed", "cancelled"})
API_KINDS = frozenset(k.value for k in InterventionIssuingKind)
API_STATUSES = frozenset(s.value for s in InterventionStatusChangeStatus)
KIND_HINTS = {
    "nti_warning_letter": "A letter before a notice to improve.",
    "notice_to_improve": "With conditions the trust must meet.",
    "termination_warning_notice": "The trust must respond in the working days the policy in force sets.",
    "termination_notice": "Against an academy, this opens a rebrokerage case for it.",
}
# The API's body fields, and the members its problems add, mapped to the form's fields.
ISSUE_FIELDS = {
    "kind": "kind",
    "trust_uid": "trust_uid",
    "urn": "urn",
    "issued_on": "issued_on",
    "grounds": "grounds",
    "conditions": "conditions",
    "escalated_from": "escalated_from",
    "decided_by": "decided_by",
    "decider_grade": "decider_grade",
    "evidence_ids": "evidence_ids",
}
# The trust that runs the URN given, when it is not the trust named; the grades the
# policy version lets decide the kind, when the one chosen may not.
ISSUE_MEMBERS = {"school_trust_uid": "urn", "allowed_deciders": "decider_grade"}
STATUS_FIELDS = {
    "status": "status",
    "effective_on": "effective_on",
    "decided_by": "decided_by",
    "decider_grade": "decider_grade",
    "reason": "reason",
    "evidence_ids": "evidence_ids",
}
STATUS_MEMBERS = {"allowed_statuses": "status", "allowed_deciders": "decider_grade"}


def evidence_list(text: str) -> list[str]:
    """Evidence ids as typed, one a line, blank lines left out."""
    return [e.strip() for e in text.splitlines() if e.strip()]


def grade_choices(grades: list[str], chosen: str) -> list[Choice]:
    """The policy's decider grades as select options, the chosen one selected."""
    return [Choice(g, label(g), g == chosen) for g in grades]


def _check_decider(form: StatusForm | IssueForm) -> None:
    if not form.decided_by:
        form.errors.add("decided_by", "Enter the name of the person who decided")
    if not form.decider_grade:
        form.errors.add("decider_grade", "Choose the decider's grade")


@dataclass
class StatusForm:
    """Move the intervention to a new status, from a date, at the version it was read at."""

    status: str = ""
    effective_on: str = ""
    decided_by: str = ""
    decider_grade: str = ""
    reason: str = ""
    evidence_ids: str = ""
    version: int = 0
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def parse(cls, data: FormData) -> StatusForm:
        """The posted form, with what the console must check before the API can be asked."""
        version = form_text(data, "version")
        form = cls(
            status=form_text(data, "status"),
            effective_on=form_text(data, "effective_on"),
            decided_by=form_text(data, "decided_by"),
            decider_grade=form_text(data, "decider_grade"),
            reason=form_text(data, "reason"),
            evidence_ids=str(data.get("evidence_ids") or ""),
            version=int(version) if version.isdigit() else 0,
        )
        if form.status not in STATUSES:
            form.errors.add("status", "Select the new status")
        if form.effective_on and parse_date(form.effective_on) is None:
            form.errors.add("effective_on", "Enter the date as YYYY-MM-DD, for example 2027-01-14")
        _check_decider(form)
        if not form.reason:
            form.errors.add("reason", "Enter the reason for the change")
        return form

    def body(self) -> dict[str, object]:
        """The API's request body."""
        out: dict[str, object] = {
            "status": self.status,
            "decided_by": self.decided_by,
            "decider_grade": self.decider_grade,
            "reason": self.reason,
            "evidence_ids": evidence_list(self.evidence_ids),
        }
        if self.effective_on:
            out["effective_on"] = self.effective_on
        return out

    def choices(self, current: str) -> list[Choice]:
        """Every status but the one it has: the API says which moves its kind allows."""
        return [Choice(s, label(s), s == self.status) for s in STATUSES if s != current]


@dataclass
class IssueForm:
    """A new notice against a trust, or against one of its academies."""

    kind: str = ""
    trust_uid: str = ""
    urn: str = ""
    issued_on: str = ""
    grounds: str = ""
    conditions: str = ""
    escalated_from: str = ""
    publish: bool = True
    decided_by: str = ""
    decider_grade: str = ""
    evidence_ids: str = ""
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def parse(cls, data: FormData | Mapping[str, str]) -> IssueForm:
        """The posted form, with what the console must check before the API can be asked."""
        form = cls(
            kind=form_text(data, "kind"),
            trust_uid=form_text(data, "trust_uid"),
            urn=form_text(data, "urn"),
            issued_on=form_text(data, "issued_on"),
            grounds=form_text(data, "grounds"),
            conditions=str(data.get("conditions") or ""),
            escalated_from=form_text(data, "escalated_from"),
            publish=form_text(data, "publish") != "no",
            decided_by=form_text(data, "decided_by"),
            decider_grade=form_text(data, "decider_grade"),
            evidence_ids=str(data.get("evidence_ids") or ""),
        )
        if form.kind not in KINDS:
            form.errors.add("kind", "Select the kind of notice")
        if not form.trust_uid.isdigit():
            form.errors.add("trust_uid", "Enter the trust's group UID, in digits")
        if form.urn and not (form.urn.isdigit() and len(form.urn) == 6):
            form.errors.add("urn", "Enter the academy's URN, 6 digits, or leave it empty")
        if form.issued_on and parse_date(form.issued_on) is None:
            form.errors.add("issued_on", "Enter the date as YYYY-MM-DD, for example 2027-01-14")
        if not form.grounds:
            form.errors.add("grounds", "Enter the grounds for the notice")
        _check_decider(form)
        return form

    def condition_list(self) -> list[str]:
        """One condition a line, blank lines left out."""
        return [c.strip() for c in self.conditions.splitlines() if c.strip()]

    def body(self) -> dict[str, object]:
        """The API's request body."""
        out: dict[str, object] = {
            "kind": self.kind,
            "trust_uid": int(self.trust_uid),
            "grounds": self.grounds,
            "conditions": self.condition_list(),
            "published": self.publish,
            "decided_by": self.decided_by,
            "decider_grade": self.decider_grade,
            "evidence_ids": evidence_list(self.evidence_ids),
        }
        if self.urn:
            out["urn"] = int(self.urn)
        if self.issued_on:
            out["issued_on"] = self.issued_on
        if self.escalated_from:
            out["escalated_from"] = self.escalated_from
        return out

    def kinds(self) -> list[Choice]:
        """The kind radios, each with what it means."""
        return [Choice(k, label(k), k == self.kind, KIND_HINTS.get(k)) for k in KINDS]
