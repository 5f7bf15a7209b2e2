"""An Ofsted inspection as the console shows it: in the words of its own era."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.console.views.common import label, long_date


@dataclass(frozen=True)
class Inspection:
    """One Ofsted inspection, in the terms of its own era."""

    date: str
    outcome: str
    framework: str


def ofsted_outcome(inspection: Mapping[str, Any]) -> str:
    """An inspection's outcome in its own era's words."""
    overall = inspection.get("overall_effectiveness")
    if overall:
        return label(overall)
    # A report card's areas, or the 2024/25 key judgements: each era in its own words.
    card: Mapping[str, Any] = (
        inspection.get("report_card") or inspection.get("key_judgements") or {}
    )
    if card:
        return "; ".join(f"{label(k)}: {label(v)}" for k, v in sorted(card.items()) if v)
    if inspection.get("ungraded_outcome"):
        return str(inspection["ungraded_outcome"])
    concern = inspection.get("category_of_concern")
    return label(concern) if concern else "No single grade"


def inspection_of(found: Mapping[str, Any]) -> Inspection:
    """An inspection as the registry's history and views keep it."""
    return Inspection(
        date=long_date(found.get("inspection_start")),
        outcome=ofsted_outcome(found),
        framework=label(found.get("framework")),
    )
