"""Requests and answers of assessment requests."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from shared.http.fields import Reason, StrictGroupUid
from shared.http.models import RequestModel, ViewModel


class AssessmentRequest(RequestModel):
    """The shortlisted trust to assess, why, and against which framework."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "trust_uid": 5002,
                    "reason": "No published judgement on school improvement for this trust.",
                }
            ]
        },
    )

    trust_uid: StrictGroupUid
    reason: Reason
    framework_id: str = Field(
        default="dfe-trust-quality",
        pattern=r"^[a-z0-9][a-z0-9-]{0,63}$",
        description="the framework the assessment service opens the draft against",
    )


class AssessmentRequested(ViewModel):
    """The request recorded on the case: its id (the draft assessment names it) and the
    case's version."""

    id: str = Field(description="the case id")
    version: int
    request_id: str
