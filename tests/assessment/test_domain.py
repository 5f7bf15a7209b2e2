"""The assessment's lifecycle rules: given events, when a command, then events or an error."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from services.assessment import domain
from services.assessment.domain import (
    Approve,
    JudgePillar,
    Publish,
    RecordEvidence,
    Return,
    Submit,
    Withdraw,
)
from services.assessment.errors import (
    AssessmentIncomplete,
    InvalidFramework,
    JudgementWithoutEvidence,
    SelfModeration,
    UnknownPillar,
    UnknownTheme,
    WrongStatus,
)
from services.assessment.frameworks import FrameworkDefinition, FrameworkPillar, framework_version
from services.assessment.handlers import seed_definitions
from shared.contracts.assessment import (
    AssessmentModerated,
    AssessmentPublished,
    AssessmentReturned,
    AssessmentStarted,
    AssessmentSubmitted,
    AssessmentWithdrawn,
    EvidenceRecorded,
    FrameworkVersionPublished,
    PillarDefinition,
    PillarJudged,
    ThemeDefinition,
)
from shared.eventlog.contracts import EventContract

AID = "a" * 32
OTHER = "b" * 32
E1, E2, E3 = "1" * 32, "2" * 32, "3" * 32
TODAY = date(2026, 11, 22)

FRAMEWORK = FrameworkVersionPublished(
    framework_id="test-fw",
    framework_version=1,
    name="Test framework",
    publisher="Tests",
    published_on=date(2023, 1, 1),
    pillars=[
        PillarDefinition(
            key="education",
            name="Education",
            themes=[ThemeDefinition(key="curriculum", name="Curriculum")],
        ),
        PillarDefinition(key="finance", name="Finance"),
    ],
)


def started(assessor: str = "ada") -> AssessmentStarted:
    return AssessmentStarted(
        assessment_id=AID,
        trust_uid=2044,
        framework_id="test-fw",
        framework_version=1,
        assessor=assessor,
    )


def evidence(eid: str = E1, pillar: str = "education", by: str = "ada") -> EvidenceRecorded:
    return EvidenceRecorded(
        assessment_id=AID,
        evidence_id=eid,
        pillar=pillar,
        kind="visit",
        summary="Saw it",
        source_reference="visit notes",
        observed_on=date(2026, 10, 1),
        recorded_by=by,
    )


def judged(pillar: str = "education", eid: str = E1, by: str = "ada") -> PillarJudged:
    return PillarJudged(
        assessment_id=AID,
        pillar=pillar,
        descriptor="secure",
        rationale="Because",
        evidence_ids=[eid],
        judged_by=by,
    )


def submitted(by: str = "ada") -> AssessmentSubmitted:
    return AssessmentSubmitted(assessment_id=AID, submitted_by=by)


def moderated(by: str = "mo") -> AssessmentModerated:
    return AssessmentModerated(assessment_id=AID, moderator=by)


COMPLETE: list[EventContract] = [
    started(),
    evidence(E1, "education"),
    evidence(E2, "finance"),
    judged("education", E1),
    judged("finance", E2),
    submitted(),
    moderated(),
]


def given(*events: EventContract) -> domain.Assessment:
    state = domain.fold(events)
    assert state is not None
    return state


def when(events: Sequence[EventContract], command: domain.Command) -> list[EventContract]:
    return domain.decide(given(*events), FRAMEWORK, command)


def record(pillar: str = "education", theme: str | None = None, by: str = "ada") -> RecordEvidence:
    return RecordEvidence(
        evidence_id=E3,
        pillar=pillar,
        theme=theme,
        kind="ofsted",
        summary="Report",
        source_reference="ofsted.gov.uk/123",
        observed_on=date(2026, 1, 1),
        metric=None,
        recorded_by=by,
    )


def judge(pillar: str = "education", ids: list[str] | None = None, by: str = "ada") -> JudgePillar:
    return JudgePillar(
        pillar=pillar, descriptor="strong", rationale="Clear", evidence_ids=ids, judged_by=by
    )


# --------------------------------------------------------------------------- start and fold


def test_starting_binds_the_framework_version_and_names_the_assessor() -> None:
    [event] = domain.start(FRAMEWORK, domain.StartAssessment(AID, 2044, "ada", "rebrokerage"))
    assert event == AssessmentStarted(
        assessment_id=AID,
        trust_uid=2044,
        framework_id="test-fw",
        framework_version=1,
        assessor="ada",
        purpose="rebrokerage",
    )
    state = given(event)
    assert (state.status, state.version, state.authors) == ("draft", 1, frozenset({"ada"}))


def test_a_stream_must_begin_with_started() -> None:
    with pytest.raises(ValueError):
        domain.fold([evidence()])


def test_authors_are_everyone_who_started_recorded_judged_or_submitted() -> None:
    state = given(
        started("ada"), evidence(by="ben"), judged(by="cat"), submitted("dan"), moderated("mo")
    )
    assert state.authors == {"ada", "ben", "cat", "dan"}
    assert state.status == "moderated" and state.version == 5


# --------------------------------------------------------------------------- evidence


def test_evidence_is_recorded_against_a_pillar_and_theme_of_the_framework() -> None:
    [event] = when([started()], record("education", "curriculum", by="ben"))
    assert isinstance(event, EvidenceRecorded)
    assert (event.pillar, event.theme, event.recorded_by) == ("education", "curriculum", "ben")


def test_evidence_on_an_unknown_pillar_is_refused() -> None:
    with pytest.raises(UnknownPillar) as err:
        when([started()], record("culture"))
    assert err.value.status == 422
    assert err.value.extra["known_pillars"] == ["education", "finance"]


def test_evidence_on_a_theme_of_another_pillar_is_refused() -> None:
    with pytest.raises(UnknownTheme):
        when([started()], record("finance", "curriculum"))


@pytest.mark.parametrize(
    "history",
    [
        [*COMPLETE[:6]],
        [*COMPLETE],
        [*COMPLETE, AssessmentWithdrawn(assessment_id=AID, trust_uid=2044, was_published=False)],
    ],
    ids=["submitted", "moderated", "withdrawn"],
)
def test_evidence_and_judgements_only_while_draft_or_returned(
    history: list[EventContract],
) -> None:
    with pytest.raises(WrongStatus):
        when(history, record())
    with pytest.raises(WrongStatus):
        when(history, judge())


def test_a_returned_assessment_takes_evidence_and_judgements_again() -> None:
    returned = [*COMPLETE[:6], AssessmentReturned(assessment_id=AID, moderator="mo", comments="x")]
    assert len(when(returned, record())) == 1
    assert len(when(returned, judge("education", [E1]))) == 1


# --------------------------------------------------------------------------- judgements


def test_no_judgement_on_a_pillar_without_evidence_on_it() -> None:
    with pytest.raises(JudgementWithoutEvidence) as err:
        when([started(), evidence(E1, "education")], judge("finance"))
    assert err.value.status == 422


def test_a_judgement_rests_only_on_evidence_of_its_own_pillar() -> None:
    history = [started(), evidence(E1, "education"), evidence(E2, "finance")]
    with pytest.raises(JudgementWithoutEvidence) as err:
        when(history, judge("education", [E1, E2]))
    assert err.value.extra["not_on_pillar"] == [E2]


def test_without_evidence_ids_a_judgement_rests_on_all_the_pillars_evidence() -> None:
    history = [started(), evidence(E1, "education"), evidence(E2, "finance"), evidence(E3)]
    [event] = when(history, judge("education", None, by="cat"))
    assert isinstance(event, PillarJudged)
    assert event.evidence_ids == [E1, E3]
    assert event.judged_by == "cat"


def test_a_judgement_on_an_unknown_pillar_is_refused() -> None:
    with pytest.raises(UnknownPillar):
        when([started(), evidence()], judge("culture"))


def test_judging_again_replaces_the_pillars_judgement() -> None:
    state = given(started(), evidence(), judged(), judged())
    assert list(state.judgements) == ["education"]


# --------------------------------------------------------------------------- submit


def test_submit_needs_at_least_one_judgement() -> None:
    with pytest.raises(WrongStatus):
        when([started(), evidence()], Submit("ada"))
    [event] = when([started(), evidence(), judged()], Submit("ada"))
    assert event == AssessmentSubmitted(assessment_id=AID, submitted_by="ada")


def test_a_submitted_assessment_cannot_be_submitted_again() -> None:
    with pytest.raises(WrongStatus):
        when(COMPLETE[:6], Submit("ada"))


# --------------------------------------------------------------------------- moderation


def test_a_moderator_who_wrote_none_of_it_approves() -> None:
    [event] = when(COMPLETE[:6], Approve("mo", "fine"))
    assert event == AssessmentModerated(assessment_id=AID, moderator="mo", comments="fine")


@pytest.mark.parametrize("author", ["ada", "ben", "cat", "dan"])
def test_nobody_moderates_what_they_helped_write(author: str) -> None:
    history = [
        started("ada"),
        evidence(E1, "education", by="ben"),
        judged("education", E1, by="cat"),
        submitted("dan"),
    ]
    with pytest.raises(SelfModeration) as err:
        when(history, Approve(author))
    assert err.value.status == 403
    with pytest.raises(SelfModeration):
        when(history, Return(author, "please fix"))


def test_a_moderator_returns_it_with_comments() -> None:
    [event] = when(COMPLETE[:6], Return("mo", "add finance evidence"))
    assert event == AssessmentReturned(
        assessment_id=AID, moderator="mo", comments="add finance evidence"
    )
    returned = given(*COMPLETE[:6], event)
    assert returned.status == "returned"
    assert "mo" not in returned.authors


@pytest.mark.parametrize("n", [1, 3, 7], ids=["draft", "judged", "moderated"])
def test_moderation_only_of_a_submitted_assessment(n: int) -> None:
    with pytest.raises(WrongStatus):
        when(COMPLETE[:n], Approve("mo"))
    with pytest.raises(WrongStatus):
        when(COMPLETE[:n], Return("mo", "x"))


# --------------------------------------------------------------------------- publish


def test_publishing_carries_every_pillar_judgement_in_framework_order() -> None:
    [event] = when(COMPLETE, Publish(today=TODAY, current=OTHER))
    assert isinstance(event, AssessmentPublished)
    assert event.published_on == TODAY
    assert event.supersedes == OTHER
    assert [(j.pillar, j.pillar_name, j.descriptor) for j in event.judgements] == [
        ("education", "Education", "secure"),
        ("finance", "Finance", "secure"),
    ]
    assert not hasattr(event, "score") and "overall" not in event.model_dump()


def test_a_first_publication_supersedes_nothing() -> None:
    [event] = when(COMPLETE, Publish(today=TODAY, current=None))
    assert isinstance(event, AssessmentPublished) and event.supersedes is None


def test_no_publishing_until_every_pillar_is_judged() -> None:
    history = [started(), evidence(), judged(), submitted(), moderated()]
    with pytest.raises(AssessmentIncomplete) as err:
        when(history, Publish(today=TODAY))
    assert err.value.extra["missing_pillars"] == ["finance"]


@pytest.mark.parametrize("n", [5, 6], ids=["judged", "submitted"])
def test_publishing_only_once_moderated(n: int) -> None:
    with pytest.raises(WrongStatus):
        when(COMPLETE[:n], Publish(today=TODAY))


def test_a_published_assessment_cannot_be_published_again() -> None:
    published = [*COMPLETE, *when(COMPLETE, Publish(today=TODAY))]
    assert given(*published).status == "published"
    with pytest.raises(WrongStatus):
        when(published, Publish(today=TODAY))


# --------------------------------------------------------------------------- withdraw


def test_withdrawing_a_published_assessment_says_so() -> None:
    published = [*COMPLETE, *when(COMPLETE, Publish(today=TODAY))]
    [event] = when(published, Withdraw())
    assert event == AssessmentWithdrawn(assessment_id=AID, trust_uid=2044, was_published=True)


def test_a_draft_may_be_withdrawn_but_only_once() -> None:
    [event] = when([started()], Withdraw())
    assert event == AssessmentWithdrawn(assessment_id=AID, trust_uid=2044, was_published=False)
    with pytest.raises(WrongStatus):
        when([started(), event], Withdraw())


# --------------------------------------------------------------------------- frameworks


def test_the_seeded_frameworks_are_valid_data() -> None:
    dfe, cst = seed_definitions()
    assert [p.key for p in dfe.pillars] == [
        "education",
        "school_improvement",
        "workforce",
        "finance_operations",
        "governance_leadership",
    ]
    assert len(dfe.pillars[0].themes) == 9
    assert all(p.themes for p in dfe.pillars)
    assert len(cst.pillars) == 5
    for definition in (dfe, cst):
        assert framework_version(definition, 1).framework_version == 1


def test_a_framework_with_a_repeated_pillar_or_theme_key_is_refused() -> None:
    pillar = FrameworkPillar(key="a", name="A")
    with pytest.raises(InvalidFramework):
        framework_version(
            FrameworkDefinition(
                framework_id="x-fw",
                name="X",
                publisher="P",
                published_on=TODAY,
                pillars=[pillar, pillar],
            ),
            1,
        )
    theme = ThemeDefinition(key="t", name="T")
    with pytest.raises(InvalidFramework):
        framework_version(
            FrameworkDefinition(
                framework_id="x-fw",
                name="X",
                publisher="P",
                published_on=TODAY,
                pillars=[FrameworkPillar(key="a", name="A", themes=[theme, theme])],
            ),
            1,
        )
