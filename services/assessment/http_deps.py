"""The steps the assessment routes take (the pool and the date are shared's).

Who may take each, and where, is the service's authority table
(``services/assessment/policies/authority/``; seeded from the rules as they were: an
assessor starts an assessment, records evidence, judges pillars and submits; a moderator
approves or returns, and publishes; either may withdraw; only a national administrator
publishes a framework; every role may read). An assessment is where its trust is: the
region most of the trust's open schools are in (``handlers.trust_place``).
"""

from __future__ import annotations

from typing import Annotated, Any

from shared.http.steps import change, create, step
from shared.http.writes import WriteRequest

readers: list[Any] = [step("assessment.assessments.read")]
StartAssessment = Annotated[WriteRequest, create("assessment.assessments.start")]
RecordEvidence = Annotated[WriteRequest, change("assessment.assessments.record_evidence")]
JudgePillar = Annotated[WriteRequest, change("assessment.assessments.judge")]
SubmitAssessment = Annotated[WriteRequest, change("assessment.assessments.submit")]
ModerateAssessment = Annotated[WriteRequest, change("assessment.assessments.moderate")]
PublishAssessment = Annotated[WriteRequest, change("assessment.assessments.publish")]
WithdrawAssessment = Annotated[WriteRequest, change("assessment.assessments.withdraw")]
