"""The significant_change_types policy, pure: the shipped version passes its checks, a list
naming a type twice does not, and a proposal stored before the policy reads without one."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.commissioning.policy_book import POLICIES
from services.commissioning.significant_changes import domain
from services.commissioning.significant_changes.policy import (
    SIGNIFICANT_CHANGE_TYPES,
    SignificantChangeTypes,
)
from shared.contracts import all_contracts
from shared.contracts.significant_changes import SignificantChangeProposed
from shared.errors import UnprocessableContent

V1 = json.loads(
    (
        Path(__file__).parents[2]
        / "services/commissioning/policies/significant_change_types/v1.json"
    ).read_text("utf-8")
)
TYPES = domain.ChangeTypes(SignificantChangeTypes.model_validate(V1["document"]), 1)
TODAY = date(2026, 11, 20)


def test_the_shipped_version_passes_its_checks_and_one_naming_a_type_twice_does_not() -> None:
    kind = POLICIES.kind(SIGNIFICANT_CHANGE_TYPES)
    assert kind.check(TYPES.document) == []
    assert {"amalgamation", "faith_designation", "age_range"} <= set(TYPES.document.names())
    doubled = SignificantChangeTypes.model_validate(
        {"types": [*V1["document"]["types"], V1["document"]["types"][0]]}
    )
    assert kind.check(doubled) == ["type age_range is listed twice"]
    # Only an unverified source is a working assumption; the tier 3 list is checked.
    assert [s["verified"] for s in V1["sources"]] == [True, False, False, False]


def test_a_proposal_takes_its_tier_and_the_version_from_the_policy() -> None:
    [proposed] = domain.propose(
        "a" * 32,
        urn=100001,
        trust_uid=5001,
        change_type="faith_designation",
        description="Become a Church of England academy.",
        consultation_start=date(2026, 9, 1),
        consultation_end=date(2026, 9, 29),
        types=TYPES,
        today=TODAY,
    )
    assert isinstance(proposed, SignificantChangeProposed)
    assert (proposed.tier, proposed.types_policy_version) == ("tier_3", 1)
    with pytest.raises(UnprocessableContent) as refused:
        domain.propose(
            "a" * 32,
            urn=100001,
            trust_uid=5001,
            change_type="faith_designation",
            description="Too short a consultation.",
            consultation_start=date(2026, 9, 1),
            consultation_end=date(2026, 9, 28),
            types=TYPES,
            today=TODAY,
        )
    [error] = refused.value.extra["errors"]
    assert error["loc"] == ["body", "consultation_end"] and error["consultation_days_min"] == 28


def test_a_proposal_stored_before_the_policy_reads_with_no_policy_version() -> None:
    stored = {
        "significant_change_id": "b" * 32,
        "urn": 100001,
        "trust_uid": 5001,
        "change_type": "capacity",
        "tier": "fast_track",
        "description": "More places.",
        "consultation_start": "2026-01-01",
        "consultation_end": "2026-02-01",
        "proposed_on": "2026-01-01",
    }
    event = all_contracts().decode(SignificantChangeProposed.type_name, 1, stored)
    assert isinstance(event, SignificantChangeProposed)
    assert (event.tier, event.types_policy_version) == ("fast_track", None)
    with pytest.raises(ValidationError, match="types_policy_version"):
        SignificantChangeProposed.model_validate(stored)
