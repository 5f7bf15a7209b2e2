"""What can be asked of an assessment, and ``decide``: the events a command adds, or why not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.assessment.domain.assessment import EDITABLE, Assessment, Status
from services.assessment.errors import (
    AssessmentIncomplete,
    JudgementWithoutEvidence,
    SelfModeration,
    UnknownPillar,
    UnknownTheme,
    WrongStatus,
)
from shared.contracts.assessment import (
    AssessmentModerated,
    AssessmentPublished,
    AssessmentReturned,
    AssessmentStarted,
    AssessmentSubmitted,
    AssessmentWithdrawn,
    Descriptor,
    EvidenceKind,
    EvidenceRecorded,
    FrameworkVersionPublished,
    Metric,
    PillarJudged,
    PublishedJudgement,
)
from shared.eventlog.contracts import EventContract


@dataclass(frozen=True)
class StartAssessment:
    """An assessor begins assessing a trust against one framework version."""

    assessment_id: str
    trust_uid: int
    assessor: str
    purpose: str | None = None


@dataclass(frozen=True)
class RecordEvidence:
    """Record one item of evidence against a pillar (and optionally a theme)."""

    evidence_id: str
    pillar: str
    theme: str | None
    kind: EvidenceKind
    summary: str
    source_reference: str
    observed_on: date
    metric: Metric | None
    recorded_by: str


@dataclass(frozen=True)
class JudgePillar:
    """Judge a pillar on the descriptor scale; with no evidence ids, all of the pillar's evidence."""

    pillar: str
    descriptor: Descriptor
    rationale: str
    evidence_ids: Sequence[str] | None
    judged_by: str


@dataclass(frozen=True)
class Submit:
    """Hand the assessment in for moderation."""

    submitted_by: str


@dataclass(frozen=True)
class Approve:
    """A moderator approves a submitted assessment."""

    moderator: str
    comments: str | None = None


@dataclass(frozen=True)
class Return:
    """A moderator sends a submitted assessment back, with comments."""

    moderator: str
    comments: str


@dataclass(frozen=True)
class Publish:
    """Publish a moderated, complete assessment; ``current`` is the trust's published one."""

    today: date
    current: str | None = None


@dataclass(frozen=True)
class Withdraw:
    """Withdraw an assessment that is not already withdrawn."""


Command = RecordEvidence | JudgePillar | Submit | Approve | Return | Publish | Withdraw


def start(framework: FrameworkVersionPublished, command: StartAssessment) -> list[EventContract]:
    """The event that begins an assessment bound to ``framework``."""
    return [
        AssessmentStarted(
            assessment_id=command.assessment_id,
            trust_uid=command.trust_uid,
            framework_id=framework.framework_id,
            framework_version=framework.framework_version,
            assessor=command.assessor,
            purpose=command.purpose,
        )
    ]


def decide(
    state: Assessment, framework: FrameworkVersionPublished, command: Command
) -> list[EventContract]:
    """What ``command`` adds to the assessment's stream, or a DomainError saying why not."""
    match command:
        case RecordEvidence():
            return _record_evidence(state, framework, command)
        case JudgePillar():
            return _judge(state, framework, command)
        case Submit():
            _require(state, {"draft", "returned"}, "submitted")
            if not state.judgements:
                raise WrongStatus(
                    "judge at least one pillar before submitting",
                    extra={"status": state.status},
                )
            return [
                AssessmentSubmitted(
                    assessment_id=state.assessment_id, submitted_by=command.submitted_by
                )
            ]
        case Approve():
            _require(state, {"submitted"}, "moderated")
            _four_eyes(state, command.moderator)
            return [
                AssessmentModerated(
                    assessment_id=state.assessment_id,
                    moderator=command.moderator,
                    comments=command.comments,
                )
            ]
        case Return():
            _require(state, {"submitted"}, "returned")
            _four_eyes(state, command.moderator)
            return [
                AssessmentReturned(
                    assessment_id=state.assessment_id,
                    moderator=command.moderator,
                    comments=command.comments,
                )
            ]
        case Publish():
            return _publish(state, framework, command)
        case Withdraw():
            if state.status == "withdrawn":
                raise WrongStatus(
                    "the assessment is already withdrawn", extra={"status": "withdrawn"}
                )
            return [
                AssessmentWithdrawn(
                    assessment_id=state.assessment_id,
                    trust_uid=state.trust_uid,
                    was_published=state.status == "published",
                )
            ]
    raise TypeError(f"unknown command {command!r}")  # pragma: no cover


def _require(state: Assessment, allowed: set[Status], step: str) -> None:
    if state.status not in allowed:
        raise WrongStatus(
            f"an assessment that is {state.status} cannot be {step}; it must be "
            + " or ".join(sorted(allowed)),
            extra={"status": state.status, "allowed_statuses": sorted(allowed)},
        )


def _four_eyes(state: Assessment, moderator: str) -> None:
    if moderator in state.authors:
        raise SelfModeration(
            f"{moderator} helped write this assessment and cannot moderate it",
            # Named like commissioning's separation-of-duties refusals.
            extra={"moderator": moderator, "rule": "author-may-not-moderate"},
        )


@dataclass(frozen=True)
class PillarDefinitionView:
    """A pillar's key, name and theme keys."""

    key: str
    name: str
    themes: list[str]


def pillar_of(framework: FrameworkVersionPublished, key: str) -> PillarDefinitionView:
    """The framework's pillar ``key``, or UnknownPillar naming the ones it has."""
    for pillar in framework.pillars:
        if pillar.key == key:
            return PillarDefinitionView(pillar.key, pillar.name, [t.key for t in pillar.themes])
    raise UnknownPillar(
        f"{framework.framework_id} version {framework.framework_version} has no pillar {key!r}",
        extra={"pillar": key, "known_pillars": [p.key for p in framework.pillars]},
    )


def _record_evidence(
    state: Assessment, framework: FrameworkVersionPublished, command: RecordEvidence
) -> list[EventContract]:
    _require(state, set(EDITABLE), "given evidence")
    pillar = pillar_of(framework, command.pillar)
    if command.theme is not None and command.theme not in pillar.themes:
        raise UnknownTheme(
            f"pillar {pillar.key!r} has no theme {command.theme!r}",
            extra={"pillar": pillar.key, "theme": command.theme, "known_themes": pillar.themes},
        )
    if command.evidence_id in state.evidence:
        raise WrongStatus(f"evidence {command.evidence_id} is already recorded")
    return [
        EvidenceRecorded(
            assessment_id=state.assessment_id,
            evidence_id=command.evidence_id,
            pillar=pillar.key,
            theme=command.theme,
            kind=command.kind,
            summary=command.summary,
            source_reference=command.source_reference,
            observed_on=command.observed_on,
            metric=command.metric,
            recorded_by=command.recorded_by,
        )
    ]


def _judge(
    state: Assessment, framework: FrameworkVersionPublished, command: JudgePillar
) -> list[EventContract]:
    _require(state, set(EDITABLE), "judged")
    pillar = pillar_of(framework, command.pillar)
    on_pillar = [e.evidence_id for e in state.evidence_on(pillar.key)]
    if not on_pillar:
        raise JudgementWithoutEvidence(
            f"record evidence on pillar {pillar.key!r} before judging it",
            extra={"pillar": pillar.key},
        )
    if command.evidence_ids is None:
        evidence_ids = on_pillar
    else:
        evidence_ids = list(dict.fromkeys(command.evidence_ids))
        foreign = [i for i in evidence_ids if i not in on_pillar]
        if foreign or not evidence_ids:
            raise JudgementWithoutEvidence(
                f"a judgement on {pillar.key!r} rests only on evidence recorded on that pillar",
                extra={"pillar": pillar.key, "not_on_pillar": foreign},
            )
    return [
        PillarJudged(
            assessment_id=state.assessment_id,
            pillar=pillar.key,
            descriptor=command.descriptor,
            rationale=command.rationale,
            evidence_ids=evidence_ids,
            judged_by=command.judged_by,
        )
    ]


def missing_pillars(state: Assessment, framework: FrameworkVersionPublished) -> list[str]:
    """The framework's pillars that have no judgement yet, in framework order."""
    return [p.key for p in framework.pillars if p.key not in state.judgements]


def _publish(
    state: Assessment, framework: FrameworkVersionPublished, command: Publish
) -> list[EventContract]:
    _require(state, {"moderated"}, "published")
    missing = missing_pillars(state, framework)
    if missing:
        raise AssessmentIncomplete(
            "every pillar of the framework needs a judgement before publishing; missing: "
            + ", ".join(missing),
            extra={"missing_pillars": missing},
        )
    judgements = [
        PublishedJudgement(
            pillar=p.key,
            pillar_name=p.name,
            descriptor=state.judgements[p.key].descriptor,
            rationale=state.judgements[p.key].rationale,
            evidence_ids=list(state.judgements[p.key].evidence_ids),
        )
        for p in framework.pillars
    ]
    supersedes = command.current if command.current != state.assessment_id else None
    return [
        AssessmentPublished(
            assessment_id=state.assessment_id,
            trust_uid=state.trust_uid,
            framework_id=state.framework_id,
            framework_version=state.framework_version,
            published_on=command.today,
            judgements=judgements,
            supersedes=supersedes,
        )
    ]
