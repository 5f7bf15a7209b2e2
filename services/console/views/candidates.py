"""A case's constraints on candidates (the form) and its candidates page by page, each with
the evidence that covers it, and the trusts left out with the reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from commissioning_client.models import CandidateList, CaseView, EvidenceCoverage
from starlette.datastructures import FormData

from services.console.views.common import (
    FormErrors,
    Pagination,
    SummaryRow,
    given,
    label,
    long_date,
)

# The defaults for every trigger (README, Commissioning: Constraints).
DEFAULTS: Mapping[str, Any] = {
    "same_religious_character": True,
    "diocese_agreed_otherwise": False,
    "diocese_agreement_reference": None,
    "max_distance_km": 50.0,
    "same_region": True,
}
CONSTRAINT_FIELDS = {
    "same_religious_character": "same_religious_character",
    "diocese_agreed_otherwise": "diocese_agreed_otherwise",
    "diocese_agreement_reference": "diocese_agreement_reference",
    "max_distance_km": "max_distance_km",
    "same_region": "same_region",
}
# Constraints may change until the board (as the criteria may).
EDITABLE = ("open", "shortlisting", "deferred")
PAGE_SIZE = 25


def _text(data: FormData | Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def constraints_href(case: CaseView, roles: Sequence[str]) -> str | None:
    """The constraints form, for a caseworker before the board."""
    if "caseworker" in roles and case.status in EDITABLE:
        return f"/cases/{case.case_id}/constraints"
    return None


def constraints_summary(applied: Mapping[str, Any] | None) -> list[SummaryRow]:
    """The constraints as a summary list (the defaults when the case has set none)."""
    c = {**DEFAULTS, **(applied or {})}
    distance = c.get("max_distance_km")
    if c.get("diocese_agreed_otherwise"):
        faith = f"Any: the diocese agreed otherwise ({c.get('diocese_agreement_reference')})"
    elif c.get("same_religious_character"):
        faith = "A church school's trust runs schools of the same religious character"
    else:
        faith = "Not required"
    return [
        SummaryRow("Religious character", faith),
        SummaryRow(
            "Distance",
            f"The trust's nearest school within {float(distance):g} km"
            if distance is not None
            else "No limit",
        ),
        SummaryRow(
            "Region",
            "The trust runs a school in the case's region"
            if c.get("same_region")
            else "Any region",
        ),
    ]


@dataclass
class ConstraintsForm:
    """The constraints as typed: checkboxes, a distance, the diocese's agreement."""

    same_religious_character: bool = True
    diocese_agreed_otherwise: bool = False
    diocese_agreement_reference: str = ""
    max_distance_km: str = "50"
    same_region: bool = True
    version: int = 0
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def from_case(cls, case: CaseView) -> ConstraintsForm:
        """The case's constraints (the defaults when it has set none)."""
        c = {**DEFAULTS, **(case.constraints.additional_properties if case.constraints else {})}
        distance = c.get("max_distance_km")
        return cls(
            same_religious_character=bool(c.get("same_religious_character")),
            diocese_agreed_otherwise=bool(c.get("diocese_agreed_otherwise")),
            diocese_agreement_reference=str(c.get("diocese_agreement_reference") or ""),
            max_distance_km="" if distance is None else f"{float(distance):g}",
            same_region=bool(c.get("same_region")),
            version=case.version,
        )

    @classmethod
    def parse(cls, data: FormData | Mapping[str, Any]) -> ConstraintsForm:
        """The posted form; a distance that is not a positive number is an error."""
        version = _text(data, "version")
        form = cls(
            same_religious_character=_text(data, "same_religious_character") == "yes",
            diocese_agreed_otherwise=_text(data, "diocese_agreed_otherwise") == "yes",
            diocese_agreement_reference=_text(data, "diocese_agreement_reference"),
            max_distance_km=_text(data, "max_distance_km"),
            same_region=_text(data, "same_region") == "yes",
            version=int(version) if version.isdigit() else 0,
        )
        if form.max_distance_km:
            try:
                distance = float(form.max_distance_km)
            except ValueError:
                distance = -1.0
            if not 0 < distance <= 1000:
                form.errors.add(
                    "max_distance_km",
                    "Enter the distance in kilometres, more than 0 and at most 1000, "
                    "or leave it empty for no limit",
                )
        if form.diocese_agreed_otherwise and not form.diocese_agreement_reference:
            form.errors.add(
                "diocese_agreement_reference", "Enter where the diocese's agreement is recorded"
            )
        return form

    def body(self) -> dict[str, Any]:
        """The API's ``ConstraintsChange``."""
        return {
            "same_religious_character": self.same_religious_character,
            "diocese_agreed_otherwise": self.diocese_agreed_otherwise,
            "diocese_agreement_reference": self.diocese_agreement_reference or None,
            "max_distance_km": float(self.max_distance_km) if self.max_distance_km else None,
            "same_region": self.same_region,
        }


@dataclass(frozen=True)
class Coverage:
    """One pillar of the case for one trust: covered by a published judgement, or not."""

    pillar: str
    text: str
    published: bool


def _coverage(e: EvidenceCoverage) -> Coverage:
    if not e.published:
        return Coverage(label(e.pillar), "no published judgement", False)
    descriptor = given(e.descriptor)
    on = given(e.published_on)
    age = given(e.age_days)
    parts = [label(descriptor) if descriptor else "published"]
    if on:
        parts.append(f"published {long_date(on)}")
    if age is not None:
        parts.append(f"{age} days old")
    return Coverage(label(e.pillar), ", ".join(parts), True)


@dataclass(frozen=True)
class EvidenceRow:
    """A ranked trust and the evidence behind it."""

    rank: int
    name: str
    href: str
    fit_text: str
    band: str
    coverage: list[Coverage]
    covered_text: str


@dataclass(frozen=True)
class ExcludedRow:
    """A trust left out, and why."""

    name: str
    href: str
    reason_code: str
    reason: str


@dataclass
class CandidatesPage:
    """One page of a case's candidates with their evidence, and the trusts left out."""

    case_id: str
    title: str
    total_candidates: int
    rows: list[EvidenceRow]
    excluded: list[ExcludedRow]
    total_excluded: int
    constraints: list[SummaryRow]
    pagination: Pagination

    @classmethod
    def build(cls, case: CaseView, candidates: CandidateList, *, cursor: str) -> CandidatesPage:
        """From the case and one page of its candidates (``cursor`` the page's own)."""
        applied = given(candidates.constraints)
        rows = []
        for c in candidates.candidates:
            coverage = [_coverage(e) for e in given(c.evidence) or []]
            covered = sum(1 for e in coverage if e.published)
            rows.append(
                EvidenceRow(
                    rank=c.rank,
                    name=c.trust_name,
                    href=f"/trusts/{c.trust_uid}",
                    fit_text=f"{c.fit:.0%}",
                    band=label(c.band),
                    coverage=coverage,
                    covered_text=f"{covered} of {len(coverage)} pillars covered"
                    if coverage
                    else "No pillars",
                )
            )
        return cls(
            case_id=case.case_id,
            title=f"Candidates and their evidence: {case.title}",
            total_candidates=candidates.total_candidates,
            rows=rows,
            excluded=[
                ExcludedRow(
                    e.trust_name,
                    f"/trusts/{e.trust_uid}",
                    label(e.reason_code),
                    e.reason,
                )
                for e in candidates.excluded
            ],
            total_excluded=candidates.total_excluded,
            constraints=constraints_summary(applied.additional_properties if applied else None),
            pagination=Pagination.build(
                f"/cases/{case.case_id}/candidates",
                {"cursor": cursor},
                given(candidates.next_cursor),
            ),
        )
