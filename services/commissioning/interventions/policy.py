"""The ``notices`` section of the ``intervention`` policy: the academy and trust notice
ladder as data, pure.

For each notice kind: its rung on the ladder (an escalation climbs to a higher rung), the
working days a trust has to respond (a termination warning notice's response period), how
often a notice to improve is reviewed, which statuses may follow which, and who may decide
to issue it. ``check_notices`` lists every problem of a section; a version with no section
at all (version 1 of the policy, published before the ladder was data) follows
``FIXED_NOTICES``, the rules the code held until then, so its meaning does not change.
"""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from shared.contracts.interventions import InterventionKind, InterventionStatus

NOTICE_KINDS: tuple[InterventionKind, ...] = get_args(InterventionKind)
# A warning notice asks the trust to respond by a date (the funding agreement's termination
# clause); a notice to improve is monitored until it is lifted. A version leaving either out
# could not give a due date, so ``check_notices`` refuses it.
NEEDS_RESPONSE_PERIOD: frozenset[str] = frozenset({"termination_warning_notice"})
NEEDS_REVIEW_INTERVAL: frozenset[str] = frozenset({"notice_to_improve"})
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NoticeRule(_Doc):
    """One kind of notice: where it sits, its periods, its statuses and its deciders."""

    kind: InterventionKind
    title: str = Field(min_length=1, max_length=200)
    rung: StrictInt = Field(ge=1, le=20)
    response_working_days: StrictInt | None = Field(default=None, ge=1, le=200)
    review_interval_months: StrictInt | None = Field(default=None, ge=1, le=24)
    # Bounded like every request field: there are only so many statuses.
    moves: dict[InterventionStatus, Annotated[list[InterventionStatus], Field(max_length=20)]] = (
        Field(max_length=20)
    )
    deciders: list[Code] = Field(default_factory=list, max_length=30)
    note: str | None = Field(default=None, max_length=2000)


class NoticeRules(_Doc):
    """The ladder of notices against academies and trusts."""

    kinds: list[NoticeRule] = Field(max_length=20)
    note: str | None = Field(default=None, max_length=2000)

    def rule(self, kind: str) -> NoticeRule | None:
        """The rule for ``kind``, if the version gives one."""
        return next((r for r in self.kinds if r.kind == kind), None)

    def allowed_moves(self, kind: str, status: str) -> list[str]:
        """The statuses a notice of ``kind`` may move to from ``status``, in policy order."""
        rule = self.rule(kind)
        return list(rule.moves.get(status, [])) if rule else []  # type: ignore[call-overload]

    def ladder(self) -> list[str]:
        """The kinds, mildest first."""
        return [r.kind for r in sorted(self.kinds, key=lambda r: r.rung)]


def check_notices(notices: NoticeRules, decider_grades: list[str]) -> list[str]:
    """Every problem of a notices section, in words a policy officer reads."""
    problems: list[str] = []
    kinds = [r.kind for r in notices.kinds]
    for kind in NOTICE_KINDS:
        if kind not in kinds:
            problems.append(f"notice {kind} is missing")
        elif kinds.count(kind) > 1:
            problems.append(f"notice {kind} is listed more than once")
    rungs: dict[int, str] = {}
    for r in notices.kinds:
        where = f"notice {r.kind}"
        if r.rung in rungs and rungs[r.rung] != r.kind:
            problems.append(f"{where} shares rung {r.rung} with {rungs[r.rung]}")
        rungs.setdefault(r.rung, r.kind)
        if r.kind in NEEDS_RESPONSE_PERIOD and r.response_working_days is None:
            problems.append(f"{where} has no response period")
        if r.kind in NEEDS_REVIEW_INTERVAL and r.review_interval_months is None:
            problems.append(f"{where} has no review interval")
        if not r.deciders:
            problems.append(f"{where} has no decider")
        for grade in r.deciders:
            if grade not in decider_grades:
                problems.append(f"{where} names unknown decider {grade}")
        if "issued" not in r.moves.get("preparing", []):
            problems.append(f"{where}: a notice being prepared cannot be issued")
        if not r.moves.get("issued"):
            problems.append(f"{where}: nothing may follow issued")
    return problems


_NTI_MOVES: dict[str, list[str]] = {
    "preparing": ["issued", "cancelled"],
    "issued": [
        "progress_on_track",
        "evidence_of_non_compliance",
        "serious_breaches",
        "submission_to_lift",
        "lifted",
        "closed",
        "cancelled",
    ],
    "progress_on_track": [
        "evidence_of_non_compliance",
        "serious_breaches",
        "submission_to_lift",
        "lifted",
        "closed",
    ],
    "evidence_of_non_compliance": [
        "progress_on_track",
        "serious_breaches",
        "submission_to_lift",
        "closed",
    ],
    "serious_breaches": ["progress_on_track", "evidence_of_non_compliance", "closed"],
    "submission_to_lift": ["lifted", "progress_on_track", "evidence_of_non_compliance", "closed"],
    "lifted": ["closed"],
}
_OTHER_MOVES: dict[str, list[str]] = {
    "preparing": ["issued", "cancelled"],
    "issued": ["closed", "cancelled"],
}
_FIXED_DECIDERS = ["regional_director", "deputy_director"]

# The rules the code held before the ladder was policy data (2023, DOMAIN.md): the notices
# of any version without a ``notices`` section, and of notices recorded before versions were.
# Policy version 2 ships the same rules as data; a unit test keeps the two equal. They had no
# review interval: NTI reviews fall due only under a version that gives one.
FIXED_NOTICES = NoticeRules.model_validate(
    {
        "kinds": [
            {
                "kind": "nti_warning_letter",
                "title": "Notice to improve warning letter",
                "rung": 1,
                "moves": _OTHER_MOVES,
                "deciders": _FIXED_DECIDERS,
            },
            {
                "kind": "notice_to_improve",
                "title": "Notice to improve",
                "rung": 2,
                "moves": _NTI_MOVES,
                "deciders": _FIXED_DECIDERS,
            },
            {
                "kind": "termination_warning_notice",
                "title": "Termination warning notice",
                "rung": 3,
                "response_working_days": 15,
                "moves": _OTHER_MOVES,
                "deciders": ["regional_director"],
            },
            {
                "kind": "termination_notice",
                "title": "Termination notice",
                "rung": 4,
                "moves": _OTHER_MOVES,
                "deciders": ["regional_director"],
            },
        ]
    }
)
