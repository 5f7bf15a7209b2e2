"""Trusts: the list, and a trust's page with its schools on a map, its five pillars side by
side (never an overall grade), its indicators as small charts, and Ofsted's inspections of
the trust in Ofsted's words (evidence, not a pillar grade)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessment_client.models import AssessmentView, TrustIndicators, TrustProfile
from registry_client.models import TrustInspectionSummary, TrustPage, TrustSchoolPage, TrustView
from registry_client.types import Unset

from services.console.views.charts import BarChart, SchoolMap
from services.console.views.common import Pagination, SummaryRow, given, label, long_date, rows

PILLAR_ORDER = (
    "education",
    "school_improvement",
    "workforce",
    "finance_operations",
    "governance_leadership",
)
DESCRIPTOR_TEXT = {
    "strong": "Strong: consistently high, a model for others",
    "secure": "Secure: sound, no significant weakness",
    "developing": "Developing: improving but not yet secure",
    "concerns": "Concerns: significant weaknesses",
}
SINGLE_GRADES = ("outstanding", "good", "requires_improvement", "inadequate")


@dataclass(frozen=True)
class TrustRow:
    """A trust in the list."""

    name: str
    href: str
    kind: str
    status: str
    schools: int


@dataclass(frozen=True)
class TrustList:
    """Trusts found by name."""

    q: str
    trusts: list[TrustRow]
    pagination: Pagination

    @classmethod
    def build(cls, page: TrustPage, *, q: str, cursor: str) -> TrustList:
        """From the registry's page of trusts."""
        return cls(
            q=q,
            trusts=[
                TrustRow(t.name, f"/trusts/{t.uid}", label(t.trust_type), t.status, t.school_count)
                for t in page.items
            ],
            pagination=Pagination.build("/trusts", {"q": q, "cursor": cursor}, page.next_cursor),
        )


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence a judgement rests on."""

    summary: str
    kind: str
    observed: str
    source: str


@dataclass(frozen=True)
class PillarCard:
    """One pillar: its standing judgement with date, rationale and evidence, or none yet."""

    key: str
    name: str
    descriptor: str | None
    descriptor_text: str
    rationale: str
    published: str
    framework: str
    assessment_href: str | None
    evidence: list[Evidence]


@dataclass(frozen=True)
class TrustSchoolRow:
    """A school of the trust."""

    name: str
    href: str
    la: str
    phase: str
    joined: str


@dataclass(frozen=True)
class TrustInspectionCard:
    """One Ofsted inspection of the trust: its outcomes as published, where it came from."""

    title: str
    outcomes: list[SummaryRow]
    source: str
    source_href: str | None

    @classmethod
    def build(cls, i: TrustInspectionSummary) -> TrustInspectionCard:
        """From the registry's record of the inspection."""
        published = f", published {long_date(i.publication_date)}" if i.publication_date else ""
        return cls(
            title=f"{i.inspection_type or 'Trust inspection'} from"
            f" {long_date(i.inspection_start)}{published}",
            outcomes=[SummaryRow(o.heading, o.outcome) for o in i.outcomes],
            source=i.report_url or f"imported from {i.source_file}",
            # The registry takes only web addresses; checked again before it becomes a link.
            source_href=i.report_url
            if (i.report_url or "").startswith(("https://", "http://"))
            else None,
        )


def trust_inspection_cards(trust: TrustView) -> list[TrustInspectionCard]:
    """The trust's Ofsted inspections, latest first (none from a registry that sends none)."""
    listed = trust.trust_inspections
    return [] if isinstance(listed, Unset) else [TrustInspectionCard.build(i) for i in listed]


@dataclass(frozen=True)
class TrustPageView:
    """The trust's page."""

    uid: int
    title: str
    details: list[SummaryRow]
    pillars: list[PillarCard]
    schools: list[TrustSchoolRow]
    schools_pages: Pagination
    map: SchoolMap
    ofsted_chart: BarChart | None
    phase_chart: BarChart | None
    indicators: list[SummaryRow]
    trust_inspections: list[TrustInspectionCard]

    @classmethod
    def build(
        cls,
        trust: TrustView,
        schools: TrustSchoolPage,
        places: Mapping[int, tuple[int | None, int | None]],
        profile: TrustProfile | None,
        assessments: Sequence[AssessmentView],
        indicators: TrustIndicators | None,
        *,
        schools_cursor: str = "",
    ) -> TrustPageView:
        """From the registry's trust and schools (with their grid references), assessment's
        profile, the assessments it cites, and the indicators."""
        d = trust.details
        evidence_by_id = {
            e.evidence_id: Evidence(
                e.summary, label(e.kind), long_date(e.observed_on), e.source_reference
            )
            for a in assessments
            for e in a.evidence
        }
        standing = {p.pillar: p for p in (profile.pillars if profile else [])}
        keys = [k for k in PILLAR_ORDER if k in standing] + [
            k for k in standing if k not in PILLAR_ORDER
        ]
        pillars = [
            PillarCard(
                key=p.pillar,
                name=p.pillar_name,
                descriptor=p.descriptor.value,
                descriptor_text=DESCRIPTOR_TEXT.get(p.descriptor.value, label(p.descriptor.value)),
                rationale=p.rationale,
                published=long_date(p.published_on),
                framework=p.framework_name or p.framework_id,
                assessment_href=f"/assessments/{p.assessment_id}",
                evidence=[evidence_by_id[i] for i in p.evidence_ids if i in evidence_by_id],
            )
            for p in (standing[k] for k in keys)
        ]
        rows_ = [
            TrustSchoolRow(
                s.name, f"/schools/{s.urn}", s.la_name, s.phase or "", long_date(s.joined_on)
            )
            for s in schools.items
        ]
        school_map = SchoolMap.build(
            f"Map of the schools of {d.name}",
            [
                (s.name, *places.get(s.urn, (None, None)), f"/schools/{s.urn}", False)
                for s in schools.items
            ],
        )
        ofsted_chart = phase_chart = None
        indicator_rows: list[SummaryRow] = []
        if indicators is not None:
            grades = indicators.ofsted.single_grade.additional_properties
            ofsted_chart = BarChart.build(
                "Latest single Ofsted grade of the trust's schools",
                [(label(g), float(grades.get(g, 0)), str(grades.get(g, 0))) for g in SINGLE_GRADES],
            )
            phase_chart = BarChart.build(
                "Schools by phase",
                [(p.phase, float(p.schools), str(p.schools)) for p in indicators.phases],
            )
            share = indicators.ofsted.good_or_better_share
            indicator_rows = rows(
                [
                    ("Schools", indicators.size.schools),
                    ("Pupils", f"{indicators.size.pupils:,}"),
                    (
                        "Good or better",
                        f"{indicators.ofsted.good_or_better} of {indicators.ofsted.inspected} inspected"
                        + (f" ({share:.0%})" if share is not None else ""),
                    ),
                    ("Joined below good", indicators.improvement.joined_below_good),
                    (
                        "Improved to good or better",
                        f"{indicators.improvement.improved_to_good_or_better} of {indicators.improvement.reinspected} reinspected",
                    ),
                    ("Joined in the last 12 months", indicators.growth.joined_last_12_months),
                    ("Joined in the last 36 months", indicators.growth.joined_last_36_months),
                    (
                        "Median distance between its schools",
                        f"{indicators.geography.median_distance_km:.1f} km"
                        if indicators.geography.median_distance_km is not None
                        else "",
                    ),
                    ("Indicators as of", long_date(indicators.as_of)),
                ]
            )
        details = rows(
            [
                ("Type", label(d.trust_type.value)),
                ("Status", d.status),
                ("Group UID", trust.uid),
                ("TRN", given(d.trn)),
                ("Companies House number", given(d.companies_house_number)),
                ("Incorporated", long_date(given(d.incorporated_on))),
                ("Closed", long_date(given(d.closed_on))),
                ("Schools", trust.school_count),
                ("Pupils", f"{trust.pupils:,}"),
                ("Local authorities", ", ".join(a.name or a.code or "" for a in trust.las[:6])),
                ("Regions", ", ".join(r.name or r.code or "" for r in trust.regions)),
                ("Established by a local authority", "Yes" if trust.la_established else ""),
            ]
        )
        return cls(
            uid=trust.uid,
            title=d.name,
            details=details,
            pillars=pillars,
            schools=rows_,
            schools_pages=Pagination.build(
                f"/trusts/{trust.uid}",
                {"schools_cursor": schools_cursor},
                schools.next_cursor,
                param="schools_cursor",
                fragment="schools",
            ),
            map=school_map,
            ofsted_chart=ofsted_chart,
            phase_chart=phase_chart,
            indicators=indicator_rows,
            trust_inspections=trust_inspection_cards(trust),
        )
