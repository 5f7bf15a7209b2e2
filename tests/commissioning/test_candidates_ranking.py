"""The candidate ranking, pure: each factor, exclusions, the missing-evidence band, determinism."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from services.commissioning.candidates.ranking import (
    ActiveIntervention,
    Judgement,
    MemberSchool,
    PublishedAssessment,
    TrustProfile,
    growth_factor,
    rank_candidates,
)
from services.commissioning.candidates.schemas import Candidate, CandidateList
from services.commissioning.knowledge.facts import SchoolFact
from shared.contracts.commissioning import FactorWeights, PillarWeight

TODAY = date(2026, 11, 22)
PILLARS = [
    PillarWeight(pillar="school_improvement", weight=3),
    PillarWeight(pillar="education", weight=2),
]
# Only the pillars count, unless a test turns a factor on.
PILLARS_ONLY = FactorWeights(
    capacity=0, distance=0, local_presence=0, phase_fit=0, faith_fit=0, track_record=0
)


def school(urn: int = 100001, **kw: object) -> SchoolFact:
    base: dict[str, object] = dict(
        urn=urn,
        name="Hastings Primary",
        la_code="845",
        la_name="East Sussex",
        region_code="J",
        region_name="South East",
        district_code="E07000062",
        district_name="Hastings",
        area="Hastings",
        phase="Primary",
        status="Open",
        closed=False,
        religious_character="Does not apply",
        diocese=None,
        pupils=200,
        easting=580000,
        northing=110000,
        trust_uid=None,
        ofsted_grade="inadequate",
        ofsted_date=date(2026, 5, 1),
    )
    base.update(kw)
    return SchoolFact.model_validate(base)


def member(urn: int, **kw: object) -> MemberSchool:
    base: dict[str, object] = dict(
        urn=urn,
        la_code="845",
        la_name="East Sussex",
        district="Rother",
        region_code="J",
        phase="Primary",
        easting=580000,
        northing=113000,
        faith="Does not apply",
        diocese=None,
        joined_on=date(2020, 9, 1),
    )
    base.update(kw)
    return MemberSchool(**base)  # type: ignore[arg-type]


def assessment(uid: int, **descriptors: str) -> PublishedAssessment:
    names = {"school_improvement": "School improvement", "education": "High-quality education"}
    return PublishedAssessment(
        assessment_id=f"{uid:032x}",
        published_on=date(2026, 3, 1),
        judgements={p: Judgement(p, names.get(p, p), d) for p, d in descriptors.items()},
    )


def trust(uid: int, *, schools: int = 8, **kw: object) -> TrustProfile:
    base: dict[str, object] = dict(
        uid=uid,
        name=f"Trust {uid}",
        trust_type="multi_academy_trust",
        closed=False,
        schools=tuple(member(200000 + uid * 100 + i) for i in range(schools)),
        joined_below_good=0,
        improved=0,
        assessment=assessment(uid, school_improvement="secure", education="secure"),
    )
    base.update(kw)
    return TrustProfile(**base)  # type: ignore[arg-type]


def rank(
    trusts: list[TrustProfile],
    *,
    case: list[SchoolFact] | None = None,
    factors: FactorWeights = PILLARS_ONLY,
    pillars: list[PillarWeight] = PILLARS,
    interventions: list[ActiveIntervention] | None = None,
    limit: int | None = None,
) -> CandidateList:
    return rank_candidates(
        case=case or [school()],
        trusts=trusts,
        interventions=interventions or [],
        pillars=pillars,
        factors=factors,
        today=TODAY,
        limit=limit,
    )


def only(factor: str) -> FactorWeights:
    return PILLARS_ONLY.model_copy(update={factor: 1.0})


def factor_of(c: Candidate, name: str) -> dict[str, object]:
    return next(f for f in c.factors if f.factor == name).model_dump()


def uids(result: CandidateList) -> list[int]:
    return [c.trust_uid for c in result.candidates]


def test_published_judgements_order_trusts_and_are_explained() -> None:
    strong = trust(1, assessment=assessment(1, school_improvement="strong", education="secure"))
    secure = trust(2)
    concerns = trust(3, assessment=assessment(3, school_improvement="concerns", education="strong"))
    result = rank([concerns, secure, strong])
    assert uids(result) == [1, 2, 3]
    top = result.candidates[0]
    assert top.rank == 1 and top.band == "published_evidence"
    assert "Strong on School improvement (published 2026-03-01)" in top.reasons
    assert "Secure on High-quality education (published 2026-03-01)" in top.reasons
    assert top.assessment_ids == [f"{1:032x}"]
    si = factor_of(top, "pillar:school_improvement")
    assert si["score"] == 1.0 and si["weight"] == 3 and si["contribution"] == 3.0
    assert si["raw"] == {
        "descriptor": "strong",
        "assessment_id": f"{1:032x}",
        "published_on": "2026-03-01",
    }
    # Fit is (3 x 1 + 2 x 2/3) / 5, over the weights counted.
    assert top.fit == pytest.approx((3 + 2 * 2 / 3) / 5, abs=1e-4)


def test_the_case_weights_decide_which_pillar_matters() -> None:
    a = trust(1, assessment=assessment(1, school_improvement="strong", education="developing"))
    b = trust(2, assessment=assessment(2, school_improvement="developing", education="strong"))
    improvement_first = [
        PillarWeight(pillar="school_improvement", weight=5),
        PillarWeight(pillar="education", weight=1),
    ]
    education_first = [
        PillarWeight(pillar="school_improvement", weight=1),
        PillarWeight(pillar="education", weight=5),
    ]
    assert uids(rank([a, b], pillars=improvement_first)) == [1, 2]
    assert uids(rank([a, b], pillars=education_first)) == [2, 1]


def test_a_trust_without_published_evidence_is_ranked_in_its_own_band_not_scored_high_or_low() -> (
    None
):
    assessed = trust(
        5, assessment=assessment(5, school_improvement="developing", education="developing")
    )
    unassessed = trust(1, assessment=None)
    result = rank([unassessed, assessed], factors=FactorWeights())
    assert uids(result) == [5, 1]
    last = result.candidates[1]
    assert last.band == "no_published_evidence"
    assert last.reasons[0].startswith("No published evidence")
    assert sum("published evidence" in r for r in last.reasons) == 1
    assert last.assessment_ids == []
    pillar = factor_of(last, "pillar:school_improvement")
    assert pillar["counted"] is False and pillar["score"] is None and pillar["contribution"] == 0
    # Its fit comes from the other factors only, whose weights alone divide it.
    counted = [f for f in last.factors if f.counted]
    assert counted and all(not f.factor.startswith("pillar:") for f in counted)
    assert last.fit == pytest.approx(
        sum(f.contribution for f in counted) / sum(f.weight for f in counted), abs=1e-3
    )


def test_a_pillar_the_assessment_did_not_judge_is_left_out_not_scored_zero() -> None:
    partial = trust(1, assessment=assessment(1, school_improvement="secure"))
    result = rank([partial])
    c = result.candidates[0]
    assert c.band == "published_evidence"
    assert factor_of(c, "pillar:education")["counted"] is False
    assert "No published judgement on education" in c.reasons
    assert c.fit == pytest.approx(2 / 3, abs=1e-4)


def test_exclusions_are_listed_with_reasons_and_a_warning_letter_only_warns() -> None:
    trusts = [trust(uid) for uid in range(1, 8)]
    trusts[0] = replace(trusts[0], closed=True)
    trusts[5] = replace(trusts[5], trust_type="single_academy_trust")
    interventions = [
        ActiveIntervention("a" * 32, 2, "notice_to_improve", date(2026, 1, 5)),
        ActiveIntervention("b" * 32, 3, "termination_warning_notice", date(2026, 2, 5)),
        ActiveIntervention("c" * 32, 4, "termination_notice", date(2026, 3, 5)),
        ActiveIntervention("d" * 32, 5, "nti_warning_letter", date(2026, 4, 5)),
    ]
    runs_it = replace(trusts[6], schools=(member(100001), *trusts[6].schools))
    trusts[6] = runs_it
    result = rank(trusts, interventions=interventions)
    assert uids(result) == [5]
    assert result.candidates[0].warnings == ["Has an active NTI warning letter issued 2026-04-05"]
    assert [(e.trust_uid, e.reason_code, e.reason) for e in result.excluded] == [
        (4, "termination_notice", "Under an active termination notice issued 2026-03-05"),
        (
            3,
            "termination_warning_notice",
            "Under an active termination warning notice issued 2026-02-05",
        ),
        (2, "notice_to_improve", "Under an active notice to improve issued 2026-01-05"),
        (7, "already_runs_school", "Already runs URN 100001"),
        (1, "trust_closed", "The trust is closed"),
    ]
    assert result.total_excluded == 5
    assert result.not_considered == {"single_academy_trusts": 1}


def test_distance_is_nearest_and_median_in_km_and_nearer_ranks_higher() -> None:
    near = trust(2, schools=0)
    near = replace(
        near,
        schools=(
            member(1, easting=580000, northing=113000),
            member(2, easting=580000, northing=120000),
            member(3, easting=590000, northing=110000),
        ),
    )
    far = replace(trust(1, schools=0), schools=(member(4, easting=480000, northing=110000),))
    result = rank([far, near], factors=only("distance"))
    assert uids(result) == [2, 1]
    d = factor_of(result.candidates[0], "distance")
    assert d["raw"] == {"nearest_km": 3.0, "median_km": 10.0}
    assert d["score"] == pytest.approx(0.5 / 1.3 + 0.5 / 2.0, abs=1e-4)
    assert "Nearest school 3.0 km away; median 10.0 km" in result.candidates[0].reasons
    assert factor_of(result.candidates[1], "distance")["raw"] == {
        "nearest_km": 100.0,
        "median_km": 100.0,
    }


def test_a_group_of_schools_measures_each_trust_school_to_the_nearest_case_school() -> None:
    case = [school(100001), school(100002, easting=600000, northing=110000)]
    t = replace(trust(1, schools=0), schools=(member(1, easting=601000, northing=110000),))
    d = factor_of(rank([t], case=case, factors=only("distance")).candidates[0], "distance")
    assert d["raw"] == {"nearest_km": 1.0, "median_km": 1.0}


def test_capacity_counts_size_and_fast_growth_counts_against() -> None:
    steady = trust(2, schools=10)
    fast = replace(
        trust(1, schools=0),
        schools=tuple(
            member(i, joined_on=date(2026, 6, 1) if i < 6 else date(2019, 9, 1)) for i in range(10)
        ),
    )
    result = rank([fast, steady], factors=only("capacity"))
    assert uids(result) == [2, 1]
    grown = factor_of(result.candidates[1], "capacity")
    assert grown["raw"] == {
        "schools": 10,
        "schools_after": 11,
        "joins_last_12_months": 6,
        "growth_rate": 1.5,
    }
    assert grown["score"] == pytest.approx(0.2)
    assert any("fast growth counts against" in r for r in result.candidates[1].reasons)
    assert growth_factor(0.25) == 1.0 and growth_factor(2.0) == 0.2
    assert growth_factor(0.625) == pytest.approx(0.6)


def test_local_presence_prefers_the_same_area_then_la_then_region() -> None:
    in_hastings = replace(trust(4, schools=0), schools=(member(1, district="Hastings"),))
    in_la = replace(trust(3, schools=0), schools=(member(2, district="Rother"),))
    in_region = replace(
        trust(2, schools=0),
        schools=(member(3, la_code="850", la_name="Hampshire", district="Winchester"),),
    )
    elsewhere = replace(
        trust(1, schools=0),
        schools=(member(4, la_code="383", la_name="Leeds", region_code="D", district="Leeds"),),
    )
    result = rank([elsewhere, in_region, in_la, in_hastings], factors=only("local_presence"))
    assert uids(result) == [4, 3, 2, 1]
    assert [factor_of(c, "local_presence")["score"] for c in result.candidates] == [
        1.0,
        0.8,
        0.3,
        0.0,
    ]
    assert "1 schools in Hastings" in result.candidates[0].reasons
    assert "1 schools in East Sussex" in result.candidates[1].reasons
    assert "No schools in East Sussex or its region" in result.candidates[3].reasons


def test_phase_fit() -> None:
    primary = trust(3)
    all_through = replace(trust(2, schools=0), schools=(member(1, phase="All-through"),))
    secondary = replace(trust(1, schools=0), schools=(member(2, phase="Secondary"),))
    result = rank([secondary, all_through, primary], factors=only("phase_fit"))
    assert uids(result) == [3, 2, 1]
    assert [factor_of(c, "phase_fit")["score"] for c in result.candidates] == [1.0, 0.6, 0.2]
    assert "Runs 8 primary schools" in result.candidates[0].reasons
    assert "Runs no primary schools" in result.candidates[2].reasons


def test_faith_fit_for_a_church_school_and_not_for_others() -> None:
    ce = school(religious_character="Church of England", diocese="Diocese of Chichester")
    same = replace(
        trust(3, schools=0),
        schools=(member(1, faith="Church of England", diocese="Diocese of Chichester"),),
    )
    other = replace(
        trust(2, schools=0),
        schools=(member(2, faith="Church of England", diocese="Diocese of Rochester"),),
    )
    none_ = trust(1)
    result = rank([none_, other, same], case=[ce], factors=only("faith_fit"))
    assert uids(result) == [3, 2, 1]
    assert [factor_of(c, "faith_fit")["score"] for c in result.candidates] == [1.0, 0.6, 0.0]
    assert (
        "Runs 1 Church of England schools in Diocese of Chichester" in result.candidates[0].reasons
    )
    plain = rank([same], factors=only("faith_fit")).candidates[0]
    assert factor_of(plain, "faith_fit")["counted"] is False
    assert "Not a church school: faith fit not applied" in plain.reasons


def test_track_record_of_schools_that_joined_below_good() -> None:
    proven = trust(3, joined_below_good=4, improved=4)
    poor = trust(2, joined_below_good=4, improved=0)
    untested = trust(1)
    result = rank([untested, poor, proven], factors=only("track_record"))
    # Without a record the trust is neither helped nor held back: it sits between the two.
    assert uids(result) == [3, 1, 2]
    assert factor_of(result.candidates[0], "track_record")["score"] == pytest.approx(
        5 / 6, abs=1e-4
    )
    assert factor_of(result.candidates[2], "track_record")["score"] == pytest.approx(
        1 / 6, abs=1e-4
    )
    assert (
        "4 of 4 schools that joined below good are now good or better"
        in result.candidates[0].reasons
    )
    untested_factor = factor_of(
        next(c for c in result.candidates if c.trust_uid == 1), "track_record"
    )
    assert untested_factor["counted"] is False


def test_ranking_is_deterministic_and_ties_go_by_trust_uid() -> None:
    trusts = [trust(uid) for uid in (9, 3, 7, 1, 5)] + [
        trust(2, assessment=None),
        trust(4, assessment=None),
    ]
    first = rank(trusts, factors=FactorWeights())
    shuffled = trusts[:]
    random.Random(7).shuffle(shuffled)
    again = rank(shuffled, factors=FactorWeights())
    assert first == again
    assert uids(first) == [1, 3, 5, 7, 9, 2, 4]
    assert [c.rank for c in first.candidates] == list(range(1, 8))


def test_a_weight_of_zero_leaves_a_factor_out_and_limit_cuts_the_list() -> None:
    result = rank([trust(uid) for uid in range(1, 6)], limit=2)
    assert result.total_candidates == 5 and uids(result) == [1, 2]
    for name in ("capacity", "distance", "local_presence", "phase_fit", "track_record"):
        f = factor_of(result.candidates[0], name)
        assert f["counted"] is False and f["contribution"] == 0
