"""The assessment aggregate: its state, folded from its stream's events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from shared.contracts.assessment import (
    AssessmentModerated,
    AssessmentPublished,
    AssessmentReturned,
    AssessmentStarted,
    AssessmentSubmitted,
    AssessmentWithdrawn,
    EvidenceRecorded,
    PillarJudged,
    PublishedJudgement,
)
from shared.eventlog.contracts import EventContract

Status = Literal["draft", "submitted", "returned", "moderated", "published", "withdrawn"]
STATUSES: tuple[Status, ...] = (
    "draft",
    "submitted",
    "returned",
    "moderated",
    "published",
    "withdrawn",
)
EDITABLE: frozenset[Status] = frozenset({"draft", "returned"})


@dataclass(frozen=True, slots=True)
class Assessment:
    """One assessment as its stream tells it."""

    assessment_id: str
    trust_uid: int
    framework_id: str
    framework_version: int
    assessor: str
    purpose: str | None = None
    status: Status = "draft"
    version: int = 0
    # Everyone who started, recorded evidence, judged or submitted: none may moderate.
    authors: frozenset[str] = frozenset()
    evidence: Mapping[str, EvidenceRecorded] = field(default_factory=dict)
    judgements: Mapping[str, PillarJudged] = field(default_factory=dict)
    submitted_by: str | None = None
    moderator: str | None = None
    moderation_comments: str | None = None
    returns: tuple[AssessmentReturned, ...] = ()
    published_on: date | None = None
    supersedes: str | None = None
    published_judgements: tuple[PublishedJudgement, ...] = ()
    was_published: bool = False

    def evidence_on(self, pillar: str) -> list[EvidenceRecorded]:
        """The evidence recorded against ``pillar``, oldest first."""
        return [e for e in self.evidence.values() if e.pillar == pillar]


def evolve(state: Assessment | None, event: EventContract) -> Assessment:
    """The assessment after one more of its events; the first must be AssessmentStarted."""
    if isinstance(event, AssessmentStarted):
        return Assessment(
            assessment_id=event.assessment_id,
            trust_uid=event.trust_uid,
            framework_id=event.framework_id,
            framework_version=event.framework_version,
            assessor=event.assessor,
            purpose=event.purpose,
            version=1,
            authors=frozenset({event.assessor}),
        )
    if state is None:
        raise ValueError(f"an assessment stream must start with AssessmentStarted, not {event}")
    s = replace(state, version=state.version + 1)
    match event:
        case EvidenceRecorded():
            return replace(
                s,
                evidence={**s.evidence, event.evidence_id: event},
                authors=s.authors | {event.recorded_by},
            )
        case PillarJudged():
            return replace(
                s,
                judgements={**s.judgements, event.pillar: event},
                authors=s.authors | {event.judged_by},
            )
        case AssessmentSubmitted():
            return replace(
                s,
                status="submitted",
                submitted_by=event.submitted_by,
                authors=s.authors | {event.submitted_by},
            )
        case AssessmentReturned():
            return replace(s, status="returned", returns=(*s.returns, event))
        case AssessmentModerated():
            return replace(
                s, status="moderated", moderator=event.moderator, moderation_comments=event.comments
            )
        case AssessmentPublished():
            return replace(
                s,
                status="published",
                published_on=event.published_on,
                supersedes=event.supersedes,
                published_judgements=tuple(event.judgements),
                was_published=True,
            )
        case AssessmentWithdrawn():
            return replace(s, status="withdrawn")
        case _:
            return s


def fold(events: Iterable[EventContract], state: Assessment | None = None) -> Assessment | None:
    """The assessment from its events, oldest first (after ``state``, if given); None when
    there are none."""
    for event in events:
        state = evolve(state, event)
    return state
