"""Schools: the search page and a school's own page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commissioning_client.models import CasePage
from registry_client.models import SchoolHistory, SchoolPage, SchoolView, StuckSchool

from services.console.views.common import (
    Choice,
    Pagination,
    SummaryRow,
    event_label,
    given,
    label,
    long_date,
    rows,
)
from services.console.views.ofsted import Inspection, inspection_of
from services.console.views.stuck import StuckView

PHASES = (
    "Nursery",
    "Primary",
    "Middle deemed primary",
    "Secondary",
    "Middle deemed secondary",
    "16 plus",
    "All-through",
    "Not applicable",
)
REGIONS = (
    ("A", "North East"),
    ("B", "North West"),
    ("D", "Yorkshire and the Humber"),
    ("E", "East Midlands"),
    ("F", "West Midlands"),
    ("G", "East of England"),
    ("H", "London"),
    ("J", "South East"),
    ("K", "South West"),
)
OFSTED_EVENT = "OfstedInspectionRecorded"


@dataclass(frozen=True)
class SchoolFilters:
    """What the search page was asked for, as the query string carries it."""

    q: str = ""
    la: str = ""
    region: str = ""
    phase: str = ""
    in_trust: str = ""
    cursor: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> SchoolFilters:
        """The filters in a query string (unknown keys ignored)."""
        return cls(**{k: query.get(k, "").strip() for k in cls.__dataclass_fields__})

    def api_in_trust(self) -> bool | None:
        """The ``in_trust`` filter for the registry."""
        return {"yes": True, "no": False}.get(self.in_trust)

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def regions(self) -> list[Choice]:
        """The region filter's options."""
        return [Choice("", "Any region", not self.region)] + [
            Choice(code, name, code == self.region) for code, name in REGIONS
        ]

    def phases(self) -> list[Choice]:
        """The phase filter's options."""
        return [Choice("", "Any phase", not self.phase)] + [
            Choice(p, p, p == self.phase) for p in PHASES
        ]

    def trust_choices(self) -> list[Choice]:
        """In a trust, or not."""
        return [
            Choice("", "Either", not self.in_trust),
            Choice("yes", "In a trust", self.in_trust == "yes"),
            Choice("no", "Not in a trust", self.in_trust == "no"),
        ]


@dataclass(frozen=True)
class SchoolRow:
    """A school in the results table."""

    urn: int
    name: str
    href: str
    la: str
    phase: str
    status: str
    trust: str
    trust_href: str | None


@dataclass(frozen=True)
class SchoolSearch:
    """The search page: filters, results and pagination."""

    filters: SchoolFilters
    results: list[SchoolRow]
    pagination: Pagination
    searched: bool

    @classmethod
    def build(cls, filters: SchoolFilters, page: SchoolPage | None) -> SchoolSearch:
        """From the registry's page of schools (None before anything is searched for)."""
        results = [
            SchoolRow(
                urn=s.urn,
                name=s.name,
                href=f"/schools/{s.urn}",
                la=s.la_name,
                phase=s.phase or "",
                status=s.status,
                trust=(s.trust.name or f"Trust {s.trust.uid}") if s.trust else "Not in a trust",
                trust_href=f"/trusts/{s.trust.uid}" if s.trust else None,
            )
            for s in (page.items if page else [])
        ]
        pagination = Pagination.build(
            "/schools", filters.as_query(), page.next_cursor if page else None
        )
        return cls(filters, results, pagination, page is not None)


@dataclass(frozen=True)
class TimelineItem:
    """A spell in a trust (or outside one) on the school's timeline."""

    heading: str
    href: str | None
    dates: str
    detail: str
    current: bool


@dataclass(frozen=True)
class CaseLink:
    """A case about the school."""

    title: str
    href: str
    status: str
    opened: str
    decision: str


@dataclass(frozen=True)
class SchoolPageView:
    """A school: details, trust on the chosen date, trust timeline, inspections, cases."""

    urn: int
    title: str
    as_of: str
    as_of_text: str
    trust_now: list[SummaryRow]
    details: list[SummaryRow]
    timeline: list[TimelineItem]
    inspections: list[Inspection]
    stuck: StuckView | None
    cases: list[CaseLink]
    events: list[tuple[str, str]]
    cases_pages: Pagination

    @classmethod
    def build(
        cls,
        school: SchoolView,
        history: SchoolHistory,
        cases: CasePage,
        *,
        as_of: dt.date | None,
        cases_cursor: str = "",
    ) -> SchoolPageView:
        """From the registry's school and history and commissioning's cases about it."""
        d = school.details
        when = "today" if as_of is None else long_date(as_of)
        trust_now = (
            [
                SummaryRow(
                    "Trust",
                    school.trust.name or f"Trust {school.trust.uid}",
                    f"/trusts/{school.trust.uid}",
                ),
                SummaryRow("Since", long_date(school.trust.since)),
                SummaryRow("Why it joined", label(school.trust.join_reason)),
            ]
            if school.trust
            else [SummaryRow("Trust", "Not in a trust")]
        )
        ofsted = school.ofsted
        details = rows(
            [
                ("URN", school.urn),
                ("Type", given(d.type_name)),
                ("Phase", given(d.phase)),
                ("Status", d.status),
                ("Local authority", f"{d.la_name} ({d.la_code})"),
                ("Region", given(d.region_name)),
                ("Pupils", given(d.pupils)),
                ("Capacity", given(d.capacity)),
                ("Religious character", given(d.religious_character)),
                (
                    "Address",
                    ", ".join(
                        str(p) for p in (given(d.street), given(d.town), given(d.postcode)) if p
                    ),
                ),
                ("Opened", long_date(given(d.open_date))),
                ("Closed", long_date(given(d.close_date))),
                (
                    "Latest Ofsted",
                    _ofsted_text(
                        ofsted.framework,
                        given(ofsted.overall_effectiveness),
                        ofsted.inspection_start,
                    )
                    if ofsted
                    else "Not inspected",
                ),
                ("Predecessors", ", ".join(map(str, school.predecessor_urns))),
                ("Successors", ", ".join(map(str, school.successor_urns))),
            ]
        )
        timeline = [
            TimelineItem(
                heading=m.trust_name or f"Trust {m.trust_uid}",
                href=f"/trusts/{m.trust_uid}",
                dates=f"{long_date(m.from_date)} to {long_date(m.to_date) if m.to_date else 'now'}",
                detail="; ".join(
                    x
                    for x in (
                        f"Joined: {label(m.join_reason)}",
                        f"Left: {label(m.leave_reason)}" if m.leave_reason else "",
                        f"Decision {m.decision_reference}" if m.decision_reference else "",
                    )
                    if x
                ),
                current=m.to_date is None,
            )
            for m in reversed(history.memberships)
        ]
        inspections = []
        events = []
        for entry in reversed(history.events):
            summary: dict[str, Any] = entry.summary.additional_properties
            text = str(summary.get("text") or event_label(entry.event_type))
            events.append((long_date(given(entry.effective_on) or entry.recorded_at), text))
            if entry.event_type.endswith(OFSTED_EVENT):
                inspections.append(inspection_of(summary.get("inspection") or {}))
        return cls(
            urn=school.urn,
            title=d.name,
            as_of=as_of.isoformat() if as_of else "",
            as_of_text=when,
            trust_now=trust_now,
            details=details,
            timeline=timeline,
            inspections=inspections,
            stuck=StuckView.build(school.stuck) if isinstance(school.stuck, StuckSchool) else None,
            cases=[
                CaseLink(
                    title=c.title,
                    href=f"/cases/{c.case_id}",
                    status=label(c.status),
                    opened=long_date(c.opened_on),
                    decision=long_date(c.significant_date) if c.significant_date else "",
                )
                for c in cases.items
            ],
            events=events[:50],
            cases_pages=Pagination.build(
                f"/schools/{school.urn}",
                {"as_of": as_of.isoformat() if as_of else "", "cases_cursor": cases_cursor},
                cases.next_cursor,
                param="cases_cursor",
                fragment="cases",
            ),
        )


def _ofsted_text(framework: str, overall: str | None, start: dt.date) -> str:
    outcome = label(overall) if overall else f"{label(framework)} (no single grade)"
    return f"{outcome}, inspected {long_date(start)}"
