"""Requests and views of a decision's record: equality duty, conditions and challenges."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.commissioning import ChallengeKind, ReferralCapacity
from shared.contracts.identifiers import RegionCode, Subject
from shared.contracts.values import DecisionMakerGrade
from shared.http.fields import Paragraph, Reason, Reference


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class EqualityDuty(_Request):
    """The public sector equality duty as the decision considered it (required to approve)."""

    likely_impact: Paragraph = Field(
        description="The likely impact on people with protected characteristics."
    )
    mitigation: Paragraph = Field(description="How any adverse impact is mitigated.")


class ConditionMet(_Request):
    """A condition of the approval is met, with the evidence."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "evidence": "The trust's school improvement plan, agreed by the RD's team.",
                    "document_reference": "SharePoint: Case 42/Conditions/plan-v3.pdf",
                }
            ]
        },
    )

    evidence: Paragraph
    document_reference: Reference | None = None


class ConditionWaived(_Request):
    """A condition of the approval is waived, for a reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Overtaken by the trust's merger."}]},
    )

    reason: Reason


class DecisionChallenge(_Request):
    """Escalate or challenge the decision to another region's director or a minister."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "challenge",
                    "capacity": "minister",
                    "referred_to": "minister.schools",
                    "reason": "The outgoing trust challenges the choice of trust.",
                }
            ]
        },
    )

    kind: ChallengeKind
    capacity: ReferralCapacity
    referred_to: Subject = Field(
        description="The person who will decide again, as their token names them (its `sub`)."
    )
    to_region_code: RegionCode | None = Field(
        default=None, description="Their region: required for another regional director."
    )
    reason: Reason


class EqualityView(_View):
    """The equality duty record."""

    likely_impact: str
    mitigation: str


class ConditionView(_View):
    """One condition of an approval and where it stands."""

    number: int
    text: str
    status: str = Field(description="open, met or waived")
    evidence: str | None = None
    document_reference: str | None = None
    reason: str | None = Field(default=None, description="Why it was waived.")
    on: date | None = None
    actor: str | None = None


class ChallengeView(_View):
    """An escalation or challenge of a decision."""

    kind: ChallengeKind
    capacity: ReferralCapacity
    referred_to: str
    to_region_code: str | None
    reason: str
    challenged_on: date
    actor: str


class DecisionRecordView(_View):
    """A decision's record besides its outcome: coded reasons, grade, equality duty."""

    reason_codes: list[str]
    reasons_policy_version: int | None
    decision_maker_grade: DecisionMakerGrade | None
    decision_maker_grade_other: str | None
    rules_policy_version: int | None
    equality: EqualityView | None
    supersedes_decision: str | None

    @classmethod
    def of(cls, stored: dict[str, Any]) -> DecisionRecordView:
        """The stored record; a decision from before coded reasons has none of it."""
        fields = dict.fromkeys(cls.model_fields) | {"reason_codes": []}
        return cls.model_validate(fields | stored)
