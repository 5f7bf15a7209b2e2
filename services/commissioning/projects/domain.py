"""A transfer or conversion project, pure: its state folded from its stream, and each step.

An approval opens it (``open_project``) with a provisional significant date and its type's
task list. The date is confirmed, and may move for a coded reason until the actual transfer
date is confirmed. Authority to proceed needs every condition of the approval met or waived,
every mandatory task done and the date confirmed: otherwise a 409 lists what is missing.
The registry moves the schools once authority is recorded and the date has come; then the
actual transfer date is confirmed and the project's dates are final.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from services.commissioning.projects.policy import DateChangeReasons
from shared.authority.scope import Place
from shared.contracts.projects import (
    AuthorityToProceedRecorded,
    ProjectDateChanged,
    ProjectDateConfirmed,
    ProjectHandedOver,
    ProjectOpened,
    ProjectTask,
    ProjectTaskCompleted,
    ProjectType,
    TransferDateConfirmed,
)
from shared.errors import Conflict, NotFound, UnprocessableContent
from shared.eventlog.contracts import EventContract


@dataclass(frozen=True, slots=True)
class ProjectState:
    """A project as its own stream tells it."""

    project_id: str
    case_id: str
    decision_id: str
    version: int
    project_type: ProjectType
    urns: tuple[int, ...]
    to_trust_uid: int
    significant_date: date
    tasks: tuple[ProjectTask, ...]
    region_code: str | None
    la_codes: tuple[str, ...]
    date_confirmed: bool = False
    done: frozenset[str] = frozenset()
    authority_to_proceed_on: date | None = None
    handed_over: bool = False
    actual_date: date | None = None
    # As the approval said; None for a project opened before project types were chosen.
    opened_kind: Literal["transfer", "conversion"] | None = None

    @property
    def place(self) -> Place:
        """Where the project is: its case's region and LAs."""
        return Place(region=self.region_code, las=frozenset(self.la_codes))

    @property
    def kind(self) -> Literal["transfer", "conversion"]:
        """What the registry does on the day: as the approval said (a new trust may be formed
        by academies or by maintained schools), else by the project's type."""
        if self.opened_kind is not None:
            return self.opened_kind
        return "conversion" if self.project_type == "conversion" else "transfer"


def evolve(state: ProjectState | None, event: EventContract) -> ProjectState:
    """The project after one more of its events."""
    if isinstance(event, ProjectOpened):
        return ProjectState(
            project_id=event.project_id,
            case_id=event.case_id,
            decision_id=event.decision_id,
            version=1,
            project_type=event.project_type,
            urns=tuple(event.urns),
            to_trust_uid=event.to_trust_uid,
            significant_date=event.provisional_date,
            tasks=tuple(event.tasks),
            region_code=event.region_code,
            la_codes=tuple(event.la_codes),
            opened_kind=event.kind,
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before ProjectOpened")
    s = replace(state, version=state.version + 1)
    if isinstance(event, ProjectDateConfirmed):
        return replace(s, significant_date=event.significant_date, date_confirmed=True)
    if isinstance(event, ProjectDateChanged):
        return replace(s, significant_date=event.significant_date)
    if isinstance(event, ProjectTaskCompleted):
        return replace(s, done=s.done | {event.task})
    if isinstance(event, AuthorityToProceedRecorded):
        return replace(s, authority_to_proceed_on=event.recorded_on)
    if isinstance(event, ProjectHandedOver):
        return replace(s, handed_over=True)
    if isinstance(event, TransferDateConfirmed):
        return replace(s, actual_date=event.actual_date)
    return s


def fold(events: Iterable[EventContract]) -> ProjectState | None:
    """The project from its events, oldest first; None when there are none."""
    state: ProjectState | None = None
    for event in events:
        state = evolve(state, event)
    return state


def open_project(
    *,
    case_id: str,
    decision_id: str,
    project_type: ProjectType,
    urns: Sequence[int],
    to_trust_uid: int,
    provisional_date: date,
    tasks: Sequence[ProjectTask],
    template_version: int,
    region_code: str | None,
    la_codes: Sequence[str],
    on: date,
    kind: Literal["transfer", "conversion"] | None = None,
) -> list[EventContract]:
    """The project an approval opens: its id is the decision's."""
    return [
        ProjectOpened(
            project_id=decision_id,
            case_id=case_id,
            decision_id=decision_id,
            project_type=project_type,
            urns=list(urns),
            to_trust_uid=to_trust_uid,
            provisional_date=provisional_date,
            tasks=list(tasks),
            template_version=template_version,
            region_code=region_code,
            la_codes=list(la_codes),
            opened_on=on,
            kind=kind,
        )
    ]


def _not_final(state: ProjectState, action: str) -> None:
    if state.actual_date is not None:
        raise Conflict(
            f"The actual transfer date was confirmed ({state.actual_date}): the project's"
            f" date can no longer {action}.",
            extra={"actual_date": state.actual_date.isoformat()},
        )


def _check_date(new: date, today: date) -> None:
    if new.day != 1:
        raise UnprocessableContent(
            f"A significant date is the 1st of a month, not {new}.",
            extra={"errors": [{"loc": ["body", "significant_date"], "msg": "not the 1st"}]},
        )
    if new < today:
        raise UnprocessableContent(
            f"The significant date {new} has passed.",
            extra={"errors": [{"loc": ["body", "significant_date"], "msg": "in the past"}]},
        )


def confirm_date(state: ProjectState, *, on: date) -> list[EventContract]:
    """Confirm the provisional significant date."""
    _not_final(state, "be confirmed")
    if state.date_confirmed:
        raise Conflict(f"The significant date {state.significant_date} is confirmed already.")
    if state.significant_date < on:
        # Confirming a day gone by would let the registry move the school at once, dated in
        # the past: the date is changed first, for a coded reason.
        raise Conflict(
            f"The significant date {state.significant_date} has passed: change it, with a"
            " reason, before confirming it.",
            extra={"significant_date": state.significant_date.isoformat()},
        )
    return [
        ProjectDateConfirmed(
            project_id=state.project_id, significant_date=state.significant_date, confirmed_on=on
        )
    ]


def change_date(
    state: ProjectState,
    new: date,
    *,
    reason_code: str,
    reason: str,
    reasons: DateChangeReasons,
    reasons_version: int,
    today: date,
) -> list[EventContract]:
    """Move the significant date for a coded reason, until the actual date is confirmed."""
    _not_final(state, "change")
    allowed = reasons.codes()
    if reason_code not in allowed:
        raise UnprocessableContent(
            f"{reason_code!r} is not a reason in version {reasons_version} of the"
            " date_change_reasons policy.",
            extra={
                "errors": [
                    {
                        "loc": ["body", "reason_code"],
                        "msg": "not in the active list",
                        "allowed": allowed,
                    }
                ]
            },
        )
    _check_date(new, today)
    if new == state.significant_date:
        raise UnprocessableContent(f"The significant date is already {new}.")
    return [
        ProjectDateChanged(
            project_id=state.project_id,
            previous_date=state.significant_date,
            significant_date=new,
            reason_code=reason_code,
            reasons_policy_version=reasons_version,
            reason=reason,
            changed_on=today,
        )
    ]


def complete_task(
    state: ProjectState,
    task: str,
    *,
    document_reference: str | None,
    note: str | None,
    on: date,
) -> list[EventContract]:
    """Mark a task of the list done."""
    keys = [t.key for t in state.tasks]
    if task not in keys:
        raise NotFound(f"The project has no task {task!r}.", extra={"tasks": keys})
    if task in state.done:
        raise Conflict(f"Task {task!r} is done already.")
    return [
        ProjectTaskCompleted(
            project_id=state.project_id,
            task=task,
            completed_on=on,
            document_reference=document_reference,
            note=note,
        )
    ]


def missing_for_authority(
    state: ProjectState, conditions: Sequence[tuple[int, str, str]], *, today: date
) -> dict[str, list[str]]:
    """What stands between the project and authority to proceed: open conditions (number,
    text, status), mandatory tasks not done, an unconfirmed date or one that has passed."""
    missing: dict[str, list[str]] = {}
    open_conditions = [f"{n}. {text}" for n, text, status in conditions if status == "open"]
    if open_conditions:
        missing["conditions"] = open_conditions
    tasks = [t.key for t in state.tasks if t.mandatory and t.key not in state.done]
    if tasks:
        missing["tasks"] = tasks
    dates = []
    if not state.date_confirmed:
        dates.append(f"{state.significant_date} is provisional")
    if state.significant_date < today:
        # Authority on a day gone by would move the school at once, dated in the past.
        dates.append(f"{state.significant_date} has passed: change it first")
    if dates:
        missing["significant_date"] = dates
    return missing


def record_authority(
    state: ProjectState, conditions: Sequence[tuple[int, str, str]], *, on: date
) -> list[EventContract]:
    """Authority to proceed, when nothing is missing (409 listing it otherwise)."""
    if state.authority_to_proceed_on is not None:
        raise Conflict(f"Authority to proceed was recorded on {state.authority_to_proceed_on}.")
    missing = missing_for_authority(state, conditions, today=on)
    if missing:
        listed = "; ".join(f"{k}: {', '.join(v)}" for k, v in missing.items())
        raise Conflict(
            f"Authority to proceed cannot be recorded yet. Missing {listed}.",
            extra={"missing": missing},
        )
    return [
        AuthorityToProceedRecorded(
            project_id=state.project_id,
            case_id=state.case_id,
            decision_id=state.decision_id,
            urns=list(state.urns),
            to_trust_uid=state.to_trust_uid,
            significant_date=state.significant_date,
            kind=state.kind,
            recorded_on=on,
        )
    ]


def hand_over(
    state: ProjectState, *, to_team: str, note: str | None, on: date
) -> list[EventContract]:
    """Hand the project to the team that carries it out, once."""
    if state.handed_over:
        raise Conflict("The project was handed over already.")
    return [
        ProjectHandedOver(
            project_id=state.project_id, to_team=to_team, note=note, handed_over_on=on
        )
    ]


def confirm_transfer_date(
    state: ProjectState, actual_date: date, *, moved: bool, today: date
) -> list[EventContract]:
    """After the registry moved every school, confirm the actual transfer date, once."""
    _not_final(state, "be confirmed again")
    if state.authority_to_proceed_on is None or not moved:
        raise Conflict(
            "The schools have not moved under this project yet: the actual transfer date is"
            " confirmed afterwards."
        )
    if actual_date > today:
        raise UnprocessableContent(f"The actual transfer date {actual_date} is in the future.")
    return [
        TransferDateConfirmed(
            project_id=state.project_id, actual_date=actual_date, confirmed_on=today
        )
    ]
