"""The assessment service's problems: each a precise problem+json type, raised by the domain."""

from __future__ import annotations

from shared.errors import (
    PROBLEM_TYPE_BASE,
    Conflict,
    Forbidden,
    NotFound,
    UnprocessableContent,
)


class AssessmentNotFound(NotFound):
    """No assessment has this id."""

    type_uri = PROBLEM_TYPE_BASE + "assessment-not-found"


class FrameworkNotFound(UnprocessableContent):
    """The framework (version) named in the request does not exist."""

    type_uri = PROBLEM_TYPE_BASE + "unknown-framework"


class UnknownTrust(UnprocessableContent):
    """The trust is not one the registry's events have told this service of."""

    type_uri = PROBLEM_TYPE_BASE + "unknown-trust"


class UnknownPillar(UnprocessableContent):
    """The pillar is not one of the bound framework version's pillars."""

    type_uri = PROBLEM_TYPE_BASE + "unknown-pillar"


class UnknownTheme(UnprocessableContent):
    """The theme is not one of the pillar's themes in the bound framework version."""

    type_uri = PROBLEM_TYPE_BASE + "unknown-theme"


class JudgementWithoutEvidence(UnprocessableContent):
    """A pillar is judged only on evidence recorded against that pillar."""

    type_uri = PROBLEM_TYPE_BASE + "judgement-without-evidence"


class InvalidFramework(UnprocessableContent):
    """A framework definition that cannot be published (duplicate keys)."""

    type_uri = PROBLEM_TYPE_BASE + "invalid-framework"


class WrongStatus(Conflict):
    """The assessment's status does not allow this step."""

    type_uri = PROBLEM_TYPE_BASE + "assessment-status-conflict"


class AssessmentIncomplete(Conflict):
    """Publishing needs a judgement on every pillar of the framework."""

    type_uri = PROBLEM_TYPE_BASE + "assessment-incomplete"


class SelfModeration(Forbidden):
    """Four eyes: nobody moderates an assessment they helped write."""

    type_uri = PROBLEM_TYPE_BASE + "self-moderation"
