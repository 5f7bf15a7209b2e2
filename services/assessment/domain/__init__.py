"""The assessment's pure domain: its state folded from events, and commands decided into events.

No I/O and no clock: the handler loads the stream and the bound framework version, passes
today's date and the trust's currently published assessment in, and appends what ``decide``
returns. Role checks belong to HTTP (who may try); the rules here are about the assessment
itself, including four eyes, which needs people's identities from the events.

Lifecycle: draft -> submitted -> moderated -> published; a moderator may return a submitted
assessment (returned, editable like a draft); any assessment not yet withdrawn may be
withdrawn. There is no overall score anywhere.

``assessment`` holds the state and how events fold into it; ``commands`` what may be asked
and ``decide``.
"""

from __future__ import annotations

from services.assessment.domain.assessment import (
    EDITABLE,
    STATUSES,
    Assessment,
    Status,
    evolve,
    fold,
)
from services.assessment.domain.commands import (
    Approve,
    Command,
    JudgePillar,
    PillarDefinitionView,
    Publish,
    RecordEvidence,
    Return,
    StartAssessment,
    Submit,
    Withdraw,
    decide,
    missing_pillars,
    pillar_of,
    start,
)

__all__ = [
    "EDITABLE",
    "STATUSES",
    "Approve",
    "Assessment",
    "Command",
    "JudgePillar",
    "PillarDefinitionView",
    "Publish",
    "RecordEvidence",
    "Return",
    "StartAssessment",
    "Status",
    "Submit",
    "Withdraw",
    "decide",
    "evolve",
    "fold",
    "missing_pillars",
    "pillar_of",
    "start",
]
