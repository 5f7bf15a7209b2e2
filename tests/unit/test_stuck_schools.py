"""The stuck_schools policy as shipped, on hand-made histories covering each era's rule."""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files
from typing import Any

import pytest

from services.registry.stuck.rules import StuckSchools, check, stuck


def shipped() -> StuckSchools:
    text = files("services.registry").joinpath("policies/stuck_schools/v1.json").read_text()
    return StuckSchools.model_validate(json.loads(text)["document"])


DOC = shipped()


def single(on: str, grade: str, **more: Any) -> dict[str, Any]:
    return {
        "framework": "single_grade",
        "inspection_start": on,
        "overall_effectiveness": grade,
        **more,
    }


def kj(on: str, qoe: str, lm: str, **more: Any) -> dict[str, Any]:
    judgements = {
        "quality_of_education": qoe,
        "behaviour_and_attitudes": "good",
        "personal_development": "good",
        "leadership_and_management": lm,
    }
    return {
        "framework": "key_judgements",
        "inspection_start": on,
        "key_judgements": judgements,
        **more,
    }


def card(on: str, lg: str) -> dict[str, Any]:
    areas = {"curriculum_and_teaching": "expected_standard", "leadership_and_governance": lg}
    return {"framework": "report_card", "inspection_start": on, "report_card": areas}


def ungraded(on: str) -> dict[str, Any]:
    return {"framework": "ungraded", "inspection_start": on, "ungraded_outcome": "Improving"}


RI, GOOD, INADEQUATE = "requires_improvement", "good", "inadequate"

CASES = [
    # (what, history oldest first, stuck?)
    ("single grades: RI after RI", [single("2018-01-10", RI), single("2022-01-10", RI)], True),
    (
        "single grades: RI after inadequate",
        [single("2018-01-10", INADEQUATE), single("2022-01-10", RI)],
        True,
    ),
    ("single grades: RI after good", [single("2018-01-10", GOOD), single("2022-01-10", RI)], False),
    ("single grades: good after RI", [single("2018-01-10", RI), single("2022-01-10", GOOD)], False),
    (
        "2024/25: leadership RI after a single RI",
        [single("2021-01-10", RI), kj("2025-01-15", GOOD, RI)],
        True,
    ),
    (
        "2024/25: quality of education RI after a single RI",
        [single("2021-01-10", RI), kj("2025-01-15", RI, GOOD)],
        True,
    ),
    (
        "2024/25: all good after a single RI",
        [single("2021-01-10", RI), kj("2025-01-15", GOOD, GOOD)],
        False,
    ),
    (
        "2024/25: QoE RI after 2024/25 below good",
        [kj("2024-10-01", RI, RI), kj("2025-10-01", RI, GOOD)],
        True,
    ),
    (
        "report card: L&G needs attention after 2024/25 QoE RI",
        [kj("2025-01-15", RI, GOOD), card("2026-01-14", "needs_attention")],
        True,
    ),
    (
        "report card: L&G expected after 2024/25 QoE RI",
        [kj("2025-01-15", RI, GOOD), card("2026-01-14", "expected_standard")],
        False,
    ),
    (
        "report card: needs attention after a good single grade",
        [single("2019-01-10", GOOD), card("2026-01-14", "needs_attention")],
        False,
    ),
    (
        "report card: after an urgent-improvement report card",
        [card("2025-11-20", "urgent_improvement"), card("2026-09-14", "needs_attention")],
        True,
    ),
    (
        "an ungraded visit in between is passed over",
        [single("2018-01-10", RI), single("2022-01-10", RI), ungraded("2023-05-01")],
        True,
    ),
    (
        "an ungraded visit is not the previous inspection",
        [single("2018-01-10", GOOD), ungraded("2020-01-10"), single("2022-01-10", RI)],
        False,
    ),
    ("one inspection is not enough", [single("2022-01-10", RI)], False),
    (
        "in a category of concern now: structural, not RISE",
        [
            single("2021-01-10", RI),
            kj("2025-01-15", RI, INADEQUATE, category_of_concern="special_measures"),
        ],
        False,
    ),
]


@pytest.mark.parametrize(("what", "history", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_eras_rule(what: str, history: list[dict[str, Any]], expected: bool) -> None:
    found = stuck(DOC, list(reversed(history)), lambda _: None, None)
    assert (found is not None) is expected, what
    if found is not None:
        graded = [i for i in history if i["framework"] != "ungraded"]
        assert (found.previous, found.latest) == (graded[-2], graded[-1])


def test_a_school_that_changed_trust_since_the_previous_inspection_is_not_stuck() -> None:
    history = [single("2018-01-10", RI), single("2022-01-10", RI)]

    def trust_on(day: date) -> int | None:
        return 11 if day < date(2020, 9, 1) else 22

    assert stuck(DOC, history, trust_on, 22) is None
    assert stuck(DOC, history, lambda _: 22, 22) is not None


def test_the_shipped_version_passes_its_checks_and_a_broken_one_lists_every_problem() -> None:
    assert check(DOC) == []
    raw = DOC.model_dump(mode="json")
    del raw["latest"]["report_card"]
    raw["previous"]["key_judgements"] = [[{"areas": ["leadership"], "grades": ["poor"]}]]
    raw["previous"]["ungraded"] = [[{}]]
    assert check(StuckSchools.model_validate(raw)) == [
        "latest: era report_card has no rule",
        "previous: key_judgements has no area leadership",
        "previous: key_judgements has no grade poor",
        "previous: ungraded inspections are not graded",
    ]
