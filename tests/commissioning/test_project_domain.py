"""A transfer project, pure: its task list, dates and the rule for authority to proceed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

import pytest

from services.commissioning.projects import domain as p
from services.commissioning.projects.policy import DateChangeReasons
from shared.contracts.projects import AuthorityToProceedRecorded, ProjectTask, ProjectType
from shared.errors import Conflict, NotFound, UnprocessableContent
from shared.eventlog.contracts import EventContract

TODAY = date(2026, 11, 20)
REASONS = DateChangeReasons.model_validate(
    {"reasons": [{"code": "tupe", "label": "TUPE"}, {"code": "land", "label": "Land"}]}
)
TASKS = [
    ProjectTask(key="funding_agreement", title="FA", mandatory=True),
    ProjectTask(key="grant", title="Grant", mandatory=False),
]


def opened(
    project_type: ProjectType = "academy_transfer",
    kind: Literal["transfer", "conversion"] | None = None,
) -> p.ProjectState:
    state = p.fold(
        p.open_project(
            case_id="c" * 32,
            decision_id="d" * 32,
            project_type=project_type,
            kind=kind,
            urns=[100001],
            to_trust_uid=2044,
            provisional_date=date(2027, 1, 1),
            tasks=TASKS,
            template_version=1,
            region_code="D",
            la_codes=["383"],
            on=TODAY,
        )
    )
    assert state is not None
    return state


def then(state: p.ProjectState, events: Sequence[EventContract]) -> p.ProjectState:
    for e in events:
        state = p.evolve(state, e)
    return state


def test_authority_to_proceed_lists_everything_missing_then_is_recorded() -> None:
    state = opened()
    with pytest.raises(Conflict) as refused:
        p.record_authority(state, [(1, "A plan", "open"), (2, "A visit", "waived")], on=TODAY)
    assert refused.value.extra["missing"] == {
        "conditions": ["1. A plan"],
        "tasks": ["funding_agreement"],
        "significant_date": ["2027-01-01 is provisional"],
    }
    state = then(
        state,
        p.complete_task(state, "funding_agreement", document_reference="FA", note=None, on=TODAY),
    )
    state = then(state, p.confirm_date(state, on=TODAY))
    [atp] = p.record_authority(state, [(1, "A plan", "met")], on=TODAY)
    assert isinstance(atp, AuthorityToProceedRecorded)
    assert (atp.significant_date, atp.kind, atp.urns) == (date(2027, 1, 1), "transfer", [100001])
    state = then(state, [atp])
    with pytest.raises(Conflict, match="was recorded"):
        p.record_authority(state, [], on=TODAY)


def test_tasks_are_from_the_list_and_done_once() -> None:
    state = opened()
    with pytest.raises(NotFound, match="no task 'tea'"):
        p.complete_task(state, "tea", document_reference=None, note=None, on=TODAY)
    state = then(
        state, p.complete_task(state, "grant", document_reference=None, note=None, on=TODAY)
    )
    with pytest.raises(Conflict, match="done already"):
        p.complete_task(state, "grant", document_reference=None, note=None, on=TODAY)


def test_a_date_changes_for_a_coded_reason_until_the_actual_date_is_confirmed() -> None:
    state = opened()
    with pytest.raises(UnprocessableContent, match="'snow' is not a reason"):
        p.change_date(
            state,
            date(2027, 2, 1),
            reason_code="snow",
            reason="x",
            reasons=REASONS,
            reasons_version=1,
            today=TODAY,
        )
    with pytest.raises(UnprocessableContent, match="1st of a month"):
        p.change_date(
            state,
            date(2027, 2, 2),
            reason_code="tupe",
            reason="x",
            reasons=REASONS,
            reasons_version=1,
            today=TODAY,
        )
    state = then(
        state,
        p.change_date(
            state,
            date(2027, 2, 1),
            reason_code="tupe",
            reason="x",
            reasons=REASONS,
            reasons_version=1,
            today=TODAY,
        ),
    )
    assert state.significant_date == date(2027, 2, 1)
    with pytest.raises(Conflict, match="not moved"):
        p.confirm_transfer_date(state, date(2027, 2, 1), moved=False, today=date(2027, 2, 2))
    state = then(
        state,
        p.complete_task(state, "funding_agreement", document_reference=None, note=None, on=TODAY),
    )
    state = then(state, p.confirm_date(state, on=TODAY))
    state = then(state, p.record_authority(state, [], on=TODAY))
    state = then(
        state, p.confirm_transfer_date(state, date(2027, 2, 1), moved=True, today=date(2027, 2, 2))
    )
    with pytest.raises(Conflict, match="actual transfer date was confirmed"):
        p.change_date(
            state,
            date(2027, 3, 1),
            reason_code="tupe",
            reason="x",
            reasons=REASONS,
            reasons_version=1,
            today=date(2027, 2, 2),
        )


def test_a_date_gone_by_is_changed_before_it_is_confirmed_or_authority_recorded() -> None:
    state = then(
        opened(),
        p.complete_task(
            opened(), "funding_agreement", document_reference="FA", note=None, on=TODAY
        ),
    )
    late = date(2027, 1, 2)
    with pytest.raises(Conflict, match="has passed"):
        p.confirm_date(state, on=late)
    state = then(state, p.confirm_date(state, on=TODAY))
    with pytest.raises(Conflict) as refused:
        p.record_authority(state, [], on=late)
    assert refused.value.extra["missing"] == {
        "significant_date": ["2027-01-01 has passed: change it first"]
    }
    state = then(
        state,
        p.change_date(
            state,
            date(2027, 2, 1),
            reason_code="land",
            reason="The land transfer slipped.",
            reasons=REASONS,
            reasons_version=1,
            today=late,
        ),
    )
    [atp] = p.record_authority(state, [], on=late)
    assert isinstance(atp, AuthorityToProceedRecorded)
    assert atp.significant_date == date(2027, 2, 1)


def test_the_registry_is_told_what_the_approval_said_a_new_trust_is_formed_by() -> None:
    # Maintained schools forming a new trust convert; a project from before project types
    # were chosen says it by its type.
    cases: list[tuple[ProjectType, Literal["transfer", "conversion"] | None, str]] = [
        ("form_a_new_trust", "conversion", "conversion"),
        ("form_a_new_trust", "transfer", "transfer"),
        ("conversion", None, "conversion"),
        ("trust_merger", None, "transfer"),
    ]
    for project_type, kind, expected in cases:
        state = opened(project_type, kind)
        state = then(
            state,
            p.complete_task(
                state, "funding_agreement", document_reference=None, note=None, on=TODAY
            ),
        )
        state = then(state, p.confirm_date(state, on=TODAY))
        [atp] = p.record_authority(state, [], on=TODAY)
        assert isinstance(atp, AuthorityToProceedRecorded) and atp.kind == expected
