"""The shipped intervention policy's versions, read on the days the law changed.

Versions 3-5 correct versions 1 and 2 (researched against the 2026 Act, Hansard and DfE's
guidance as summarised): which version is in force on a day decides what a case team may do.
"""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files

import pytest

from services.commissioning.school_interventions.policy import InterventionPolicy, check
from shared.contracts.policy import PolicyVersionFields
from shared.policy.versions import in_force

FOLDER = files("services.commissioning").joinpath("policies/intervention")
SM, RSI = "special_measures", "requires_significant_improvement"


class Shipped:
    """A shipped version as the log would hold it, with its document read."""

    def __init__(self, number: int, text: str) -> None:
        fields = {**json.loads(text), "policy": "intervention", "policy_version": number}
        self.version = PolicyVersionFields.model_validate(fields)
        self.policy_version = number
        self.document = InterventionPolicy.model_validate(self.version.document)


def shipped() -> list[Shipped]:
    out = [
        Shipped(int(f.name.removeprefix("v").removesuffix(".json")), f.read_text())
        for f in FOLDER.iterdir()
        if f.name.endswith(".json")
    ]
    return sorted(out, key=lambda v: v.policy_version)


VERSIONS = shipped()


def on(day: date) -> Shipped:
    found = in_force([v.version for v in VERSIONS], day)
    assert found is not None
    return VERSIONS[found.policy_version - 1]


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: f"v{v.policy_version}")
def test_every_shipped_version_passes_its_checks(version: Shipped) -> None:
    assert check(version.document) == []


@pytest.mark.parametrize("category", [SM, RSI])
def test_before_the_act_an_academy_order_was_a_duty_and_could_not_be_withheld(
    category: str,
) -> None:
    v = on(date(2025, 6, 1))
    assert v.policy_version == 3
    maintained = v.document.pathway(category, "maintained")
    assert maintained is not None and maintained.allowed_after(None) == ["dao_issued"]
    trust = v.document.pathway(category, "trust")
    assert trust is not None and "direction_to_trust" not in [s.step for s in trust.steps]


def test_from_29_june_2026_the_order_is_a_power_and_a_trust_may_be_directed() -> None:
    v = on(date(2026, 6, 29))
    assert v.policy_version == 4
    rsi = v.document.pathway(RSI, "maintained")
    assert rsi is not None and rsi.allowed_after(None) == ["dao_issued", "dao_not_issued"]
    # Until September 2026 structural intervention stayed the default: no RISE window first.
    assert "structural_route" in rsi.allowed_after("dao_not_issued")
    trust = v.document.pathway(SM, "trust")
    assert trust is not None and trust.allowed_after(None) == ["direction_to_trust"]


@pytest.mark.parametrize("kind", ["maintained", "academy"])
@pytest.mark.parametrize(("day", "number"), [(date(2026, 12, 5), 5), (date(2026, 12, 6), 6)])
def test_from_september_2026_rise_comes_before_structural_change(
    kind: str, day: date, number: int
) -> None:
    v = on(day)
    assert v.policy_version == number
    rsi = v.document.pathway(RSI, kind)
    assert rsi is not None
    structural = "structural_route" if kind == "maintained" else "termination_warning_notice"
    step = rsi.step(structural)
    assert step is not None and step.after == ["rise_ended"] and step.needs_rise_window_ended


def test_an_academy_in_either_category_faces_a_presumed_warning_notice_first() -> None:
    for day in (date(2025, 6, 1), date(2026, 7, 1)):
        for category in (SM, RSI):
            academy = on(day).document.pathway(category, "academy")
            assert academy is not None
            assert "termination_warning_notice" in academy.allowed_after(None)


def test_whole_trust_pathways_begin_with_version_6_and_keep_school_pathways_whole() -> None:
    before, after = on(date(2026, 12, 5)), on(date(2026, 12, 6))
    assert all(v.document.trust_pathways is None for v in VERSIONS[:5])
    assert after.document.pathways == before.document.pathways
    assert after.document.notices == before.document.notices
    trusts = after.document.trust_pathways
    assert trusts is not None
    breach = trusts.pathway("breach_of_academy_arrangements")
    failing = trusts.pathway("trust_inspection_failing")
    assert breach is not None and failing is not None
    assert breach.allowed_after(None) == ["direction_to_trust"]
    assert breach.allowed_after("direction_to_trust") == [
        "direction_complied",
        "termination_warning_notice",
    ]
    assert failing.allowed_after(None) == ["termination_warning_notice"]
    assert failing.allowed_after("termination_warning_notice") == [
        "termination_notice",
        "notice_withdrawn",
    ]
    notice = failing.step("termination_notice")
    assert notice is not None and notice.opens_case == "rebrokerage"
    assert failing.failing_rules_met({"leadership_and_governance": "Urgent improvement"})
    assert not failing.failing_rules_met({"leadership_and_governance": "Needs attention"})
