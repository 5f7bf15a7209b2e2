"""Significant changes to academies: the list where the caller acts, newest first; one change
with the proposal, its consultation, each objection and the decision with its reasons, each
with who recorded it, as commissioning's API gives it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from commissioning_client.models import SignificantChangePage as ChangeList
from commissioning_client.models import SignificantChangeView

from services.console.views.common import (
    Pagination,
    SummaryRow,
    given,
    label,
    long_date,
    rows,
)

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


@dataclass(frozen=True)
class ChangeRow:
    """A change in the list: its academy, type and tier, and where it has got to."""

    href: str
    school: str
    change: str
    tier: str
    proposed: str
    consultation_end: str
    outcome: str


@dataclass(frozen=True)
class ChangeListView:
    """The changes the caller may see, newest proposal first, a page at a time."""

    changes: list[ChangeRow]
    pagination: Pagination

    @classmethod
    def build(cls, page: ChangeList, *, cursor: str = "") -> ChangeListView:
        """From commissioning's page (``cursor``: the one this page was asked with)."""
        out = []
        for c in page.items:
            outcome = given(c.outcome)
            decided = given(c.decided_on)
            out.append(
                ChangeRow(
                    href=f"/significant-changes/{c.significant_change_id}",
                    school=f"{given(c.school_name) or 'School'} ({c.urn})",
                    change=label(c.change_type),
                    tier=label(c.tier),
                    proposed=long_date(c.proposed_on),
                    consultation_end=long_date(c.consultation_end),
                    outcome=(
                        f"{label(outcome)} on {long_date(decided)}"
                        if outcome is not None
                        else "Not decided"
                    ),
                )
            )
        return cls(
            changes=out,
            pagination=Pagination.build(
                "/significant-changes",
                {"cursor": cursor},
                given(page.next_cursor),
                fragment="changes",
            ),
        )
