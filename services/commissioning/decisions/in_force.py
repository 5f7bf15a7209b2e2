"""The decision policies in force on a day, read in the write's unit of work."""

from __future__ import annotations

from datetime import date

from services.commissioning.decisions.policy import (
    DECISION_MAKERS,
    DECISION_REASONS,
    DecisionMakers,
    DecisionReasons,
)
from services.commissioning.domain.decisions import DecisionPolicies
from services.commissioning.policy_book import POLICIES
from shared.eventlog.unit import UnitOfWork
from shared.policy.store import policy_in_force


async def decision_policies(uow: UnitOfWork, on: date) -> DecisionPolicies:
    """The coded reasons and who-may-decide-what in force on ``on``."""
    reasons = await policy_in_force(uow, POLICIES, DECISION_REASONS, on, DecisionReasons)
    makers = await policy_in_force(uow, POLICIES, DECISION_MAKERS, on, DecisionMakers)
    return DecisionPolicies(
        reasons=reasons.document,
        reasons_version=reasons.number,
        makers=makers.document,
        makers_version=makers.number,
    )
