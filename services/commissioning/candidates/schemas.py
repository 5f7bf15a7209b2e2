"""The explained candidate list a case's shortlist is made from."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.commissioning import FactorWeights, PillarWeight

Band = Literal["published_evidence", "no_published_evidence"]
ExclusionCode = Literal[
    "trust_closed",
    "notice_to_improve",
    "termination_warning_notice",
    "termination_notice",
    "already_runs_school",
    "other_religious_character",
    "other_region",
    "beyond_max_distance",
]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class FactorScore(_View):
    """One factor for one trust: what was measured, its 0..1 score, weight and contribution."""

    factor: str = Field(description="`pillar:<key>` or one of the FactorWeights names.")
    label: str
    raw: dict[str, Any] = Field(description="What was measured, e.g. distances in km.")
    score: float | None = Field(description="0..1; null when the factor was not counted.")
    weight: float
    contribution: float = Field(description="weight × score; 0 when not counted.")
    counted: bool = Field(description="False when there is no evidence or it does not apply.")


class EvidenceCoverage(_View):
    """One of the case's pillars for one trust: whether a published judgement covers it,
    and how old it is."""

    pillar: str
    published: bool
    descriptor: str | None = None
    published_on: date | None = None
    age_days: int | None = Field(default=None, description="Days from publication to as_of.")
    assessment_id: str | None = None


class ConcernWarning(_View):
    """An open red or red-plus concern about the trust: shown, never scored."""

    concern_id: str
    concern_type: str
    rag: str
    opened_on: date


class Candidate(_View):
    """A trust that could take the case's school(s), with why it ranks where it does."""

    rank: int
    band: Band
    trust_uid: int
    trust_name: str
    fit: float = Field(
        description="Sum of contributions over the weights of the factors counted (0..1). "
        "For ranking within this case only: never an overall grade of the trust."
    )
    factors: list[FactorScore]
    reasons: list[str]
    warnings: list[str] = Field(default_factory=list)
    concern_warnings: list[ConcernWarning] = Field(
        default_factory=list,
        description="Each open red or red-plus concern about the trust (also in `warnings`,"
        " in words): a warning only, never a change to its fit or rank.",
    )
    assessment_ids: list[str]
    evidence: list[EvidenceCoverage] = Field(
        default_factory=list,
        description="Per pillar of the case: a published judgement or none, and its age.",
    )


class ExcludedTrust(_View):
    """A trust left out of the ranking, and why."""

    trust_uid: int
    trust_name: str
    reason_code: ExclusionCode
    reason: str


class CandidateList(_View):
    """Ranked candidates for a case: published-evidence band first, then no published evidence."""

    urns: list[int]
    as_of: date
    pillars: list[PillarWeight]
    factors: FactorWeights
    total_candidates: int
    candidates: list[Candidate] = Field(
        description="One page of the ranking, best first: `limit` (default 10, at most 200)"
        " candidates from the `cursor`'s rank."
    )
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last."
    )
    total_excluded: int
    excluded: list[ExcludedTrust]
    not_considered: dict[str, int] = Field(
        description="Trusts not ranked because they do not take further schools, by kind."
    )
    method: list[str] = Field(description="How the ranking is made, in plain English.")
    constraints: dict[str, Any] | None = Field(
        default=None,
        description="The case's constraints applied (same_religious_character,"
        " diocese_agreed_otherwise, max_distance_km, same_region).",
    )
