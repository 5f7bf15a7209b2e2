"""A decision's record, pure: coded reasons, who may decide what, the equality duty,
conditions met or waived, and an escalation or challenge that reopens the decision."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from services.commissioning.decisions.policy import DecisionReasons
from services.commissioning.domain import cases as d
from services.commissioning.domain import decisions as dd
from services.commissioning.domain import records as r
from shared.contracts.commissioning import (
    DecisionChallenged,
    DecisionConditionMet,
    DecisionConditionWaived,
    DecisionRecorded,
)
from shared.errors import Conflict, NotFound, UnprocessableContent
from tests.commissioning.test_case_domain import (
    _POLICIES,
    POLICIES,
    TODAY,
    board,
    decide,
    decision,
    given,
    opened,
    shortlisted,
)


def at_board() -> d.CaseState:
    return given(opened(), shortlisted(2044), board())


def refused_fields(**changes: object) -> list[list[object]]:
    with pytest.raises(UnprocessableContent) as refused:
        decide(at_board(), decision(**changes))
    return [e["loc"] for e in refused.value.extra["errors"]]


def test_an_approval_without_the_equality_record_is_refused_naming_it() -> None:
    assert refused_fields(equality=None) == [["body", "equality"]]


def test_a_dao_revocation_by_anyone_but_a_minister_is_refused_naming_the_grade() -> None:
    with pytest.raises(UnprocessableContent) as refused:
        decide(
            at_board(),
            decision(
                outcome="dao_revoked",
                significant_date=None,
                reason_codes=("school_improved",),
                decision_maker_grade="regional_director",
            ),
        )
    [error] = refused.value.extra["errors"]
    assert error["loc"] == ["body", "decision_maker_grade"]
    assert error["allowed"] == ["minister"]
    assert "version 1 of the decision_makers policy" in error["msg"]


def test_a_reason_code_not_in_the_active_list_is_refused_naming_it_and_the_list() -> None:
    with pytest.raises(UnprocessableContent) as refused:
        decide(at_board(), decision(reason_codes=("track_record", "finance")))
    [error] = refused.value.extra["errors"]
    assert error["loc"] == ["body", "reason_codes", 1]
    assert "finance" in error["msg"] and "local_presence" in error["allowed"]


def test_every_problem_of_the_record_is_named_at_once() -> None:
    assert refused_fields(equality=None, reason_codes=(), decision_maker_grade="other") == [
        ["body", "reason_codes"],
        ["body", "decision_maker_grade"],
        ["body", "decision_maker_grade_other"],
        ["body", "equality"],
    ]


def test_a_minister_capacity_goes_with_a_minister_grade() -> None:
    assert refused_fields(decision_maker_capacity="minister") == [["body", "decision_maker_grade"]]


def test_the_decision_records_its_codes_grade_equality_and_policy_versions() -> None:
    [recorded, _] = decide(at_board(), decision(reason_codes=("track_record", "capacity")))
    assert isinstance(recorded, DecisionRecorded)
    assert recorded.reason_codes == ["track_record", "capacity"]
    assert (recorded.reasons_policy_version, recorded.rules_policy_version) == (1, 1)
    assert recorded.decision_maker_grade == "regional_director"
    assert recorded.equality is not None and recorded.supersedes_decision is None


def with_conditions() -> d.CaseState:
    events = decide(
        at_board(), decision(outcome="approved_with_conditions", conditions=["plan", "visit"])
    )
    return given(opened(), shortlisted(2044), board(), *events)


def test_conditions_are_met_with_evidence_or_waived_with_a_reason_once_each() -> None:
    state = with_conditions()
    assert state.condition_status == ("open", "open")
    [met] = r.condition_met(state, 1, evidence="Plan agreed", document_reference="doc 1", on=TODAY)
    assert isinstance(met, DecisionConditionMet)
    state = d.evolve(state, met)
    [waived] = r.condition_waived(state, 2, reason="Overtaken", on=TODAY)
    assert isinstance(waived, DecisionConditionWaived)
    state = d.evolve(state, waived)
    assert state.condition_status == ("met", "waived")
    with pytest.raises(Conflict, match="Condition 1 is met already"):
        r.condition_waived(state, 1, reason="x", on=TODAY)
    with pytest.raises(NotFound, match="no condition 3"):
        r.condition_met(state, 3, evidence="x", document_reference=None, on=TODAY)


def test_a_challenge_reopens_the_decision_for_the_named_person_and_the_next_supersedes_it() -> None:
    state = with_conditions()
    first = state.decision_id
    [challenged] = r.challenge(
        state,
        r.ChallengeDecision(
            kind="challenge",
            capacity="minister",
            referred_to="minister.schools",
            to_region_code=None,
            reason="The outgoing trust challenges the choice.",
            on=TODAY,
        ),
    )
    assert isinstance(challenged, DecisionChallenged)
    state = d.evolve(state, challenged)
    assert state.status == "advisory_board_scheduled"
    assert state.referral is not None and state.referral.to_subject == "minister.schools"
    [again] = decide(
        state,
        decision(
            decision_id="e" * 32,
            outcome="declined",
            significant_date=None,
            trust_uid=None,
            reason_codes=("choice_of_trust",),
            decision_maker_capacity="minister",
            decision_maker_grade="minister",
        ),
    )
    assert isinstance(again, DecisionRecorded) and again.supersedes_decision == first


def test_an_escalation_to_a_director_names_another_region() -> None:
    cmd = r.ChallengeDecision(
        kind="escalation",
        capacity="another_regional_director",
        referred_to="rd.g",
        to_region_code="D",
        reason="Cross-border",
        on=TODAY,
    )
    with pytest.raises(UnprocessableContent, match="another region"):
        r.challenge(replace(with_conditions(), region_code="D"), cmd)
    with pytest.raises(Conflict):
        r.challenge(at_board(), cmd)


def test_the_policies_shipped_cover_every_outcome() -> None:
    for outcome in ("approved", "declined", "deferred", "withdrawn", "dao_revoked"):
        assert POLICIES.reasons.codes(outcome) and POLICIES.makers.grades(outcome)


def test_version_2_takes_dfes_reasons_for_revoking_a_dao_and_no_longer_its_own() -> None:
    doc = json.loads((_POLICIES / "decision_reasons/v2.json").read_text())["document"]
    v2 = replace(POLICIES, reasons=DecisionReasons.model_validate(doc), reasons_version=2)
    revoke = decision(
        outcome="dao_revoked",
        significant_date=None,
        reason_codes=("school_rated_good_or_outstanding",),
        decision_maker_grade="minister",
        decision_maker_capacity="minister",
    )
    recorded = dd.record_decision(
        at_board(), revoke, today=TODAY, schools_in_a_trust=False, trust_open=True, policies=v2
    )
    assert any(isinstance(e, DecisionRecorded) for e in recorded)
    with pytest.raises(UnprocessableContent) as refused:
        dd.record_decision(
            at_board(),
            replace(revoke, reason_codes=("school_improved",)),
            today=TODAY,
            schools_in_a_trust=False,
            trust_open=True,
            policies=v2,
        )
    [error] = refused.value.extra["errors"]
    assert "version 2 of the decision_reasons policy" in error["msg"]
    assert error["allowed"] == [
        "school_closed_or_closing",
        "school_rated_good_or_outstanding",
        "safeguarding_concerns_addressed",
        "change_to_government_policy",
    ]


def test_an_approval_opens_the_project_type_its_schools_allow() -> None:
    [default, _] = decide(at_board(), decision())
    assert isinstance(default, DecisionRecorded) and default.project_type == "conversion"
    [in_trust, _] = decide(at_board(), decision(), in_trust=True)
    assert isinstance(in_trust, DecisionRecorded) and in_trust.project_type == "academy_transfer"
    [merger, _] = decide(at_board(), decision(project_type="trust_merger"), in_trust=True)
    assert isinstance(merger, DecisionRecorded) and merger.project_type == "trust_merger"
    [new_trust, _] = decide(at_board(), decision(project_type="form_a_new_trust"))
    assert isinstance(new_trust, DecisionRecorded) and new_trust.project_type == "form_a_new_trust"
    assert refused_fields(project_type="trust_merger") == [["body", "project_type"]]
    assert refused_fields(project_type="academy_transfer") == [["body", "project_type"]]
    declined = decision(
        outcome="declined",
        significant_date=None,
        reason_codes=("finance",),
        equality=None,
        project_type="conversion",
    )
    with pytest.raises(UnprocessableContent) as refused:
        decide(at_board(), declined)
    assert refused.value.extra["errors"][0]["loc"] == ["body", "project_type"]
