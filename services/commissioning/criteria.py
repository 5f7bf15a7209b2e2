"""What matters for a case: the pillars and factors it weighs, and the defaults per trigger.

The pillar keys are those of the DfE framework ("Commissioning high-quality trusts", 2023)
as the assessment service seeds it (``services/assessment/seeds/dfe_trust_quality_2023.json``);
a test checks they agree. A case weighs only the pillars it names: "not every
aspect of the descriptions will be relevant to every decision".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.contracts.commissioning import CaseTrigger, FactorWeights, PillarWeight
from shared.errors import UnprocessableContent

QUALITY_OF_EDUCATION = "education"
SCHOOL_IMPROVEMENT = "school_improvement"
WORKFORCE = "workforce"
FINANCE_AND_OPERATIONS = "finance_operations"
GOVERNANCE_AND_LEADERSHIP = "governance_leadership"

PILLAR_KEYS: tuple[str, ...] = (
    QUALITY_OF_EDUCATION,
    SCHOOL_IMPROVEMENT,
    WORKFORCE,
    FINANCE_AND_OPERATIONS,
    GOVERNANCE_AND_LEADERSHIP,
)


def _pillars(weights: dict[str, float]) -> tuple[PillarWeight, ...]:
    return tuple(PillarWeight(pillar=key, weight=w) for key, w in weights.items())


# Why each default leans as it does is the trigger's question: an inadequate school needs a
# trust that improves schools; a closing or failing trust's schools need sound governance
# and finances as well; growth tests capacity; a local authority's request values presence.
_DEFAULTS: dict[str, tuple[tuple[PillarWeight, ...], FactorWeights]] = {
    "inadequate_dao": (
        _pillars(
            {
                QUALITY_OF_EDUCATION: 3,
                SCHOOL_IMPROVEMENT: 3,
                GOVERNANCE_AND_LEADERSHIP: 1.5,
                WORKFORCE: 1,
                FINANCE_AND_OPERATIONS: 1,
            }
        ),
        FactorWeights(track_record=2),
    ),
    "rebrokerage": (
        _pillars(
            {
                SCHOOL_IMPROVEMENT: 3,
                QUALITY_OF_EDUCATION: 2,
                GOVERNANCE_AND_LEADERSHIP: 2,
                FINANCE_AND_OPERATIONS: 1.5,
                WORKFORCE: 1,
            }
        ),
        FactorWeights(track_record=2),
    ),
    "trust_closure": (
        _pillars(
            {
                QUALITY_OF_EDUCATION: 2,
                SCHOOL_IMPROVEMENT: 2,
                GOVERNANCE_AND_LEADERSHIP: 2,
                FINANCE_AND_OPERATIONS: 2,
                WORKFORCE: 1,
            }
        ),
        FactorWeights(capacity=1.5),
    ),
    "voluntary_conversion": (
        _pillars(
            {
                QUALITY_OF_EDUCATION: 2,
                SCHOOL_IMPROVEMENT: 1,
                GOVERNANCE_AND_LEADERSHIP: 1,
                FINANCE_AND_OPERATIONS: 1,
                WORKFORCE: 1,
            }
        ),
        FactorWeights(local_presence=1.5),
    ),
    "trust_growth": (
        _pillars(
            {
                QUALITY_OF_EDUCATION: 2,
                SCHOOL_IMPROVEMENT: 2,
                GOVERNANCE_AND_LEADERSHIP: 2,
                FINANCE_AND_OPERATIONS: 2,
                WORKFORCE: 1.5,
            }
        ),
        FactorWeights(capacity=2),
    ),
    "la_request": (
        _pillars(
            {
                QUALITY_OF_EDUCATION: 2,
                SCHOOL_IMPROVEMENT: 2,
                GOVERNANCE_AND_LEADERSHIP: 1,
                FINANCE_AND_OPERATIONS: 1,
                WORKFORCE: 1,
            }
        ),
        FactorWeights(local_presence=2),
    ),
    "free_school": (
        _pillars(
            {
                QUALITY_OF_EDUCATION: 2,
                WORKFORCE: 2,
                FINANCE_AND_OPERATIONS: 1.5,
                GOVERNANCE_AND_LEADERSHIP: 1.5,
                SCHOOL_IMPROVEMENT: 1,
            }
        ),
        FactorWeights(capacity=1.5),
    ),
}


def default_criteria(trigger: CaseTrigger) -> tuple[tuple[PillarWeight, ...], FactorWeights]:
    """The pillars and factor weights a case with this trigger weighs until someone sets them."""
    return _DEFAULTS[trigger]


def check_pillars(pillars: Sequence[PillarWeight]) -> None:
    """Refuse unknown pillar keys and a pillar named twice (422, naming them)."""
    unknown = sorted({p.pillar for p in pillars} - set(PILLAR_KEYS))
    if unknown:
        raise UnprocessableContent(
            "Unknown pillars: " + ", ".join(unknown) + ".",
            extra={"unknown_pillars": unknown, "known_pillars": list(PILLAR_KEYS)},
        )
    keys = [p.pillar for p in pillars]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise UnprocessableContent(
            "Each pillar may be weighed once: " + ", ".join(twice) + ".",
            extra={"repeated_pillars": twice},
        )


def criteria_json(pillars: Sequence[PillarWeight], factors: FactorWeights) -> dict[str, Any]:
    """The stored form of a case's effective criteria (the table contract's ``criteria``)."""
    return {
        "pillars": [p.model_dump(mode="json") for p in pillars],
        "factors": factors.model_dump(mode="json"),
    }
