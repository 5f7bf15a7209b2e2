"""Interventions: the list, what falls due, and a notice with its steps and who took them
(the forms to issue one and move it along are in ``intervention_forms``).

Everything here reads commissioning's ``InterventionView`` as its SDK gives it; the kinds and
statuses are the API's enums, so a changed API shows up here as a type error, not a wrong page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from commissioning_client.models import (
    DeadlineKind,
    DeadlineList,
    InterventionPage,
    InterventionView,
)

from services.console.views.common import (
    Choice,
    Pagination,
    SummaryRow,
    date_time,
    given,
    label,
    long_date,
    rows,
)
from services.console.views.intervention_forms import FINAL_STATUSES, KINDS, STATUSES

DEADLINE_KINDS = tuple(k.value for k in DeadlineKind)


def notice_name(kind: str, trust_uid: int, urn: int | None) -> str:
    """A notice as a person names it: "Termination warning notice: trust 2044, URN 100001"."""
    against = f"trust {trust_uid}" + (f", academy {urn}" if urn else "")
    return f"{label(kind)}: {against}"


def due_text(due: dt.date | None, today: dt.date, *, active: bool) -> str:
    """When a response is due, said against today."""
    if due is None:
        return ""
    if not active:
        return long_date(due)
    days = (due - today).days
    if days < 0:
        return f"{long_date(due)} (overdue by {-days} day{'s' if days != -1 else ''})"
    if days == 0:
        return f"{long_date(due)} (today)"
    return f"{long_date(due)} (in {days} day{'s' if days != 1 else ''})"


@dataclass(frozen=True)
class InterventionRow:
    """An intervention in a list."""

    name: str
    href: str
    kind: str
    trust_href: str
    trust: str
    status: str
    active: bool
    issued: str
    due: str
    overdue: bool


def _row(i: InterventionView, today: dt.date) -> InterventionRow:
    due = i.response_due_on
    return InterventionRow(
        name=notice_name(i.kind.value, i.trust_uid, i.urn),
        href=f"/interventions/{i.intervention_id}",
        kind=label(i.kind.value),
        trust_href=f"/trusts/{i.trust_uid}",
        trust=f"Trust {i.trust_uid}",
        status=label(i.status.value),
        active=i.active,
        issued=long_date(i.issued_on),
        due=due_text(due, today, active=i.active),
        overdue=bool(i.active and due is not None and due < today),
    )


@dataclass(frozen=True)
class InterventionFilters:
    """What the list is filtered by (the API's own query names)."""

    kind: str = ""
    status: str = ""
    active: str = ""
    scope: str = "mine"
    trust_uid: str = ""

    @classmethod
    def parse(
        cls, kind: str, status: str, active: str, scope: str, trust_uid: str = ""
    ) -> InterventionFilters:
        """Only values the API knows; anything else is no filter."""
        return cls(
            trust_uid=trust_uid.strip() if trust_uid.strip().isdigit() else "",
            kind=kind if kind in KINDS else "",
            status=status if status in STATUSES else "",
            active=active if active in ("true", "false") else "",
            scope="all" if scope == "all" else "mine",
        )

    def kinds(self) -> list[Choice]:
        """The kind filter's options."""
        return [Choice("", "Any kind", not self.kind)] + [
            Choice(k, label(k), k == self.kind) for k in KINDS
        ]

    def statuses(self) -> list[Choice]:
        """The status filter's options."""
        return [Choice("", "Any status", not self.status)] + [
            Choice(s, label(s), s == self.status) for s in STATUSES
        ]

    def actives(self) -> list[Choice]:
        """Whether it still counts against the trust."""
        return [
            Choice("", "Active or not", not self.active),
            Choice("true", "Active only", self.active == "true"),
            Choice("false", "Over (lifted, closed, cancelled)", self.active == "false"),
        ]

    def scopes(self) -> list[Choice]:
        """Where: where you act, or every published notice too."""
        return [
            Choice("mine", "Where I act", self.scope == "mine"),
            Choice("all", "Everywhere (published notices)", self.scope == "all"),
        ]

    def query(self) -> dict[str, str]:
        """The filters as the page's own query string (no defaults)."""
        return {
            "trust_uid": self.trust_uid,
            "kind": self.kind,
            "status": self.status,
            "active": self.active,
            "scope": "" if self.scope == "mine" else self.scope,
        }


@dataclass(frozen=True)
class InterventionList:
    """Interventions, newest first, filtered, a page at a time."""

    filters: InterventionFilters
    interventions: list[InterventionRow]
    pagination: Pagination
    may_issue: bool

    @classmethod
    def build(
        cls,
        page: InterventionPage,
        *,
        filters: InterventionFilters,
        cursor: str,
        today: dt.date,
        roles: Sequence[str],
    ) -> InterventionList:
        """From commissioning's page of interventions."""
        return cls(
            filters=filters,
            interventions=[_row(i, today) for i in page.items],
            pagination=Pagination.build(
                "/interventions", {**filters.query(), "cursor": cursor}, page.next_cursor
            ),
            may_issue="caseworker" in roles,
        )


@dataclass(frozen=True)
class Deadline:
    """Something that falls due: a notice's response or the end of a RISE window."""

    what: str
    href: str
    about: str
    about_href: str
    kind: str
    due_on: str
    when: str
    overdue: bool


def working_days_text(days: int) -> str:
    """How far off a due date is, in working days: "In 3 working days", "Overdue by 1..."."""
    if days < 0:
        return f"Overdue by {-days} working day{'s' if days != -1 else ''}"
    if days == 0:
        return "Due today"
    return f"In {days} working day{'s' if days != 1 else ''}"


def home_region(scopes: Sequence[str]) -> str:
    """Where a user's deadlines are listed first: their region's code, "" for all England."""
    for scope in scopes:
        kind, _, code = scope.partition(":")
        if kind == "region" and code:
            return code
    return ""


@dataclass(frozen=True)
class Deadlines:
    """What falls due (commissioning's ``GET /deadlines``): overdue first, then soonest."""

    deadlines: list[Deadline]
    overdue: int
    region: str
    kinds: list[Choice]
    regions: list[Choice]

    @classmethod
    def build(
        cls, page: DeadlineList, *, region: str, kind: str, regions: Sequence[tuple[str, str]]
    ) -> Deadlines:
        """From the API's list, in its order, for ``region`` ("" for all England)."""
        out = []
        for d in page.items:
            school_work = d.source.value == "school_intervention"
            if d.urn is not None and (school_work or d.trust_uid is None):
                about, about_href = f"URN {d.urn}", f"/schools/{d.urn}"
            else:
                about, about_href = f"Trust {d.trust_uid}", f"/trusts/{d.trust_uid}"
            out.append(
                Deadline(
                    what=d.what,
                    href=(
                        f"/school-interventions/{d.intervention_id}"
                        if school_work
                        else f"/trust-interventions/{d.intervention_id}"
                        if d.source.value == "trust_intervention"
                        else f"/interventions/{d.intervention_id}"
                    ),
                    about=about,
                    about_href=about_href,
                    kind=label(d.kind.value),
                    due_on=long_date(d.due_on),
                    when=working_days_text(d.working_days),
                    overdue=d.overdue,
                )
            )
        return cls(
            deadlines=out,
            overdue=sum(d.overdue for d in out),
            region=region,
            kinds=[
                Choice("", "Everything"),
                *(Choice(k, label(k), k == kind) for k in DEADLINE_KINDS),
            ],
            regions=[
                Choice("", "All of England", region == ""),
                *(Choice(code, name, code == region) for code, name in regions),
            ],
        )


def _decider(name: str | None, grade: str | None) -> str:
    """Who decided a step and their grade; empty for steps recorded before they were asked."""
    if not name:
        return ""
    return f"{name} ({label(grade)})" if grade else name


@dataclass(frozen=True)
class Step:
    """A status the intervention has had: from when, who decided it (their grade), who
    recorded it, why, and on what evidence."""

    status: str
    effective: str
    actor: str
    reason: str
    recorded: str
    decided_by: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class InterventionPageView:
    """One intervention: what it is, what falls due, its steps, and the next step's form."""

    intervention_id: str
    title: str
    caption: str
    details: list[SummaryRow]
    conditions: list[str]
    grounds: str
    due: str
    overdue: bool
    steps: list[Step]
    may_change: bool
    version: int
    status: str
    escalate_href: str | None
    trust_audit_href: str
    final: bool

    @classmethod
    def build(
        cls,
        i: InterventionView,
        *,
        today: dt.date,
        roles: Sequence[str],
        trust_name: str | None,
        school_name: str | None,
    ) -> InterventionPageView:
        """From commissioning's intervention (and the trust's and academy's names, when the
        registry gave them)."""
        due = i.response_due_on
        details = [
            SummaryRow("Kind", label(i.kind.value)),
            SummaryRow(
                "Trust",
                f"{trust_name} ({i.trust_uid})" if trust_name else str(i.trust_uid),
                f"/trusts/{i.trust_uid}",
            ),
        ]
        if i.urn is not None:
            details.append(
                SummaryRow(
                    "Academy",
                    f"{school_name} ({i.urn})" if school_name else str(i.urn),
                    f"/schools/{i.urn}",
                )
            )
        details += rows(
            [
                ("Status", label(i.status.value)),
                ("Counts against the trust", "Yes" if i.active else "No"),
                ("Issued", long_date(i.issued_on)),
                ("Issued by", i.issued_by),
                ("Published", "Yes" if i.published else "No, not yet"),
            ]
        )
        if due is not None:
            details.append(
                SummaryRow("Response due", due_text(due, today, active=i.active)),
            )
        if i.escalated_from:
            details.append(
                SummaryRow(
                    "Escalated from", "An earlier notice", f"/interventions/{i.escalated_from}"
                )
            )
        if i.rebrokerage_case_id:
            details.append(
                SummaryRow(
                    "Rebrokerage case", "The case it opened", f"/cases/{i.rebrokerage_case_id}"
                )
            )
        steps = [
            Step(
                status=label(h.status.value),
                effective=long_date(h.effective_on),
                actor=h.actor,
                reason=given(h.reason) or "",
                recorded=date_time(h.recorded_at),
                decided_by=_decider(given(h.decided_by), given(h.decider_grade)),
                evidence=", ".join(given(h.evidence_ids) or []),
            )
            for h in i.history
        ]
        escalates = {
            "nti_warning_letter": "notice_to_improve",
            "notice_to_improve": "termination_warning_notice",
            "termination_warning_notice": "termination_notice",
        }.get(i.kind.value)
        may = "caseworker" in roles and i.status.value not in FINAL_STATUSES
        return cls(
            intervention_id=i.intervention_id,
            title=label(i.kind.value),
            caption=(trust_name or f"Trust {i.trust_uid}")
            + (f" · {school_name or f'academy {i.urn}'}" if i.urn else ""),
            details=details,
            conditions=list(i.conditions),
            grounds=i.grounds,
            due=due_text(due, today, active=i.active),
            overdue=bool(i.active and due is not None and due < today),
            steps=steps,
            may_change=may,
            version=i.version,
            status=i.status.value,
            escalate_href=(
                f"/interventions/new?kind={escalates}&trust_uid={i.trust_uid}"
                + (f"&urn={i.urn}" if i.urn else "")
                + f"&escalated_from={i.intervention_id}"
            )
            if "caseworker" in roles and escalates and i.active
            else None,
            trust_audit_href=f"/audit/trusts/{i.trust_uid}",
            final=i.status.value in FINAL_STATUSES,
        )
