"""The ofsted_categories policy as shipped: every combination its rules name, and its checks."""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files
from typing import Any

import pytest

from services.registry.ofsted.categories import (
    Graded,
    OfstedCategories,
    category_of,
    check,
    era_problem,
)
from shared.contracts import all_contracts
from shared.contracts.registry import OfstedFramework


def shipped(version: int = 1) -> OfstedCategories:
    path = f"policies/ofsted_categories/v{version}.json"
    text = files("services.registry").joinpath(path).read_text()
    return OfstedCategories.model_validate(json.loads(text)["document"])


DOC = shipped()
V2 = shipped(2)
SM, RSI = "special_measures", "requires_significant_improvement"


@pytest.mark.parametrize("doc", [DOC, V2], ids=["v1", "v2"])
def test_the_shipped_versions_pass_their_checks(doc: OfstedCategories) -> None:
    assert check(doc) == []


# Report cards: leadership and governance at urgent improvement or not, how many other
# areas at urgent improvement, safeguarding met or not: every combination, as DOMAIN.md
# states the rules (special measures needs leadership and governance at urgent improvement
# with another area at it or safeguarding not met).
REPORT_CARD = [
    # (L&G urgent, other urgent areas, safeguarding met, category)
    (False, 0, True, None),
    (False, 0, False, RSI),
    (False, 1, True, RSI),
    (False, 1, False, RSI),
    (False, 2, True, RSI),
    (False, 2, False, RSI),
    (True, 0, True, RSI),
    (True, 0, False, SM),
    (True, 1, True, SM),
    (True, 1, False, SM),
    (True, 2, True, SM),
    (True, 2, False, SM),
]


@pytest.mark.parametrize(("lg_urgent", "others", "met", "expected"), REPORT_CARD)
def test_report_card_categories(
    lg_urgent: bool, others: int, met: bool, expected: str | None
) -> None:
    grades = {
        "curriculum_and_teaching": "expected_standard",
        "attendance_and_behaviour": "strong_standard",
        "inclusion": "needs_attention",
        "achievement": "expected_standard",
        "leadership_and_governance": "urgent_improvement" if lg_urgent else "needs_attention",
    }
    for area in ("curriculum_and_teaching", "achievement")[:others]:
        grades[area] = "urgent_improvement"
    graded = Graded("report_card", grades, met)
    assert category_of(DOC, graded, None) == (expected, "derived" if expected else None, None)


KEY_JUDGEMENTS = [
    # (L&M inadequate, another judgement inadequate, safeguarding effective, category)
    (False, False, True, None),
    (False, False, False, RSI),
    (False, True, True, RSI),
    (False, True, False, RSI),
    (True, False, True, SM),
    (True, False, False, SM),
    (True, True, True, SM),
    (True, True, False, SM),
]


@pytest.mark.parametrize(("lm", "other", "effective", "expected"), KEY_JUDGEMENTS)
def test_key_judgement_categories(
    lm: bool, other: bool, effective: bool, expected: str | None
) -> None:
    grades = {
        "quality_of_education": "inadequate" if other else "requires_improvement",
        "behaviour_and_attitudes": "good",
        "personal_development": "good",
        "leadership_and_management": "inadequate" if lm else "requires_improvement",
    }
    graded = Graded("key_judgements", grades, effective)
    assert category_of(DOC, graded, None) == (expected, "derived" if expected else None, None)


@pytest.mark.parametrize("overall", ["outstanding", "good", "requires_improvement", "inadequate"])
@pytest.mark.parametrize(
    ("given", "read_as"),
    [
        (None, None),
        ("Special measures", SM),
        ("Serious weaknesses", RSI),
        ("requires significant improvement", RSI),
    ],
)
def test_single_grade_categories_come_from_the_file_beside_inadequate_only(
    overall: str, given: str | None, read_as: str | None
) -> None:
    graded = Graded("single_grade", {"overall_effectiveness": overall}, True)
    category, basis, problem = category_of(DOC, graded, given)
    if given is None:
        # Never derived: inspectors chose, and only the file can say which.
        assert (category, basis, problem) == (None, None, None)
    elif overall == "inadequate":
        assert (category, basis, problem) == (read_as, "given", None)
    else:
        assert category is None
        assert problem is not None and problem.startswith("contradicts the grades")


def test_a_given_category_is_preferred_to_the_derived_one() -> None:
    # Derivation would say special measures; the file says requires significant improvement.
    graded = Graded("key_judgements", {"leadership_and_management": "inadequate"}, True)
    assert category_of(DOC, graded, "Serious weaknesses") == (RSI, "given", None)


def test_a_category_with_no_failing_grade_contradicts_the_grades() -> None:
    graded = Graded("report_card", {"leadership_and_governance": "needs_attention"}, True)
    _, _, problem = category_of(DOC, graded, "Special measures")
    assert problem == (
        "contradicts the grades: no report card inspection with these grades is in a"
        " category of concern"
    )


def test_an_unknown_category_word_is_a_problem() -> None:
    graded = Graded("single_grade", {"overall_effectiveness": "inadequate"}, True)
    _, _, problem = category_of(DOC, graded, "Notice to improve")
    assert problem is not None and problem.startswith("is not a category of concern")


def test_ungraded_inspections_keep_a_given_category_and_derive_none() -> None:
    assert category_of(DOC, Graded("ungraded", {}, None), None) == (None, None, None)
    assert category_of(DOC, Graded("ungraded", {}, None), "Special measures") == (
        SM,
        "given",
        None,
    )


@pytest.mark.parametrize(
    ("framework", "start", "wrong"),
    [
        ("single_grade", date(2024, 8, 31), False),
        ("single_grade", date(2024, 9, 1), True),
        ("key_judgements", date(2024, 8, 31), True),
        ("key_judgements", date(2024, 9, 1), False),
        ("key_judgements", date(2025, 11, 9), False),
        ("key_judgements", date(2025, 11, 10), True),
        ("report_card", date(2025, 11, 9), True),
        ("report_card", date(2025, 11, 10), False),
        ("ungraded", date(2010, 1, 1), False),
    ],
)
def test_each_era_has_its_days(framework: OfstedFramework, start: date, wrong: bool) -> None:
    assert (era_problem(DOC, framework, start) is not None) is wrong


def test_a_version_naming_unknown_areas_and_grades_lists_every_problem() -> None:
    raw: dict[str, Any] = DOC.model_dump(mode="json")
    del raw["frameworks"]["ungraded"]
    rule = raw["frameworks"]["report_card"]["derive"][0]
    rule["when_any"] = [[{"areas": ["leadership"], "grades": ["failing"]}]]
    problems = check(OfstedCategories.model_validate(raw))
    assert problems == [
        "framework ungraded has no rules",
        "framework report_card: condition names unknown area leadership",
        "framework report_card: condition names unknown grade failing",
    ]


def test_a_stored_version_1_inspection_reads_in_todays_words() -> None:
    stored = {
        "urn": 100001,
        "framework": "single_grade",
        "inspection_start": "2015-02-01",
        "overall_effectiveness": "inadequate",
        "category_of_concern": "serious_weaknesses",
        "safeguarding_effective": False,
        "report_card": {},
    }
    event = all_contracts().decode("registry.OfstedInspectionRecorded", 1, stored)
    assert event.model_dump(mode="json", exclude_defaults=True) == {
        "urn": 100001,
        "framework": "single_grade",
        "inspection_start": "2015-02-01",
        "overall_effectiveness": "inadequate",
        "category_of_concern": "requires_significant_improvement",
        "category_as_published": "Serious weaknesses",
        "category_basis": "given",
        "safeguarding_effective": False,
    }
    plain = {**stored, "overall_effectiveness": "good", "category_of_concern": None}
    decoded = all_contracts().decode("registry.OfstedInspectionRecorded", 1, plain)
    assert decoded.model_dump(exclude_defaults=True)["overall_effectiveness"] == "good"
    assert "category_basis" not in decoded.model_dump(exclude_defaults=True)


# Version 2's key-judgement rules (Ofsted's September 2024 handbook): a category follows an
# inadequate key judgement or ineffective safeguarding; with quality of education and
# personal development both acceptable it is serious weaknesses (read as requires
# significant improvement); with either inadequate, only the file can say which.
NEEDED = "needed"
KEY_JUDGEMENTS_V2 = [
    # (QoE, PD, B&A, L&M inadequate?, safeguarding effective, category or NEEDED)
    (False, False, False, False, True, None),
    (False, False, False, False, False, RSI),
    (False, False, True, False, True, RSI),
    (False, False, False, True, True, RSI),
    (False, False, True, True, False, RSI),
    (True, False, False, False, True, NEEDED),
    (False, True, False, False, True, NEEDED),
    (True, True, False, True, False, NEEDED),
]


@pytest.mark.parametrize(("qoe", "pd", "ba", "lm", "effective", "expected"), KEY_JUDGEMENTS_V2)
def test_key_judgement_categories_v2(
    qoe: bool, pd: bool, ba: bool, lm: bool, effective: bool, expected: str | None
) -> None:
    def grade(bad: bool) -> str:
        return "inadequate" if bad else "requires_improvement"

    grades = {
        "quality_of_education": grade(qoe),
        "personal_development": grade(pd),
        "behaviour_and_attitudes": grade(ba),
        "leadership_and_management": grade(lm),
    }
    category, basis, problem = category_of(V2, Graded("key_judgements", grades, effective), None)
    if expected == NEEDED:
        assert (category, basis) == (None, None)
        assert problem is not None and problem.startswith("is needed")
    else:
        assert (category, basis, problem) == (expected, "derived" if expected else None, None)


@pytest.mark.parametrize("area", ["early_years", "sixth_form"])
def test_v2_early_years_or_sixth_form_alone_is_no_category(area: str) -> None:
    grades = {"quality_of_education": "good", "leadership_and_management": "good"}
    graded = Graded("key_judgements", {**grades, area: "inadequate"}, True)
    assert category_of(V2, graded, None) == (None, None, None)
    _, _, problem = category_of(V2, graded, "Special measures")
    assert problem is not None and problem.startswith("contradicts the grades")


def test_v2_a_file_settles_what_the_grades_cannot() -> None:
    graded = Graded("key_judgements", {"quality_of_education": "inadequate"}, True)
    assert category_of(V2, graded, "Special measures") == (SM, "given", None)
    assert category_of(V2, graded, "Serious weaknesses") == (RSI, "given", None)
