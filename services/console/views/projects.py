"""A transfer project's page: its date, task list, the approval's conditions, and the forms
that move it to authority to proceed, handover and the actual transfer date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from commissioning_client.models import CaseView, ConditionView, DecisionView, ProjectView
from starlette.datastructures import FormData

from services.console.views.common import (
    Choice,
    FormErrors,
    SummaryRow,
    given,
    label,
    long_date,
    parse_date,
    rows,
)

# The outcomes whose decision opens a transfer project (its id is the decision's id).
APPROVALS = frozenset({"approved", "approved_with_conditions"})

# What each form sends, by the API's body field name → the form field it is shown against.
FIELDS: Mapping[str, Mapping[str, str]] = {
    "task": {"document_reference": "task_document_reference", "note": "task_note", "task": "task"},
    "met": {"evidence": "evidence", "document_reference": "met_document_reference"},
    "waived": {"reason": "waived_reason"},
    "date": {
        "significant_date": "significant_date",
        "reason_code": "reason_code",
        "reason": "date_reason",
    },
    "handover": {"to_team": "to_team", "note": "handover_note"},
    "actual": {"actual_date": "actual_date"},
    "confirm": {},
    "authority": {},
}

# Where on the page each kind of missing item is put right.
MISSING_PLACES = {
    "conditions": ("Conditions still open", "#conditions"),
    "tasks": ("Mandatory tasks not done", "#tasks"),
    "significant_date": ("The significant date is not confirmed", "#confirm-date"),
}


def project_href(case: CaseView) -> str | None:
    """The project page of the case's standing approval, when it has one."""
    decision = case.decision
    if decision is None or str(getattr(decision.outcome, "value", decision.outcome)) not in (
        APPROVALS
    ):
        return None
    return f"/projects/{decision.decision_id}"


def _text(data: FormData | Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass
class ProjectForm:
    """One of the project page's forms, as posted: which one, its values, its errors."""

    kind: str
    values: dict[str, str] = field(default_factory=dict)
    version: int = 0
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def parse(cls, kind: str, data: FormData | Mapping[str, Any]) -> ProjectForm:
        """The posted values of the form ``kind``, checked for what a person must type."""
        names = [*FIELDS.get(kind, {}).values(), "condition"]
        values = {n: _text(data, n) for n in names if _text(data, n)}
        version_text = _text(data, "version")
        form = cls(kind, values, int(version_text) if version_text.isdigit() else 0)
        required = {
            "task": ("task", "Choose the task you have completed"),
            "met": ("evidence", "Enter the evidence that the condition is met"),
            "waived": ("waived_reason", "Enter why the condition is waived"),
            "handover": ("to_team", "Enter the team the project is handed to"),
        }
        if kind in required:
            name, message = required[kind]
            if not values.get(name):
                form.errors.add(name, message)
        if kind in ("met", "waived") and not values.get("condition", "").isdigit():
            where = "condition" if kind == "met" else "waived_condition"
            form.errors.add(where, "Choose the condition")
        if kind == "date":
            if parse_date(values.get("significant_date")) is None:
                form.errors.add("significant_date", "Enter the new date as a real date")
            if not values.get("reason_code"):
                form.errors.add("reason_code", "Choose why the date changes")
            if not values.get("date_reason"):
                form.errors.add("date_reason", "Enter the reason in words")
        if kind == "actual" and parse_date(values.get("actual_date")) is None:
            form.errors.add("actual_date", "Enter the actual transfer date as a real date")
        return form

    def body(self) -> dict[str, Any]:
        """What the API is sent: its field names, empty optional ones left out."""
        return {
            api: self.values[mine]
            for api, mine in FIELDS.get(self.kind, {}).items()
            if api != "task" and self.values.get(mine)
        }

    def value(self, name: str) -> str:
        """What was typed in a field (for showing it back)."""
        return self.values.get(name, "")


def missing_summary(missing: Mapping[str, Any]) -> list[dict[str, str]]:
    """The API's ``missing`` (from a refused authority to proceed) as an error summary: each
    kind of thing missing, what it is, linked to where on the page it is put right."""
    items: list[dict[str, str]] = []
    for kind, what in missing.items():
        title, href = MISSING_PLACES.get(kind, (label(kind), "#main-content"))
        listed = ", ".join(label(w) if kind == "tasks" else str(w) for w in (what or []))
        items.append({"text": f"{title}: {listed}" if listed else title, "href": href})
    return items


@dataclass(frozen=True)
class TaskRow:
    """One task of the task list, and who completed it, when, with which document."""

    key: str
    title: str
    mandatory: bool
    done: bool
    status: str
    completed_by: str
    completed_on: str
    document_reference: str
    note: str


@dataclass(frozen=True)
class ConditionRow:
    """One condition of the standing approval, where it stands and on what grounds."""

    number: int
    text: str
    status: str
    detail: str
    open: bool


def _condition_row(c: ConditionView) -> ConditionRow:
    parts = [
        given(c.evidence) or "",
        f"document {given(c.document_reference)}" if given(c.document_reference) else "",
        given(c.reason) or "",
        f"by {given(c.actor)}" if given(c.actor) else "",
        f"on {long_date(given(c.on))}" if given(c.on) else "",
    ]
    return ConditionRow(
        c.number, c.text, label(c.status), "; ".join(p for p in parts if p), c.status == "open"
    )


@dataclass
class ProjectPage:
    """Everything about one transfer project, and the forms a person may use on it."""

    project_id: str
    case_id: str
    case_title: str
    version: int
    case_version: int
    title: str
    summary: list[SummaryRow]
    tasks: list[TaskRow]
    open_tasks: list[Choice]
    conditions: list[ConditionRow]
    open_conditions: list[Choice]
    date_changes: list[SummaryRow]
    reasons: list[Choice]
    missing: list[str]
    overdue: bool
    date_confirmed: bool
    date_final: bool
    authorised: bool
    handed_over: bool
    can_manage: bool
    can_authorise: bool

    @classmethod
    def build(
        cls,
        project: ProjectView,
        case: CaseView,
        reasons: Sequence[tuple[str, str]],
        trust_name: str | None,
        *,
        roles: Sequence[str],
        form: ProjectForm | None = None,
    ) -> ProjectPage:
        """From the project, its case (for the approval's conditions), the date change
        reasons in force (code, label) and the trust's name."""
        decision: DecisionView | None = next(
            (d for d in case.decisions if d.decision_id == project.decision_id), case.decision
        )
        conditions = [_condition_row(c) for c in (decision.condition_status if decision else [])]
        kind = str(getattr(project.project_type, "value", project.project_type))
        date_text = long_date(project.significant_date) + (
            " (confirmed)" if project.date_confirmed else " (provisional)"
        )
        summary = rows(
            [
                ("Case", case.title),
                ("Type", label(kind)),
                ("Schools (URN)", ", ".join(str(u) for u in project.urns)),
                ("Trust", trust_name or f"UID {project.to_trust_uid}"),
                ("Significant date", date_text),
                ("Opened", long_date(project.opened_on)),
                (
                    "Authority to proceed",
                    f"{long_date(project.authority_to_proceed_on)} by "
                    f"{project.authority_to_proceed_by}"
                    if project.authority_to_proceed_on
                    else "Not yet",
                ),
                (
                    "Handed over",
                    f"To {project.handed_over_to} on {long_date(project.handed_over_on)}"
                    if project.handed_over_to
                    else "",
                ),
                ("Actual transfer date", long_date(project.actual_date)),
                ("Task list", f"Template version {project.template_version}"),
            ]
        )
        summary[0] = SummaryRow("Case", case.title, f"/cases/{case.case_id}")
        tasks = [
            TaskRow(
                t.key,
                t.title,
                t.mandatory,
                t.done,
                "Completed" if t.done else "Not started" if t.mandatory else "Optional",
                t.completed_by or "",
                long_date(t.completed_on),
                t.document_reference or "",
                t.note or "",
            )
            for t in project.tasks
        ]
        chosen = form.value if form else (lambda _name: "")
        missing = [
            f"{MISSING_PLACES.get(k, (label(k), ''))[0]}: "
            + ", ".join(label(w) if k == "tasks" else w for w in v)
            for k, v in project.missing_for_authority.additional_properties.items()
            if v
        ]
        changes = [
            SummaryRow(
                f"{long_date(c.changed_on)}, by {c.actor}",
                f"{long_date(c.previous_date)} to {long_date(c.significant_date)}: "
                f"{dict(reasons).get(c.reason_code, label(c.reason_code))} ({c.reason})",
            )
            for c in project.date_changes
        ]
        authorised = project.authority_to_proceed_on is not None
        return cls(
            project_id=project.project_id,
            case_id=case.case_id,
            case_title=case.title,
            version=project.version,
            case_version=case.version,
            title=f"Transfer project: {case.title}",
            summary=summary,
            tasks=tasks,
            open_tasks=[
                Choice(t.key, t.title, chosen("task") == t.key) for t in tasks if not t.done
            ],
            conditions=conditions,
            open_conditions=[
                Choice(str(c.number), f"{c.number}. {c.text}", chosen("condition") == str(c.number))
                for c in conditions
                if c.open
            ],
            date_changes=changes,
            reasons=[Choice(code, text, chosen("reason_code") == code) for code, text in reasons],
            missing=missing,
            overdue=project.overdue,
            date_confirmed=project.date_confirmed,
            date_final=project.actual_date is not None,
            authorised=authorised,
            handed_over=project.handed_over_to is not None,
            can_manage="caseworker" in roles,
            can_authorise=not authorised and bool({"caseworker", "decision_maker"} & set(roles)),
        )


def date_change_reasons(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (code, label) pairs of a ``date_change_reasons`` policy document."""
    out: list[tuple[str, str]] = []
    for item in document.get("reasons") or []:
        if isinstance(item, Mapping) and item.get("code"):
            out.append((str(item["code"]), str(item.get("label") or label(item["code"]))))
    return out
