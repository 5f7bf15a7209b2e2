"""A trust's indicators, computed in the assessment service from the registry's events.

``router`` serves ``GET /trusts/{uid}/indicators``; ``indicators_projection()`` is the
consumer that keeps them; ``load_indicators`` reads them (for the profile, or evidence);
``rebuild_indicators`` replays them from the log.
"""

from __future__ import annotations

from services.assessment.indicators.api import router
from services.assessment.indicators.projection import (
    PROJECTION_NAME,
    indicators_projection,
    rebuild_indicators,
)
from services.assessment.indicators.queries import load_indicators, trust_is_known
from services.assessment.indicators.schemas import TrustIndicators

__all__ = [
    "PROJECTION_NAME",
    "TrustIndicators",
    "indicators_projection",
    "load_indicators",
    "rebuild_indicators",
    "router",
    "trust_is_known",
]
