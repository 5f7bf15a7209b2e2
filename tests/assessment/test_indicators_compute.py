"""The indicators' pure computation: given facts about a trust's schools, exact figures."""

from __future__ import annotations

from datetime import date

import pytest

from services.assessment.indicators.compute import (
    Inspection,
    SchoolFacts,
    TrustFacts,
    compute_indicators,
    judgement,
    latest_judgement,
    median_pairwise_km,
    months_before,
    months_between,
)
from shared.contracts.registry import OfstedGrade, ReportCardGrade

AS_OF = date(2026, 11, 22)
TRUST = TrustFacts(uid=5001, name="Northern Lights Trust", status="Open")


def graded(on: date, grade: OfstedGrade) -> Inspection:
    return Inspection(framework="single_grade", inspection_start=on, overall_effectiveness=grade)


def card(on: date, **areas: ReportCardGrade) -> Inspection:
    return Inspection(framework="report_card", inspection_start=on, report_card=areas)


# ---------------------------------------------------------------- judgements


def test_a_single_grade_counts_by_its_overall_effectiveness() -> None:
    j = judgement(graded(date(2023, 5, 1), "requires_improvement"))
    assert j is not None
    assert (j.framework, j.outcome, j.good_or_better) == (
        "single_grade",
        "requires_improvement",
        False,
    )
    good = judgement(graded(date(2023, 5, 1), "good"))
    assert good is not None and good.good_or_better


def test_an_inspection_without_an_overall_grade_is_no_judgement_unless_in_a_category() -> None:
    assert (
        judgement(Inspection(framework="single_grade", inspection_start=date(2025, 1, 9))) is None
    )
    concern = judgement(
        Inspection(
            framework="single_grade",
            inspection_start=date(2025, 1, 9),
            category_of_concern="special_measures",
        )
    )
    assert concern is not None and concern.outcome == "inadequate"


def test_a_report_card_counts_by_its_lowest_area() -> None:
    j = judgement(
        card(
            date(2026, 1, 12),
            leadership_and_governance="strong_standard",
            inclusion="expected_standard",
            achievement="exceptional",
        )
    )
    assert j is not None and (j.outcome, j.good_or_better) == ("expected_standard", True)
    weak = judgement(
        card(
            date(2026, 1, 12),
            leadership_and_governance="exceptional",
            attendance_and_behaviour="needs_attention",
        )
    )
    assert weak is not None and (weak.outcome, weak.good_or_better) == ("needs_attention", False)


def test_ineffective_safeguarding_makes_a_report_card_urgent_improvement() -> None:
    j = judgement(
        Inspection(
            framework="report_card",
            inspection_start=date(2026, 2, 2),
            safeguarding_effective=False,
            report_card={"inclusion": "strong_standard"},
        )
    )
    assert j is not None and j.outcome == "urgent_improvement"
    assert judgement(Inspection(framework="report_card", inspection_start=date(2026, 2, 2))) is None


def test_the_latest_judgement_is_the_latest_graded_inspection_by_start() -> None:
    inspections = [
        graded(date(2019, 3, 1), "inadequate"),
        graded(date(2022, 6, 1), "good"),
        Inspection(framework="single_grade", inspection_start=date(2024, 10, 1)),  # ungraded
    ]
    latest = latest_judgement(reversed(inspections))
    assert latest is not None and (latest.outcome, latest.inspection_start) == (
        "good",
        date(2022, 6, 1),
    )
    assert latest_judgement([]) is None


# ------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2020, 9, 1), date(2021, 9, 1), 12),
        (date(2020, 9, 1), date(2021, 8, 31), 11),
        (date(2020, 1, 31), date(2020, 2, 29), 0),
        (date(2020, 9, 15), date(2020, 9, 15), 0),
    ],
)
def test_months_between_counts_whole_calendar_months(start: date, end: date, months: int) -> None:
    assert months_between(start, end) == months


def test_months_before_keeps_the_day_or_the_months_last() -> None:
    assert months_before(date(2026, 11, 22), 12) == date(2025, 11, 22)
    assert months_before(date(2026, 11, 22), 36) == date(2023, 11, 22)
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)


def test_median_pairwise_distance_in_km() -> None:
    assert median_pairwise_km([]) is None
    assert median_pairwise_km([(400_000, 300_000)]) is None
    # Pairs 5, 10 and 5 km apart.
    assert median_pairwise_km([(0, 0), (3000, 4000), (6000, 8000)]) == 5.0
    # A 3 km square: four sides of 3 km and two diagonals of 4.2426 km; median of six is 3.
    assert median_pairwise_km([(0, 0), (3000, 0), (0, 3000), (3000, 3000)]) == 3.0
    # Two pairs: the median is their mean, to 2 places.
    assert median_pairwise_km([(0, 0), (1000, 0)]) == 1.0
    assert median_pairwise_km([(0, 0), (1234, 0), (0, 0)]) == 1.23


# ------------------------------------------------------------- a whole trust


def _schools() -> list[SchoolFacts]:
    return [
        # Joined inadequate (its own judgement, a transfer), good 14 months later.
        SchoolFacts(
            urn=100001,
            name="Alder Primary",
            joined_on=date(2024, 9, 1),
            la_code="383",
            la_name="Leeds",
            region_code="D",
            region_name="Yorkshire and the Humber",
            phase="Primary",
            pupils=210,
            easting=430_000,
            northing=433_000,
            inspections=(
                graded(date(2018, 1, 10), "good"),
                graded(date(2023, 3, 7), "inadequate"),
                graded(date(2025, 11, 4), "good"),
            ),
        ),
        # A sponsored academy: no inspection of its own before joining, its predecessor's
        # last judgement was requires improvement; not inspected since.
        SchoolFacts(
            urn=100002,
            name="Birch Academy",
            joined_on=date(2026, 1, 1),
            la_code="383",
            la_name="Leeds",
            region_code="D",
            region_name="Yorkshire and the Humber",
            phase="Secondary",
            pupils=900,
            easting=433_000,
            northing=437_000,
            predecessor_inspections={
                200002: (
                    graded(date(2015, 5, 5), "good"),
                    graded(date(2024, 5, 5), "requires_improvement"),
                )
            },
        ),
        # Joined good: not in the improvement record; a report card since.
        SchoolFacts(
            urn=100003,
            name="Cedar School",
            joined_on=date(2020, 9, 1),
            la_code="384",
            la_name="Wakefield",
            region_code="D",
            region_name="Yorkshire and the Humber",
            phase="Primary",
            pupils=None,
            easting=436_000,
            northing=441_000,
            inspections=(
                graded(date(2019, 5, 1), "outstanding"),
                card(date(2026, 2, 3), inclusion="needs_attention", achievement="strong_standard"),
            ),
        ),
        # In another region, never inspected, no location, no phase.
        SchoolFacts(
            urn=100004,
            name="Damson Free School",
            joined_on=date(2023, 12, 1),
            la_code="873",
            la_name="Cambridgeshire",
            region_code="H",
            region_name="East of England",
            phase=None,
            pupils=120,
        ),
    ]


def test_a_trust_s_indicators_are_exact() -> None:
    result = compute_indicators(TRUST, _schools(), AS_OF)

    assert (result.trust_uid, result.trust_name, result.trust_status) == (5001, TRUST.name, "Open")
    assert result.as_of == AS_OF
    assert result.size.model_dump() == {
        "schools": 4,
        "pupils": 1230,
        "schools_without_pupil_count": 1,
    }

    ofsted = result.ofsted
    assert (ofsted.schools, ofsted.inspected, ofsted.not_inspected) == (4, 2, 2)
    assert ofsted.single_grade == {
        "outstanding": 0,
        "good": 1,
        "requires_improvement": 0,
        "inadequate": 0,
    }
    assert ofsted.report_card == {
        "exceptional": 0,
        "strong_standard": 0,
        "expected_standard": 0,
        "needs_attention": 1,
        "urgent_improvement": 0,
    }
    assert ofsted.report_card_areas == {
        "achievement": {
            "exceptional": 0,
            "strong_standard": 1,
            "expected_standard": 0,
            "needs_attention": 0,
            "urgent_improvement": 0,
        },
        "inclusion": {
            "exceptional": 0,
            "strong_standard": 0,
            "expected_standard": 0,
            "needs_attention": 1,
            "urgent_improvement": 0,
        },
    }
    assert (ofsted.good_or_better, ofsted.good_or_better_share) == (1, 0.5)

    record = result.improvement
    assert (record.joined_below_good, record.reinspected, record.improved_to_good_or_better) == (
        2,
        1,
        1,
    )
    assert record.median_days_to_first_judgement == 429.0
    alder, birch = record.schools
    assert (alder.urn, alder.before_urn, alder.before.outcome) == (100001, 100001, "inadequate")
    assert alder.first_after is not None and alder.first_after.outcome == "good"
    assert (alder.days_taken, alder.months_taken) == (429, 14)
    assert (birch.urn, birch.before_urn, birch.before.outcome) == (
        100002,
        200002,
        "requires_improvement",
    )
    assert (birch.first_after, birch.days_taken, birch.months_taken) == (None, None, None)

    assert result.growth.model_dump() == {"joined_last_12_months": 1, "joined_last_36_months": 3}

    geo = result.geography
    assert [(a.code, a.name, a.schools) for a in geo.local_authorities] == [
        ("383", "Leeds", 2),
        ("384", "Wakefield", 1),
        ("873", "Cambridgeshire", 1),
    ]
    assert [(r.code, r.schools) for r in geo.regions] == [("D", 3), ("H", 1)]
    # Alder-Birch 5 km, Birch-Cedar 5 km, Alder-Cedar 10 km.
    assert (geo.schools_located, geo.median_distance_km) == (3, 5.0)

    assert [(p.phase, p.schools) for p in result.phases] == [
        ("Primary", 2),
        ("Not recorded", 1),
        ("Secondary", 1),
    ]


def test_a_school_s_own_judgement_before_joining_outranks_its_predecessor_s() -> None:
    school = SchoolFacts(
        urn=100010,
        name="Elm",
        joined_on=date(2022, 9, 1),
        inspections=(graded(date(2021, 3, 3), "good"),),
        predecessor_inspections={200010: (graded(date(2021, 6, 6), "inadequate"),)},
    )
    assert compute_indicators(TRUST, [school], AS_OF).improvement.joined_below_good == 0


def test_an_inspection_on_the_day_a_school_joined_counts_as_after() -> None:
    school = SchoolFacts(
        urn=100011,
        name="Fir",
        joined_on=date(2022, 9, 1),
        inspections=(
            graded(date(2020, 3, 3), "inadequate"),
            graded(date(2022, 9, 1), "requires_improvement"),
        ),
    )
    (case,) = compute_indicators(TRUST, [school], AS_OF).improvement.schools
    assert case.first_after is not None and case.first_after.outcome == "requires_improvement"
    assert (case.days_taken, case.months_taken) == (0, 0)


def test_a_trust_with_no_schools_has_empty_figures() -> None:
    result = compute_indicators(TRUST, [], AS_OF)
    assert result.size.schools == 0
    assert result.ofsted.good_or_better_share is None
    assert result.improvement.median_days_to_first_judgement is None
    assert result.geography.median_distance_km is None
    assert result.phases == []
