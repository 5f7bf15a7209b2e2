"""Area plans: the areas commissioning plans by, and an area's plan with its coverage over time
as a chart, the schools not yet in a trust on a map, schools under intervention, open cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from commissioning_client.models import AreaPlan, AreaSchool, SchoolUnderIntervention
from registry_client.models import AreaList, StuckSchoolList

from services.console.views.charts import LineChart, SchoolMap
from services.console.views.common import Pagination, SummaryRow, label, long_date, rows
from services.console.views.stuck import StuckListView

INTERVALS = ("year", "month")


def area_href(name: str) -> str:
    """The plan page of the area called ``name``."""
    return f"/areas/{quote(name, safe='')}"


@dataclass(frozen=True)
class AreaRow:
    """An area in the list."""

    name: str
    href: str
    kind: str
    priority: bool
    schools_open: int
    not_in_trust: int
    share_text: str


@dataclass(frozen=True)
class AreaListView:
    """Every area, in name order; optionally only the priority ones."""

    priority: str
    areas: list[AreaRow]

    @classmethod
    def build(cls, areas: AreaList, *, priority: str) -> AreaListView:
        """From the registry's list of areas, with their counts."""
        return cls(
            priority=priority,
            areas=[
                AreaRow(
                    name=a.name,
                    href=area_href(a.name),
                    kind="Education Investment Area"
                    if a.eia
                    else "Districts of " + ", ".join(a.la_codes),
                    priority=a.priority,
                    schools_open=a.schools_open,
                    not_in_trust=a.schools_not_in_trust,
                    share_text=f"{a.share_schools_in_trust:.0%}",
                )
                for a in areas.items
            ],
        )


def point_label(on: dt.date, interval: str) -> str:
    """A coverage date as its period: "2026" at year ends, "Mar 2026" at month ends."""
    return str(on.year) if interval == "year" else f"{on:%b %Y}"


@dataclass(frozen=True)
class CoverageRow:
    """Coverage on one date, as the table beside the chart shows it."""

    on: str
    schools: str
    share_schools: str
    pupils: str
    share_pupils: str


@dataclass(frozen=True)
class PlanSchool:
    """A school in one of the plan's tables."""

    name: str
    href: str
    la: str
    phase: str
    pupils: str
    ofsted: str


def _plan_school(s: AreaSchool | SchoolUnderIntervention) -> PlanSchool:
    return PlanSchool(
        name=s.name,
        href=f"/schools/{s.urn}",
        la=s.la_name
        + (f" ({s.district_name})" if s.district_name and s.district_name != s.la_name else ""),
        phase=s.phase or "",
        pupils=f"{s.pupils:,}" if s.pupils is not None else "",
        ofsted=f"{label(s.ofsted_grade)}, {long_date(s.ofsted_date)}" if s.ofsted_grade else "",
    )


@dataclass(frozen=True)
class NoticeLink:
    """An active intervention against a school's trust (or the school)."""

    text: str
    href: str


@dataclass(frozen=True)
class SchoolUnderNotice:
    """A school whose trust is under an active intervention."""

    school: PlanSchool
    trust: str
    trust_href: str
    notices: list[NoticeLink]


@dataclass(frozen=True)
class PlanCase:
    """An open case with a school in the area."""

    title: str
    href: str
    trigger: str
    status: str
    opened: str


@dataclass(frozen=True)
class AreaPlanView:
    """An area's plan."""

    name: str
    title: str
    details: list[SummaryRow]
    interval: str
    other_interval_href: str
    other_interval: str
    chart: LineChart
    coverage: list[CoverageRow]
    map: SchoolMap
    not_in_trust_total: int
    not_in_trust: list[PlanSchool]
    not_in_trust_pages: Pagination
    under_notice_total: int
    under_notice: list[SchoolUnderNotice]
    under_notice_pages: Pagination
    cases_total: int
    cases: list[PlanCase]
    notes: list[str]
    stuck: StuckListView

    @classmethod
    def build(
        cls,
        plan: AreaPlan,
        places: Mapping[int, tuple[int | None, int | None]],
        stuck: StuckSchoolList,
        *,
        interval: str,
        not_in_trust_cursor: str,
        under_intervention_cursor: str,
    ) -> AreaPlanView:
        """From commissioning's plan, the grid references of the schools not in a trust
        (from the registry; schools without one are counted, not drawn) and the registry's
        stuck schools in the area."""
        a = plan.area
        href = area_href(a.name)
        details = rows(
            [
                ("Kind", "Whole local authorities" if a.kind.value == "la" else "Districts"),
                ("Local authorities", ", ".join(a.la_codes)),
                ("Districts", ", ".join(a.districts)),
                ("Education Investment Area", "Yes" if a.eia else "No"),
                ("Priority area", "Yes" if a.priority else "No"),
                ("As of", long_date(plan.as_of)),
            ]
        )
        points = sorted(plan.coverage, key=lambda p: p.on)
        chart = LineChart.shares(
            f"Share of open schools in {a.name} that are in a trust, by {interval}",
            [(point_label(p.on, interval), p.share_schools_in_trust) for p in points],
        )
        coverage = [
            CoverageRow(
                on=long_date(p.on),
                schools=f"{p.schools_in_trust} of {p.schools_open}",
                share_schools=f"{p.share_schools_in_trust:.0%}",
                pupils=f"{p.pupils_in_trust:,} of {p.pupils:,}",
                share_pupils=f"{p.share_pupils_in_trust:.0%}",
            )
            for p in points
        ]

        not_in_trust = plan.schools_not_in_trust
        school_map = SchoolMap.build(
            f"Map of the schools in {a.name} not yet in a trust",
            [
                (s.name, *places.get(s.urn, (None, None)), f"/schools/{s.urn}", False)
                for s in not_in_trust.items
            ],
        )
        under = plan.schools_under_intervention
        query = {
            "interval": "" if interval == "year" else interval,
            "not_in_trust_cursor": not_in_trust_cursor,
            "under_intervention_cursor": under_intervention_cursor,
        }
        other = "month" if interval == "year" else "year"
        return cls(
            name=a.name,
            title=a.name,
            details=details,
            interval=interval,
            other_interval=other,
            other_interval_href=href
            + ("?interval=month" if other == "month" else "")
            + "#coverage",
            chart=chart,
            coverage=coverage,
            map=school_map,
            not_in_trust_total=not_in_trust.total,
            not_in_trust=[_plan_school(s) for s in not_in_trust.items],
            not_in_trust_pages=Pagination.build(
                href,
                query,
                not_in_trust.next_cursor,
                param="not_in_trust_cursor",
                fragment="not-in-trust",
            ),
            under_notice_total=under.total,
            under_notice=[
                SchoolUnderNotice(
                    school=_plan_school(s),
                    trust=s.trust_name or f"Trust {s.trust_uid}",
                    trust_href=f"/trusts/{s.trust_uid}",
                    notices=[
                        NoticeLink(
                            f"{label(n.kind)} ({label(n.status)}, {long_date(n.issued_on)})",
                            f"/interventions/{n.intervention_id}",
                        )
                        for n in s.interventions
                    ],
                )
                for s in under.items
            ],
            under_notice_pages=Pagination.build(
                href,
                query,
                under.next_cursor,
                param="under_intervention_cursor",
                fragment="under-intervention",
            ),
            cases_total=plan.open_cases.total,
            cases=[
                PlanCase(
                    title=c.title,
                    href=f"/cases/{c.case_id}",
                    trigger=label(c.trigger),
                    status=label(c.status),
                    opened=long_date(c.opened_on),
                )
                for c in plan.open_cases.items
            ],
            notes=list(plan.notes),
            stuck=StuckListView.build(stuck),
        )
