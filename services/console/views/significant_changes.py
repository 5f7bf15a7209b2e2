"""A significant change to an academy: the proposal, its consultation, each objection and the
decision with its reasons, each with who recorded it, as commissioning's API gives it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from commissioning_client.models import SignificantChangeView

from services.console.views.common import SummaryRow, label, long_date, rows

CHANGE_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class ObjectionRow:
    """An objection received during the consultation."""

    objector: str
    summary: str
    received: str
    recorded_by: str


@dataclass(frozen=True)
class SignificantChangePage:
    """One significant change."""

    title: str
    proposal: list[SummaryRow]
    objections: list[ObjectionRow]
    decision: list[SummaryRow]
    conditions: list[str]

    @classmethod
    def build(cls, change: SignificantChangeView, school_name: str | None) -> SignificantChangePage:
        """From commissioning's view and the school's name (from the registry; None when it
        could not be read)."""
        school = school_name or f"School {change.urn}"
        proposal = [
            SummaryRow("Academy", f"{school} ({change.urn})", f"/schools/{change.urn}"),
            SummaryRow("Trust", f"Trust {change.trust_uid}", f"/trusts/{change.trust_uid}"),
            *rows(
                [
                    ("Change", label(change.change_type)),
                    ("Tier", change.tier),
                    ("Description", change.description),
                    (
                        "Consultation",
                        f"{long_date(change.consultation_start)} to"
                        f" {long_date(change.consultation_end)}",
                    ),
                    ("Proposed", f"{long_date(change.proposed_on)} by {change.proposed_by}"),
                ]
            ),
        ]
        d = change.decision
        decision = (
            rows(
                [
                    ("Outcome", label(d.outcome.value)),
                    ("Decided on", long_date(d.decided_on)),
                    (
                        "Decision maker",
                        f"{d.decision_maker_name} ({label(d.decision_maker_grade.value)})",
                    ),
                    ("Reasons", d.reasons),
                    ("Objections considered", d.objections_considered),
                    ("Likely equality impact", d.equality.likely_impact if d.equality else ""),
                    ("Mitigation", d.equality.mitigation if d.equality else ""),
                    ("Recorded by", d.recorded_by),
                ]
            )
            if d
            else []
        )
        return cls(
            title=f"{label(change.change_type)}: {school}",
            proposal=proposal,
            objections=[
                ObjectionRow(o.objector, o.summary, long_date(o.received_on), o.recorded_by)
                for o in change.objections
            ],
            decision=decision,
            conditions=list(d.conditions) if d else [],
        )
