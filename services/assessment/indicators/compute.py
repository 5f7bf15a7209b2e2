"""A trust's indicators from facts about its schools: pure, no I/O, no clock (``as_of`` is given).

How inspections are counted (the issue left it open):

- A single-grade inspection counts by its overall effectiveness. One with no overall grade
  (an ungraded inspection, or a graded one after September 2024, which has none) is not a
  judgement and is skipped, unless it put the school in a category of concern: inadequate.
- A report card counts by its lowest evaluation area, so a school is "expected standard or
  better" only if no area is below it; a category of concern or ineffective safeguarding
  counts as urgent improvement. Expected standard or better is treated as good or better.
- A school's latest judgement is its latest graded inspection by start date, under its own
  URN. The improvement record also looks at predecessor establishments (an academy that
  replaced a maintained school has a new URN and no inspection of its own before joining).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Any, get_args

from services.assessment.indicators.schemas import (
    AreaCount,
    Framework,
    Geography,
    Growth,
    ImprovementCase,
    ImprovementRecord,
    Judgement,
    OfstedProfile,
    PhaseCount,
    Size,
    TrustIndicators,
    TrustInspection,
    TrustInspections,
)
from shared.contracts.registry import OfstedGrade, ReportCardGrade

SINGLE_GRADES: tuple[OfstedGrade, ...] = get_args(OfstedGrade)  # best first
REPORT_CARD_GRADES: tuple[ReportCardGrade, ...] = get_args(ReportCardGrade)  # best first
_GOOD_OR_BETTER = frozenset(
    {"outstanding", "good", "exceptional", "strong_standard", "expected_standard"}
)
_CARD_RANK = {grade: rank for rank, grade in enumerate(REPORT_CARD_GRADES)}
UNKNOWN_PHASE = "Not recorded"


@dataclass(frozen=True)
class Inspection:
    """An Ofsted inspection as the registry recorded it."""

    framework: str
    inspection_start: date
    overall_effectiveness: OfstedGrade | None = None
    category_of_concern: str | None = None
    safeguarding_effective: bool | None = None
    report_card: Mapping[str, ReportCardGrade] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Inspection:
        """From the JSON kept in the read model (the event's own field names)."""
        return cls(
            framework=data["framework"],
            inspection_start=date.fromisoformat(data["inspection_start"]),
            overall_effectiveness=data.get("overall_effectiveness"),
            category_of_concern=data.get("category_of_concern"),
            safeguarding_effective=data.get("safeguarding_effective"),
            report_card=data.get("report_card") or {},
        )


@dataclass(frozen=True)
class SchoolFacts:
    """What the indicators need to know about one of the trust's current schools."""

    urn: int
    name: str
    joined_on: date | None
    la_code: str | None = None
    la_name: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    phase: str | None = None
    pupils: int | None = None
    easting: int | None = None
    northing: int | None = None
    inspections: Sequence[Inspection] = ()
    # Each predecessor's inspections, by its URN.
    predecessor_inspections: Mapping[int, Sequence[Inspection]] = field(default_factory=dict)


@dataclass(frozen=True)
class TrustFacts:
    """The trust itself, and Ofsted's inspections of it (oldest first, the event's fields)."""

    uid: int
    name: str
    status: str
    inspections: Sequence[Mapping[str, Any]] = ()


def _trust_inspections(trust: TrustFacts, as_of: date) -> TrustInspections:
    # Shown as recorded, never weighed: nothing else in the indicators reads them.
    seen = [
        TrustInspection(
            inspection_id=i["inspection_id"],
            inspection_start=i["inspection_start"],
            publication_date=i.get("publication_date"),
            inspection_type=i.get("inspection_type"),
            outcomes=i["outcomes"],
            source=i.get("report_url") or f"Ofsted trust inspection file {i['source_file']}",
            format_version=i["format_version"],
        )
        for i in trust.inspections
    ]
    history = sorted(
        (i for i in seen if i.inspection_start <= as_of),
        key=lambda i: (i.inspection_start, i.inspection_id),
        reverse=True,
    )
    return TrustInspections(latest=history[0] if history else None, history=history)


def _worst(card: list[ReportCardGrade]) -> ReportCardGrade | None:
    if not card:
        return None
    return max(card, key=lambda grade: _CARD_RANK[grade])


def judgement(inspection: Inspection) -> Judgement | None:
    """The outcome an inspection counts as, or None if it gave no judgement."""
    outcome: OfstedGrade | ReportCardGrade | None
    concern = inspection.category_of_concern is not None
    framework: Framework = "report_card"
    if inspection.framework != "report_card":
        # Single grades, and the 2024/25 and ungraded inspections that have no overall grade.
        framework = "single_grade"
        outcome = inspection.overall_effectiveness or ("inadequate" if concern else None)
    else:
        card: list[ReportCardGrade] = list(inspection.report_card.values())
        if concern or inspection.safeguarding_effective is False:
            card.append("urgent_improvement")
        outcome = _worst(card)
    if outcome is None:
        return None
    return Judgement(
        framework=framework,
        outcome=outcome,
        inspection_start=inspection.inspection_start,
        good_or_better=outcome in _GOOD_OR_BETTER,
    )


# A graded inspection and what it counts as.
_Graded = tuple[Inspection, Judgement]


def _graded(inspections: Iterable[Inspection]) -> list[_Graded]:
    """The graded inspections with their judgements, oldest first (by start)."""
    found = [(i, j) for i in inspections if (j := judgement(i)) is not None]
    return sorted(found, key=lambda pair: pair[1].inspection_start)


def latest_judgement(inspections: Iterable[Inspection]) -> Judgement | None:
    """The latest graded inspection by start date."""
    graded = _graded(inspections)
    return graded[-1][1] if graded else None


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (negative if end is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier, the month's last day if it has fewer."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def median_pairwise_km(points: Sequence[tuple[int, int]]) -> float | None:
    """Median straight-line distance over every pair of (easting, northing) points, in km."""
    if len(points) < 2:
        return None
    distances = [
        math.hypot(x1 - x2, y1 - y2)
        for i, (x1, y1) in enumerate(points)
        for x2, y2 in points[i + 1 :]
    ]
    return round(median(distances) / 1000, 2)


def _ofsted(schools: Sequence[SchoolFacts], graded: Sequence[list[_Graded]]) -> OfstedProfile:
    latest = [own[-1] for own in graded if own]
    judged = [j for _, j in latest]
    single = Counter(j.outcome for j in judged if j.framework == "single_grade")
    card = Counter(j.outcome for j in judged if j.framework == "report_card")
    areas: dict[str, Counter[ReportCardGrade]] = {}
    for inspection, j in latest:
        if j.framework == "report_card":
            for area, grade in inspection.report_card.items():
                areas.setdefault(area, Counter())[grade] += 1
    good = sum(j.good_or_better for j in judged)
    return OfstedProfile(
        schools=len(schools),
        inspected=len(judged),
        not_inspected=len(schools) - len(judged),
        single_grade={g: single[g] for g in SINGLE_GRADES},
        report_card={g: card[g] for g in REPORT_CARD_GRADES},
        report_card_areas={
            area: {g: counts[g] for g in REPORT_CARD_GRADES}
            for area, counts in sorted(areas.items())
        },
        good_or_better=good,
        good_or_better_share=round(good / len(judged), 4) if judged else None,
    )


def _improvement_case(school: SchoolFacts, graded: list[_Graded]) -> ImprovementCase | None:
    joined = school.joined_on
    if joined is None:
        return None
    own = [j for _, j in graded]
    before = [(j, school.urn) for j in own if j.inspection_start < joined]
    if not before:
        # Nothing of its own before it joined: its predecessors' last judgement stands.
        before = [
            (j, urn)
            for urn, inspections in school.predecessor_inspections.items()
            for _, j in _graded(inspections)
            if j.inspection_start < joined
        ]
    if not before:
        return None
    last, whose = max(before, key=lambda pair: (pair[0].inspection_start, pair[1] == school.urn))
    if last.good_or_better:
        return None
    after = next((j for j in own if j.inspection_start >= joined), None)
    return ImprovementCase(
        urn=school.urn,
        name=school.name,
        joined_on=joined,
        before=last,
        before_urn=whose,
        first_after=after,
        days_taken=None if after is None else (after.inspection_start - joined).days,
        months_taken=None if after is None else months_between(joined, after.inspection_start),
    )


def _improvement(
    schools: Sequence[SchoolFacts], graded: Sequence[list[_Graded]]
) -> ImprovementRecord:
    cases = [c for c in map(_improvement_case, schools, graded) if c is not None]
    cases.sort(key=lambda c: (c.joined_on, c.urn))
    days = [c.days_taken for c in cases if c.days_taken is not None]
    return ImprovementRecord(
        joined_below_good=len(cases),
        reinspected=len(days),
        improved_to_good_or_better=sum(
            1 for c in cases if c.first_after is not None and c.first_after.good_or_better
        ),
        median_days_to_first_judgement=float(median(days)) if days else None,
        schools=cases,
    )


def _growth(schools: Sequence[SchoolFacts], as_of: date) -> Growth:
    joined = [s.joined_on for s in schools if s.joined_on is not None and s.joined_on <= as_of]
    since_12, since_36 = months_before(as_of, 12), months_before(as_of, 36)
    return Growth(
        joined_last_12_months=sum(1 for d in joined if d > since_12),
        joined_last_36_months=sum(1 for d in joined if d > since_36),
    )


def _areas(pairs: Iterable[tuple[str | None, str | None]]) -> list[AreaCount]:
    counts = Counter(pairs)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0] or "~"))
    return [AreaCount(code=code, name=name, schools=n) for (code, name), n in ordered]


def _geography(schools: Sequence[SchoolFacts]) -> Geography:
    points = [
        (s.easting, s.northing) for s in schools if s.easting is not None and s.northing is not None
    ]
    return Geography(
        local_authorities=_areas((s.la_code, s.la_name) for s in schools),
        regions=_areas((s.region_code, s.region_name) for s in schools),
        schools_located=len(points),
        median_distance_km=median_pairwise_km(points),
    )


def compute_indicators(
    trust: TrustFacts, schools: Sequence[SchoolFacts], as_of: date
) -> TrustIndicators:
    """The trust's indicators over ``schools``, its current schools, on the day ``as_of``."""
    ordered = sorted(schools, key=lambda s: s.urn)
    phases = Counter(s.phase or UNKNOWN_PHASE for s in ordered)
    graded = [_graded(s.inspections) for s in ordered]  # judged once, counted twice
    return TrustIndicators(
        trust_uid=trust.uid,
        trust_name=trust.name,
        trust_status=trust.status,
        as_of=as_of,
        size=Size(
            schools=len(ordered),
            pupils=sum(s.pupils or 0 for s in ordered),
            schools_without_pupil_count=sum(1 for s in ordered if s.pupils is None),
        ),
        ofsted=_ofsted(ordered, graded),
        improvement=_improvement(ordered, graded),
        growth=_growth(ordered, as_of),
        geography=_geography(ordered),
        phases=[
            PhaseCount(phase=p, schools=n)
            for p, n in sorted(phases.items(), key=lambda item: (-item[1], item[0]))
        ],
        trust_inspections=_trust_inspections(trust, as_of),
    )
