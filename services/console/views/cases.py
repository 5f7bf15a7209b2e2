"""Cases: the list, opening one, the workspace, and each step's form up to the decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from commissioning_client.models import CandidateList, CasePage, CaseView, DecisionView

from services.console.views.common import (
    Choice,
    Pagination,
    SummaryRow,
    given,
    label,
    long_date,
    rows,
)

TRIGGERS = (
    "inadequate_dao",
    "rebrokerage",
    "trust_closure",
    "voluntary_conversion",
    "trust_growth",
    "la_request",
    "free_school",
)
# The order a case moves through (the filter offers every status the API knows).
STATUSES = (
    "open",
    "shortlisting",
    "advisory_board_scheduled",
    "decided",
    "deferred",
    "transfer_scheduled",
    "completed",
    "closed",
)
PILLARS = (
    "education",
    "school_improvement",
    "workforce",
    "finance_operations",
    "governance_leadership",
)
PILLAR_NAMES = {
    "education": "High-quality and inclusive education",
    "school_improvement": "School improvement",
    "workforce": "Workforce",
    "finance_operations": "Finance and operations",
    "governance_leadership": "Governance and leadership",
}
FACTORS = ("capacity", "distance", "local_presence", "phase_fit", "faith_fit", "track_record")
APPROVALS = ("approved", "approved_with_conditions")


@dataclass(frozen=True)
class CaseRow:
    """A case in the list."""

    title: str
    href: str
    trigger: str
    status: str
    opened: str
    board: str


@dataclass(frozen=True)
class CaseList:
    """Cases, filtered by status, a page at a time."""

    status: str
    statuses: list[Choice]
    cases: list[CaseRow]
    pagination: Pagination

    @classmethod
    def build(cls, page: CasePage, *, status: str, cursor: str) -> CaseList:
        """From commissioning's page of cases."""
        return cls(
            status=status,
            statuses=[Choice("", "Any status", not status)]
            + [Choice(s, label(s), s == status) for s in STATUSES],
            cases=[
                CaseRow(
                    title=c.title,
                    href=f"/cases/{c.case_id}",
                    trigger=label(c.trigger),
                    status=label(c.status),
                    opened=long_date(c.opened_on),
                    board=long_date(c.board_date),
                )
                for c in page.items
            ],
            pagination=Pagination.build(
                "/cases", {"status": status, "cursor": cursor}, page.next_cursor
            ),
        )


@dataclass(frozen=True)
class Task:
    """A step of the case in the task list pattern."""

    title: str
    href: str | None
    status: str
    done: bool
    hint: str = ""


@dataclass(frozen=True)
class FactorBar:
    """One factor of a candidate, drawn as a bar of its 0..1 score."""

    label: str
    width_percent: int
    value_text: str
    counted: bool


@dataclass(frozen=True)
class CandidateRow:
    """A ranked trust with its factors as bars and its reasons."""

    rank: int
    trust_uid: int
    name: str
    href: str
    fit_text: str
    band: str
    factors: list[FactorBar]
    reasons: list[str]
    warnings: list[str]
    shortlisted: bool


@dataclass(frozen=True)
class Excluded:
    """A trust left out, and why."""

    name: str
    href: str
    reason: str


def candidate_rows(candidates: CandidateList, shortlist: Sequence[int]) -> list[CandidateRow]:
    """The ranked candidates, in rank order."""
    return [
        CandidateRow(
            rank=c.rank,
            trust_uid=c.trust_uid,
            name=c.trust_name,
            href=f"/trusts/{c.trust_uid}",
            fit_text=f"{c.fit:.0%}",
            band=label(c.band),
            factors=[
                FactorBar(
                    label=f.label,
                    width_percent=round((f.score or 0.0) * 100),
                    value_text=f"{f.score:.0%} (weight {f.weight:g})"
                    if f.counted and f.score is not None
                    else "not counted",
                    counted=f.counted,
                )
                for f in c.factors
            ],
            reasons=list(c.reasons),
            warnings=list(given(c.warnings) or []),
            shortlisted=c.trust_uid in shortlist,
        )
        for c in candidates.candidates
    ]


@dataclass(frozen=True)
class CaseWorkspace:
    """Everything about one case on one page, and the next steps as a task list."""

    case_id: str
    title: str
    status: str
    summary: list[SummaryRow]
    tasks: list[Task]
    criteria: list[SummaryRow]
    candidates: list[CandidateRow]
    total_candidates: int
    excluded: list[Excluded]
    method: list[str]
    decision: list[SummaryRow]
    transfer: list[SummaryRow]
    rejections: list[str]
    can_decide: bool

    @classmethod
    def build(
        cls,
        case: CaseView,
        candidates: CandidateList | None,
        schools: Mapping[int, str],
        trusts: Mapping[int, str],
        *,
        roles: Sequence[str],
    ) -> CaseWorkspace:
        """From the case, its ranked candidates (None until commissioning knows the school)
        and the names of its schools and trusts."""
        base = f"/cases/{case.case_id}"
        status = case.status
        caseworker = "caseworker" in roles
        order = STATUSES
        reached = order.index(status) if status in order else 0

        def at_least(s: str) -> bool:
            return status in order and reached >= order.index(s) and status != "closed"

        editable = status in ("open", "shortlisting", "deferred")
        tasks = [
            Task(
                "Set what matters (criteria and weights)",
                f"{base}/criteria" if editable and caseworker else None,
                "Defaults for the trigger" if case.criteria.defaults else "Set",
                not case.criteria.defaults,
            ),
            Task(
                "Shortlist trusts",
                f"{base}/shortlist" if editable and caseworker else None,
                f"{len(case.shortlist)} shortlisted" if case.shortlist else "Not started",
                bool(case.shortlist),
            ),
            Task(
                "Schedule the advisory board",
                f"{base}/board"
                if status == "shortlisting" and case.shortlist and caseworker
                else None,
                long_date(case.board_date)
                if case.board_date
                else "Cannot start yet"
                if not case.shortlist
                else "Not started",
                case.board_date is not None,
            ),
            Task(
                "Record the decision",
                f"{base}/decision" if status == "advisory_board_scheduled" else None,
                label(case.decision.outcome)
                if case.decision
                else "Cannot start yet"
                if case.board_date is None
                else "Not started",
                case.decision is not None,
            ),
            Task(
                "Transfer on the significant date",
                None,
                "Completed"
                if status == "completed"
                else long_date(case.significant_date)
                if case.significant_date
                else "Cannot start yet",
                status == "completed",
            ),
        ]
        names = ", ".join(f"{schools.get(u, 'School')} ({u})" for u in case.urns)
        summary = rows(
            [
                ("Schools", names),
                ("Trigger", label(case.trigger)),
                ("Status", label(status)),
                ("Region", case.region_code or ""),
                ("Area", case.area or ""),
                ("Opened", f"{long_date(case.opened_on)} by {case.opened_by}"),
                ("Advisory board", long_date(case.board_date)),
                ("Significant date", long_date(case.significant_date)),
                (
                    "Closed",
                    f"{long_date(case.closed_on)}: {case.close_reason}" if case.closed_on else "",
                ),
            ]
        )
        criteria = [
            SummaryRow(PILLAR_NAMES.get(p.pillar, label(p.pillar)), f"weight {p.weight:g}")
            for p in case.criteria.pillars
        ] + [
            SummaryRow(label(name), f"weight {weight:g}")
            for name, weight in case.criteria.factors.to_dict().items()
        ]
        decision = _decision_rows(case.decision, trusts) if case.decision else []
        transfer: list[SummaryRow] = []
        rejections: list[str] = []
        if case.transfer is not None:
            t = case.transfer
            transfer = rows(
                [
                    ("Kind", label(t.kind.value if t.kind else "")),
                    ("To trust", trusts.get(t.to_trust_uid or 0, str(t.to_trust_uid or ""))),
                    ("Significant date", long_date(t.significant_date)),
                    ("Schools moved", ", ".join(map(str, t.applied_urns)) or "None yet"),
                ]
            )
            rejections = [
                f"{r.urn}: {r.reason} (refused {long_date(r.recorded_at.date())})"
                for r in t.rejections
            ]
        return cls(
            case_id=case.case_id,
            title=case.title,
            status=label(status),
            summary=summary,
            tasks=tasks,
            criteria=criteria,
            candidates=candidate_rows(candidates, case.shortlist) if candidates else [],
            total_candidates=candidates.total_candidates if candidates else 0,
            excluded=[
                Excluded(e.trust_name, f"/trusts/{e.trust_uid}", e.reason)
                for e in (candidates.excluded if candidates else [])
            ],
            method=list(candidates.method) if candidates else [],
            decision=decision,
            transfer=transfer,
            rejections=rejections,
            can_decide=at_least("advisory_board_scheduled") and case.decision is None,
        )


def _decision_rows(d: DecisionView, trusts: Mapping[int, str]) -> list[SummaryRow]:
    return rows(
        [
            ("Outcome", label(d.outcome)),
            ("Trust", trusts.get(d.trust_uid, str(d.trust_uid)) if d.trust_uid else ""),
            ("Significant date", long_date(d.significant_date)),
            ("Decided on", long_date(d.decided_on)),
            ("Decision maker", f"{d.decision_maker_name}, {label(d.decision_maker_capacity)}"),
            ("Rationale", d.rationale),
            ("Conditions", "; ".join(d.conditions)),
            (
                "Reasons",
                ", ".join(label(c) for c in d.record.reason_codes) or label(d.reason_category),
            ),
            ("Equality duty", _equality(d)),
            ("Recorded by", d.recorded_by),
        ]
    )


def _equality(d: DecisionView) -> str:
    equality = d.record.equality
    if not equality:
        return ""
    return f"{equality.likely_impact} Mitigation: {equality.mitigation}"
