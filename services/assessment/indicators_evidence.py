"""A trust's indicators as evidence: a dated snapshot, written into one evidence item.

The indicators themselves are the indicators package's (computed from the registry's events);
this module only reads them and words them. The item keeps the figures in its summary and
the share of inspected schools good or better as its metric, so the evidence stays as it was
on the day even when the indicators move on.
"""

from __future__ import annotations

import asyncpg

from services.assessment.domain import RecordEvidence
from services.assessment.indicators import TrustIndicators, load_indicators
from shared.contracts.assessment import Metric
from shared.errors import NotFound


async def load_trust_indicators(pool: asyncpg.Pool, uid: int) -> TrustIndicators | None:
    """The trust's indicators, or None when the registry's events do not know the trust."""
    try:
        return await load_indicators(pool, uid)
    except NotFound:
        return None


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.0f}%"


def trust_inspection_summary(ind: TrustIndicators) -> str:
    """Ofsted's latest inspection of the trust in its own words, or that there is none."""
    latest = ind.trust_inspections.latest
    if latest is None:
        return "Ofsted trust inspection: none recorded."
    outcomes = "; ".join(f"{o.heading}: {o.outcome}" for o in latest.outcomes)
    return (
        f"Ofsted trust inspection from {latest.inspection_start} ({outcomes}; source"
        f" {latest.source}), as Ofsted worded it, not a pillar grade."
    )


def indicators_summary(ind: TrustIndicators) -> str:
    """The indicators in a few plain sentences, figures only, no grade."""
    ofsted = ind.ofsted
    improvement = ind.improvement
    geography = ind.geography
    phases = ", ".join(f"{p.phase} {p.schools}" for p in ind.phases) or "none"
    distance = (
        "n/a" if geography.median_distance_km is None else f"{geography.median_distance_km} km"
    )
    return (
        f"Indicators for {ind.trust_name} (uid {ind.trust_uid}) as of {ind.as_of}. "
        f"Size: {ind.size.schools} schools, {ind.size.pupils} pupils. "
        f"Ofsted: {ofsted.inspected} of {ofsted.schools} schools inspected, "
        f"{ofsted.good_or_better} good or better ({_percent(ofsted.good_or_better_share)}). "
        f"Improvement: {improvement.joined_below_good} joined below good, "
        f"{improvement.reinspected} reinspected since, "
        f"{improvement.improved_to_good_or_better} now good or better. "
        f"Growth: {ind.growth.joined_last_12_months} joined in the last 12 months, "
        f"{ind.growth.joined_last_36_months} in the last 36. "
        f"Geography: {len(geography.local_authorities)} local authorities, "
        f"{len(geography.regions)} regions, median distance between schools {distance}. "
        f"Phases: {phases}. {trust_inspection_summary(ind)}"
    )


def indicators_evidence(
    ind: TrustIndicators,
    *,
    evidence_id: str,
    pillar: str,
    theme: str | None,
    recorded_by: str,
) -> RecordEvidence:
    """The command recording ``ind`` as one evidence item of kind ``indicators``."""
    share = ind.ofsted.good_or_better_share
    metric = (
        Metric(name="Inspected schools good or better", value=round(share * 100, 2), unit="%")
        if share is not None
        else Metric(name="Schools", value=float(ind.size.schools), unit="schools")
    )
    return RecordEvidence(
        evidence_id=evidence_id,
        pillar=pillar,
        theme=theme,
        kind="indicators",
        summary=indicators_summary(ind)[:4000],
        source_reference=f"strongtrusts indicators, GET /trusts/{ind.trust_uid}/indicators",
        observed_on=ind.as_of,
        metric=metric,
        recorded_by=recorded_by,
    )
