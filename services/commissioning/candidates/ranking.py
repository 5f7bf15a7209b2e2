"""Rank the trusts that could take a case's school(s), explaining every factor. Pure: no I/O.

Each factor is scored 0..1 and weighted: the case's pillars by its PillarWeights, the rest by
its FactorWeights. A trust's ``fit`` is the sum of weight × score over the weight of the
factors that were counted, so a factor without evidence (or one that does not apply, such as
faith fit for a school without a religious character) is left out rather than scored high or
low. Descriptors become scores here only to order trusts for this case; nothing here is, or
may be shown as, an overall grade of a trust.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any, NamedTuple

from services.commissioning.candidates.constraints import (
    CaseSchool,
    Constraints,
    TrustReach,
    removed_by,
)
from services.commissioning.candidates.paging import cursor_of
from services.commissioning.candidates.schemas import (
    Band,
    Candidate,
    CandidateList,
    ConcernWarning,
    EvidenceCoverage,
    ExcludedTrust,
    ExclusionCode,
    FactorScore,
)
from services.commissioning.knowledge.facts import SchoolFact
from shared.contracts.commissioning import FactorWeights, PillarWeight

# Per-pillar scores for ordering within one case only.
DESCRIPTOR_SCORES: dict[str, float] = {
    "strong": 1.0,
    "secure": 2 / 3,
    "developing": 1 / 3,
    "concerns": 0.0,
}
# Interventions that take a trust out of the running; an NTI warning letter is shown as a
# warning on the candidate instead: it is the step before a notice, not a finding.
EXCLUDING_KINDS: dict[str, str] = {
    "termination_notice": "termination notice",
    "termination_warning_notice": "termination warning notice",
    "notice_to_improve": "notice to improve",
}
WARNING_KINDS: dict[str, str] = {"nti_warning_letter": "NTI warning letter"}
# Single-academy trusts run their one school; they are not brokered further schools.
NOT_CONSIDERED_TYPES: dict[str, str] = {
    "single_academy_trust": "single_academy_trusts",
    "secure_single_academy_trust": "secure_single_academy_trusts",
}
NON_FAITH = frozenset({"", "none", "does not apply", "not applicable"})
# Distance d km scores 1 / (1 + d / HALF_SCORE_KM): 0 km is 1.0, 10 km is 0.5, 30 km 0.25.
HALF_SCORE_KM = 10.0
# Growth in the last 12 months as a share of the trust's size a year ago: up to the first
# figure is healthy, beyond the second it scores the floor.
GROWTH_EASY, GROWTH_TOO_FAST, GROWTH_FLOOR = 0.25, 1.0, 0.2
PHASE_FAMILIES: dict[str, str] = {
    "Nursery": "primary",
    "Primary": "primary",
    "Middle deemed primary": "primary",
    "Secondary": "secondary",
    "Middle deemed secondary": "secondary",
    "16 plus": "post_16",
    "All-through": "all_through",
    "Not applicable": "special_or_other",
}
_ORDER = {"published_evidence": 0, "no_published_evidence": 1}
_EXCLUSION_ORDER: tuple[str, ...] = (
    "termination_notice",
    "termination_warning_notice",
    "notice_to_improve",
    "already_runs_school",
    "trust_closed",
    "other_religious_character",
    "other_region",
    "beyond_max_distance",
)

METHOD = [
    "Open multi-academy trusts are ranked; single-academy trusts are counted, not ranked.",
    "Closed trusts, trusts under an active notice to improve, termination warning notice or "
    "termination notice, and the trust that already runs a school of the case are excluded.",
    "Pillars: the latest standing published assessment; strong 1, secure 0.67, developing "
    "0.33, concerns 0, for ordering within this case only.",
    "Trusts with no published judgement on this case's pillars are ranked after those with "
    "one, in their own band, on the other factors only.",
    "Capacity: size after taking the school(s) (5-40 schools best), times a growth factor "
    "that falls when joins in the last 12 months exceed a quarter of the trust's size.",
    "Distance: half nearest school, half median school, each 1 / (1 + km / 10).",
    "Local presence: a school in the same area or district 1, same LA 0.8, region 0.3.",
    "Phase fit: runs schools of the same phase 1, all-through 0.6, otherwise 0.2.",
    "Faith fit (church schools only): same religious character and diocese 1, same "
    "character 0.6, none 0.",
    "Track record: (improved + 1) / (re-inspected + 2) over schools that joined below good "
    "and were re-inspected in the trust; not counted without any.",
    "Fit = sum of weight x score over the weights of the factors counted; ties by trust UID.",
]


class MemberSchool(NamedTuple):
    """One open school a trust runs, as the profile keeps it.

    A named tuple: a process builds one for every school of every trust (25,000 nationally)
    when it loads the profiles, and a tuple is built in a third of a frozen dataclass's time.
    """

    urn: int
    la_code: str
    la_name: str
    district: str | None
    region_code: str | None
    phase: str | None
    easting: int | None
    northing: int | None
    faith: str | None
    diocese: str | None
    joined_on: date | None


@dataclass(frozen=True, slots=True)
class Judgement:
    """A published descriptor on one pillar."""

    pillar: str
    pillar_name: str
    descriptor: str


@dataclass(frozen=True, slots=True)
class PublishedAssessment:
    """A trust's latest standing published assessment."""

    assessment_id: str
    published_on: date
    judgements: dict[str, Judgement]


@dataclass(frozen=True)
class TrustProfile:
    """What the ranking needs to know of one trust; the counts it looks up are derived once."""

    uid: int
    name: str
    trust_type: str | None
    closed: bool
    schools: tuple[MemberSchool, ...]
    joined_below_good: int
    improved: int
    assessment: PublishedAssessment | None
    # Derived from ``schools`` so that scoring a trust is lookups, not scans.
    coords: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    urns: frozenset[int] = field(init=False, repr=False, compare=False)
    by_la: dict[str, int] = field(init=False, repr=False, compare=False)
    by_district: dict[tuple[str, str], int] = field(init=False, repr=False, compare=False)
    regions: frozenset[str] = field(init=False, repr=False, compare=False)
    by_family: dict[str, int] = field(init=False, repr=False, compare=False)
    by_faith: dict[str, int] = field(init=False, repr=False, compare=False)
    by_faith_diocese: dict[tuple[str, str], int] = field(init=False, repr=False, compare=False)
    join_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One pass over the schools, with the lookups bound locally: a process does this for
        # every trust when it loads the profiles.
        by_la: dict[str, int] = {}
        by_district: dict[tuple[str, str], int] = {}
        by_family: dict[str, int] = {}
        by_faith: dict[str, int] = {}
        by_faith_diocese: dict[tuple[str, str], int] = {}
        coords: list[tuple[int, int]] = []
        regions: set[str] = set()
        joins: list[date] = []
        families = PHASE_FAMILIES
        for m in self.schools:
            la = m.la_code
            by_la[la] = by_la.get(la, 0) + 1
            if m.district:
                key = (la, m.district.casefold())
                by_district[key] = by_district.get(key, 0) + 1
            family = families.get(m.phase or "", "special_or_other")
            by_family[family] = by_family.get(family, 0) + 1
            faith = m.faith
            if faith:
                by_faith[faith] = by_faith.get(faith, 0) + 1
                if m.diocese:
                    fd = (faith, m.diocese)
                    by_faith_diocese[fd] = by_faith_diocese.get(fd, 0) + 1
            if m.easting is not None and m.northing is not None:
                coords.append((m.easting, m.northing))
            if m.region_code:
                regions.add(m.region_code)
            if m.joined_on:
                joins.append(m.joined_on)
        joins.sort()
        set_ = object.__setattr__
        set_(self, "coords", tuple(coords))
        set_(self, "urns", frozenset(m.urn for m in self.schools))
        set_(self, "by_la", by_la)
        set_(self, "by_district", by_district)
        set_(self, "regions", frozenset(regions))
        set_(self, "by_family", by_family)
        set_(self, "by_faith", by_faith)
        set_(self, "by_faith_diocese", by_faith_diocese)
        set_(self, "join_dates", tuple(joins))


@dataclass(frozen=True, slots=True)
class ActiveIntervention:
    """An intervention against a trust that is still active."""

    intervention_id: str
    trust_uid: int
    kind: str
    issued_on: date | None


@dataclass(frozen=True, slots=True)
class _Factor:
    factor: str
    label: str
    raw: dict[str, Any]
    score: float | None
    weight: float
    reason: str

    @property
    def counted(self) -> bool:
        return self.score is not None and self.weight > 0

    @property
    def contribution(self) -> float:
        return self.weight * self.score if self.counted and self.score is not None else 0.0


@dataclass(frozen=True, slots=True)
class _Scored:
    trust: TrustProfile
    band: Band
    fit: float
    warnings: tuple[str, ...]
    concerns: tuple[ConcernWarning, ...] = ()


@dataclass(frozen=True, slots=True)
class _Case:
    """The case's schools and what every trust is measured against, worked out once."""

    schools: Sequence[SchoolFact]
    placed: list[tuple[int, int]]
    church: list[SchoolFact]
    pillars: Sequence[PillarWeight]
    factors: FactorWeights
    today: date
    # Growth is counted from here: worked out once per ranking, not once per trust.
    year_ago: date


def _is_church(faith: str | None) -> bool:
    return faith is not None and faith.strip().casefold() not in NON_FAITH


def phase_family(phase: str | None) -> str:
    """The family a GIAS phase belongs to for phase fit (special and other schools together)."""
    return PHASE_FAMILIES.get(phase or "", "special_or_other")


def _near(km: float) -> float:
    return 1 / (1 + km / HALF_SCORE_KM)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


# ------------------------------------------------------------------ scores
# The numbers: every trust is scored with these. The explanations below call the same
# functions for the trusts shown, so a reason can never disagree with the score.


def _pillar_score(trust: TrustProfile, pillar: str) -> float | None:
    judged = None if trust.assessment is None else trust.assessment.judgements.get(pillar)
    return None if judged is None else DESCRIPTOR_SCORES[judged.descriptor]


def _size_score(n: int) -> float:
    if n <= 1:
        return 0.4
    if n <= 4:
        return 0.7
    if n <= 40:
        return 1.0
    if n <= 80:
        return 0.8
    return 0.6


def growth_factor(rate: float) -> float:
    """1 for healthy growth, falling linearly to GROWTH_FLOOR for growth too fast to absorb."""
    if rate <= GROWTH_EASY:
        return 1.0
    if rate >= GROWTH_TOO_FAST:
        return GROWTH_FLOOR
    return 1.0 - (1.0 - GROWTH_FLOOR) * (rate - GROWTH_EASY) / (GROWTH_TOO_FAST - GROWTH_EASY)


def _growth(trust: TrustProfile, year_ago: date) -> tuple[int, float]:
    """Joins in the 12 months since ``year_ago``, and them as a share of the trust's size then."""
    joins = len(trust.join_dates) - bisect_right(trust.join_dates, year_ago)
    return joins, joins / max(len(trust.schools) - joins, 1)


def _capacity_score(trust: TrustProfile, taking: int, year_ago: date) -> float:
    _, rate = _growth(trust, year_ago)
    return _size_score(len(trust.schools) + taking) * growth_factor(rate)


def _distances_km(trust: TrustProfile, placed: list[tuple[int, int]]) -> tuple[float, float] | None:
    """Nearest and median km from the case's schools to the trust's (each to the nearest)."""
    if not placed or not trust.coords:
        return None
    hypot = math.hypot
    if len(placed) == 1:
        ce, cn = placed[0]
        metres = [hypot(e - ce, n - cn) for e, n in trust.coords]
    else:
        metres = [min(hypot(e - ce, n - cn) for ce, cn in placed) for e, n in trust.coords]
    return min(metres) / 1000, statistics.median(metres) / 1000


def _distance_score(trust: TrustProfile, km: tuple[float, float] | None) -> float | None:
    if not trust.schools:
        return 0.0  # nothing of the trust's is near: a fact, not missing evidence
    if km is None:
        return None
    return 0.5 * _near(km[0]) + 0.5 * _near(km[1])


def _local_counts(trust: TrustProfile, s: SchoolFact) -> tuple[int, int, bool]:
    same_la = trust.by_la.get(s.la_code, 0)
    district = s.district_name
    same_district = trust.by_district.get((s.la_code, district.casefold()), 0) if district else 0
    return same_district, same_la, s.region_code is not None and s.region_code in trust.regions


def _local_score(counts: tuple[int, int, bool]) -> float:
    same_district, same_la, in_region = counts
    return 1.0 if same_district else 0.8 if same_la else 0.3 if in_region else 0.0


def _phase_score(trust: TrustProfile, s: SchoolFact) -> float:
    family = phase_family(s.phase)
    if trust.by_family.get(family):
        return 1.0
    if trust.by_family.get("all_through") and family in ("primary", "secondary"):
        return 0.6
    return 0.2


def _faith_counts(trust: TrustProfile, s: SchoolFact) -> tuple[int, int]:
    character = s.religious_character or ""
    same = trust.by_faith.get(character, 0)
    return same, trust.by_faith_diocese.get((character, s.diocese), 0) if s.diocese else 0


def _faith_score(counts: tuple[int, int]) -> float:
    same, same_diocese = counts
    return 1.0 if same_diocese else 0.6 if same else 0.0


def _track_score(trust: TrustProfile) -> float | None:
    below, improved = trust.joined_below_good, trust.improved
    return None if below == 0 else (improved + 1) / (below + 2)


def _score(trust: TrustProfile, case: _Case, warnings: tuple[str, ...]) -> _Scored:
    """The trust's band and fit, from the numbers alone (no words: most are never shown)."""
    w = case.factors
    total = weight = 0.0
    has_pillar = False
    for p in case.pillars:
        score = _pillar_score(trust, p.pillar)
        if score is not None:
            total, weight, has_pillar = total + p.weight * score, weight + p.weight, True
    others = (
        (w.capacity, _capacity_score(trust, len(case.schools), case.year_ago)),
        (w.distance, _distance_score(trust, _distances_km(trust, case.placed))),
        (w.local_presence, _mean([_local_score(_local_counts(trust, s)) for s in case.schools])),
        (w.phase_fit, _mean([_phase_score(trust, s) for s in case.schools])),
        (
            w.faith_fit,
            _mean([_faith_score(_faith_counts(trust, s)) for s in case.church])
            if case.church
            else None,
        ),
        (w.track_record, _track_score(trust)),
    )
    for factor_weight, score in others:
        if score is not None and factor_weight > 0:
            total, weight = total + factor_weight * score, weight + factor_weight
    band: Band = "published_evidence" if has_pillar else "no_published_evidence"
    return _Scored(trust, band, total / weight if weight else 0.0, warnings)


# ------------------------------------------------------------------ words


def _pillars(trust: TrustProfile, pillars: Sequence[PillarWeight]) -> list[_Factor]:
    out = []
    assessment = trust.assessment
    for p in pillars:
        score = _pillar_score(trust, p.pillar)
        if assessment is None or score is None:
            # With no published assessment at all, the candidate's first reason says so once.
            why = "" if assessment is None else f"No published judgement on {p.pillar}"
            out.append(_Factor(f"pillar:{p.pillar}", p.pillar, {}, None, p.weight, why))
            continue
        judged = assessment.judgements[p.pillar]
        on = assessment.published_on.isoformat()
        out.append(
            _Factor(
                f"pillar:{p.pillar}",
                judged.pillar_name,
                {
                    "descriptor": judged.descriptor,
                    "assessment_id": assessment.assessment_id,
                    "published_on": on,
                },
                score,
                p.weight,
                f"{judged.descriptor.capitalize()} on {judged.pillar_name} (published {on})",
            )
        )
    return out


def _capacity(trust: TrustProfile, case: _Case) -> _Factor:
    n, taking = len(trust.schools), len(case.schools)
    joins, rate = _growth(trust, case.year_ago)
    reason = (
        f"Runs {n} open schools ({n + taking} after this case);"
        f" {joins} joined in the last 12 months"
    )
    if growth_factor(rate) < 1:
        reason += " (fast growth counts against)"
    raw = {
        "schools": n,
        "schools_after": n + taking,
        "joins_last_12_months": joins,
        "growth_rate": round(rate, 3),
    }
    score = _capacity_score(trust, taking, case.year_ago)
    return _Factor(
        "capacity", "Capacity and recent growth", raw, score, case.factors.capacity, reason
    )


def _distance(trust: TrustProfile, case: _Case) -> _Factor:
    km = _distances_km(trust, case.placed)
    score = _distance_score(trust, km)
    raw: dict[str, Any] = {}
    if not trust.schools:
        reason = "Runs no open schools to measure distance from"
    elif not case.placed:
        reason = "The case's school has no recorded location"
    elif km is None:
        reason = "The trust's schools have no recorded location"
    else:
        raw = {"nearest_km": round(km[0], 1), "median_km": round(km[1], 1)}
        reason = f"Nearest school {km[0]:.1f} km away; median {km[1]:.1f} km"
    return _Factor("distance", "Distance", raw, score, case.factors.distance, reason)


def _local(trust: TrustProfile, case: _Case) -> _Factor:
    scores, reasons = [], []
    raw: dict[str, Any] = {}
    for s in case.schools:
        counts = _local_counts(trust, s)
        same_district, same_la, in_region = counts
        scores.append(_local_score(counts))
        raw[str(s.urn)] = {
            "same_district": same_district,
            "same_la": same_la,
            "in_region": in_region,
        }
        if same_district:
            # Name the planning area when the district is one (e.g. Hastings).
            place = s.area if s.area and s.area.casefold() != s.la_name.casefold() else None
            reasons.append(
                f"{same_district} schools in {place or f'{s.district_name} ({s.la_name})'}"
            )
        elif same_la:
            reasons.append(f"{same_la} schools in {s.la_name}")
        elif in_region:
            reasons.append(f"No schools in {s.la_name}; present in the region")
        else:
            reasons.append(f"No schools in {s.la_name} or its region")
    reason = "; ".join(dict.fromkeys(reasons))
    return _Factor(
        "local_presence",
        "Local presence",
        raw,
        _mean(scores),
        case.factors.local_presence,
        reason,
    )


def _phase(trust: TrustProfile, case: _Case) -> _Factor:
    counts = trust.by_family
    scores, reasons = [], []
    for s in case.schools:
        score = _phase_score(trust, s)
        scores.append(score)
        phase = (s.phase or "unknown phase").lower()
        if score == 1.0:
            reasons.append(f"Runs {counts[phase_family(s.phase)]} {phase} schools")
        elif score == 0.6:
            reasons.append(f"Runs all-through schools but no other {phase} schools")
        else:
            reasons.append(f"Runs no {phase} schools")
    reason = "; ".join(dict.fromkeys(reasons))
    return _Factor(
        "phase_fit", "Phase fit", dict(counts), _mean(scores), case.factors.phase_fit, reason
    )


def _faith(trust: TrustProfile, case: _Case) -> _Factor:
    weight = case.factors.faith_fit
    if not case.church:
        return _Factor(
            "faith_fit", "Faith fit", {}, None, weight, "Not a church school: faith fit not applied"
        )
    scores, reasons = [], []
    raw: dict[str, Any] = {}
    for s in case.church:
        character = s.religious_character or ""
        counts = _faith_counts(trust, s)
        same, same_diocese = counts
        scores.append(_faith_score(counts))
        raw[str(s.urn)] = {"same_character": same, "same_diocese": same_diocese}
        if same_diocese:
            reasons.append(f"Runs {same_diocese} {character} schools in {s.diocese}")
        elif same:
            reasons.append(f"Runs {same} {character} schools, none in {s.diocese or 'its diocese'}")
        else:
            reasons.append(f"Runs no {character} schools")
    reason = "; ".join(dict.fromkeys(reasons))
    return _Factor(
        "faith_fit", "Religious character and diocese", raw, _mean(scores), weight, reason
    )


def _track(trust: TrustProfile, case: _Case) -> _Factor:
    below, improved = trust.joined_below_good, trust.improved
    raw = {"joined_below_good_reinspected": below, "now_good_or_better": improved}
    reason = (
        "No school that joined below good has been re-inspected in the trust yet"
        if below == 0
        else f"{improved} of {below} schools that joined below good are now good or better"
    )
    return _Factor(
        "track_record", "Track record", raw, _track_score(trust), case.factors.track_record, reason
    )


def _factors(trust: TrustProfile, case: _Case) -> tuple[_Factor, ...]:
    return (
        *_pillars(trust, case.pillars),
        _capacity(trust, case),
        _distance(trust, case),
        _local(trust, case),
        _phase(trust, case),
        _faith(trust, case),
        _track(trust, case),
    )


def _exclusion(
    trust: TrustProfile, case_urns: set[int], against: Sequence[ActiveIntervention]
) -> tuple[ExclusionCode, str] | None:
    if trust.closed:
        return "trust_closed", "The trust is closed"
    for kind, name in EXCLUDING_KINDS.items():
        hits = [i for i in against if i.kind == kind]
        if hits:
            on = hits[0].issued_on
            when = f" issued {on.isoformat()}" if on else ""
            code: ExclusionCode = kind  # type: ignore[assignment]
            return code, f"Under an active {name}{when}"
    runs = sorted(trust.urns & case_urns)
    if runs:
        return "already_runs_school", f"Already runs URN {', '.join(map(str, runs))}"
    return None


def _candidate(rank: int, s: _Scored, case: _Case) -> Candidate:
    assessment = s.trust.assessment
    factors = _factors(s.trust, case)
    used = [f for f in factors if f.factor.startswith("pillar:") and f.counted]
    reasons = [f.reason for f in factors if f.reason]
    if s.band == "no_published_evidence":
        reasons.insert(
            0, "No published evidence on this case's pillars: ranked after trusts with it"
        )
    return Candidate(
        rank=rank,
        band=s.band,
        trust_uid=s.trust.uid,
        trust_name=s.trust.name,
        fit=round(s.fit, 4),
        factors=[
            FactorScore(
                factor=f.factor,
                label=f.label,
                raw=f.raw,
                score=None if f.score is None else round(f.score, 4),
                weight=f.weight,
                contribution=round(f.contribution, 4),
                counted=f.counted,
            )
            for f in factors
        ],
        reasons=reasons,
        warnings=list(s.warnings),
        concern_warnings=list(s.concerns),
        assessment_ids=[assessment.assessment_id] if assessment is not None and used else [],
        evidence=[_coverage(assessment, p.pillar, case.today) for p in case.pillars],
    )


def _coverage(assessment: PublishedAssessment | None, pillar: str, today: date) -> EvidenceCoverage:
    judged = None if assessment is None else assessment.judgements.get(pillar)
    if assessment is None or judged is None:
        return EvidenceCoverage(pillar=pillar, published=False)
    return EvidenceCoverage(
        pillar=pillar,
        published=True,
        descriptor=judged.descriptor,
        published_on=assessment.published_on,
        age_days=(today - assessment.published_on).days,
        assessment_id=assessment.assessment_id,
    )


def rank_candidates(
    *,
    case: Sequence[SchoolFact],
    trusts: Iterable[TrustProfile],
    interventions: Sequence[ActiveIntervention],
    pillars: Sequence[PillarWeight],
    factors: FactorWeights,
    today: date,
    limit: int | None = None,
    excluded_limit: int | None = None,
    constraints: Constraints | None = None,
    concerns: Mapping[int, Sequence[ConcernWarning]] | None = None,
) -> CandidateList:
    """Every trust that could take ``case``'s schools, ranked and explained; exclusions
    (interventions, and the case's constraints) listed; ``concerns`` (open red or red-plus
    ones, by trust) are warnings on the trusts they are about, and change no score."""
    schools = sorted(case, key=lambda s: s.urn)
    constrained = [
        CaseSchool(s.religious_character, s.region_code, s.easting, s.northing) for s in schools
    ]
    the_case = _Case(
        schools=schools,
        placed=[
            (s.easting, s.northing)
            for s in schools
            if s.easting is not None and s.northing is not None
        ],
        church=[s for s in schools if _is_church(s.religious_character)],
        pillars=pillars,
        factors=factors,
        today=today,
        year_ago=today - timedelta(days=365),
    )
    case_urns = {s.urn for s in case}
    by_trust: dict[int, list[ActiveIntervention]] = {}
    for i in interventions:
        by_trust.setdefault(i.trust_uid, []).append(i)
    scored: list[_Scored] = []
    excluded: list[ExcludedTrust] = []
    not_considered: dict[str, int] = {}
    for trust in trusts:
        kind = NOT_CONSIDERED_TYPES.get(trust.trust_type or "")
        if kind is not None:
            not_considered[kind] = not_considered.get(kind, 0) + 1
            continue
        against = by_trust.get(trust.uid, [])
        out = _exclusion(trust, case_urns, against)
        if out is None and constraints is not None:
            reach = TrustReach(frozenset(trust.by_faith), trust.regions, trust.coords)
            out = removed_by(reach, constrained, constraints)
        if out is not None:
            excluded.append(
                ExcludedTrust(
                    trust_uid=trust.uid, trust_name=trust.name, reason_code=out[0], reason=out[1]
                )
            )
            continue
        warnings = tuple(
            f"Has an active {WARNING_KINDS[i.kind]}"
            + (f" issued {i.issued_on.isoformat()}" if i.issued_on else "")
            for i in sorted(against, key=lambda i: i.intervention_id)
            if i.kind in WARNING_KINDS
        )
        flagged = tuple((concerns or {}).get(trust.uid, ()))
        warnings += tuple(
            f"Has an open {c.rag.replace('_', ' ')} concern ({c.concern_type.replace('_', ' ')})"
            f" since {c.opened_on.isoformat()}"
            for c in flagged
        )
        scored.append(replace(_score(trust, the_case, warnings), concerns=flagged))
    # Rounded so float noise cannot reorder equal fits; equal fits go by trust UID.
    scored.sort(key=lambda s: (_ORDER[s.band], -round(s.fit, 9), s.trust.uid))
    # Interventions first (the exclusions a caseworker must know about), closed trusts last.
    excluded.sort(key=lambda e: (_EXCLUSION_ORDER.index(e.reason_code), e.trust_uid))
    shown = scored if limit is None else scored[:limit]
    return CandidateList(
        urns=[s.urn for s in schools],
        as_of=today,
        pillars=list(pillars),
        factors=factors,
        total_candidates=len(scored),
        candidates=[_candidate(n, s, the_case) for n, s in enumerate(shown, start=1)],
        next_cursor=cursor_of(limit) if limit is not None and len(scored) > limit else None,
        total_excluded=len(excluded),
        excluded=excluded if excluded_limit is None else excluded[:excluded_limit],
        not_considered=dict(sorted(not_considered.items())),
        method=METHOD,
        constraints=None if constraints is None else asdict(constraints),
    )
